-- One player's wealth after each of their events (trade-engine snapshots, Placebo purchases and joins), oldest first.
-- param: product = trade-engine
-- param: player
SELECT occurred_at, wealth FROM (
  SELECT product_id, player_id, state_time AS occurred_at, gold + item_value AS wealth FROM stg_player_states
  UNION ALL
  SELECT product_id, user_id, occurred_at,
         CASE WHEN event_type = 'create_user' THEN wealth
              WHEN event_type IN ('buy_sword', 'buy_spell') AND status = 'approved_purchase' THEN player_wealth - cost
              WHEN event_type IN ('join_guild', 'join_team') THEN player_wealth - cost
              ELSE player_wealth END
  FROM stg_placebo_events WHERE event_type IN ('create_user', 'buy_sword', 'buy_spell', 'join_guild', 'join_team')
)
WHERE product_id = $product AND player_id = $player
ORDER BY occurred_at;
