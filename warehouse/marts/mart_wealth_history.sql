-- grain: one row per observation of a player's wealth: a trade-engine snapshot (player_created, player_state) or a Placebo event that sets or changes it
-- unique: event_id
-- not_null: product_id, player_id, event_id, occurred_at
-- refresh: merge
-- What `gamelake query player_wealth_over_time` reads. New batches' observations are appended (a late
-- batch's rows join the others; readers order by time). Sorted by product and player on write, so a
-- lookup of one player reads few row groups.
-- column product_id: The game.
-- column player_id: The player (trade-engine player_id, Placebo user_id).
-- column event_id: The event the observation comes from.
-- column occurred_at: When.
-- column wealth: Gold plus item value (trade-engine); the user's wealth after the event (Placebo).
CREATE TABLE IF NOT EXISTS mart_wealth_history (product_id VARCHAR, player_id VARCHAR, event_id VARCHAR, occurred_at TIMESTAMPTZ, wealth DOUBLE);
INSERT INTO mart_wealth_history
SELECT * FROM (
  SELECT product_id, player_id, event_id, state_time AS occurred_at, gold + item_value AS wealth FROM delta_stg_player_states
  UNION ALL
  SELECT product_id, user_id, event_id, occurred_at,
         CASE WHEN event_type = 'create_user' THEN wealth
              WHEN event_type IN ('buy_sword', 'buy_spell') AND status = 'approved_purchase' THEN player_wealth - cost
              WHEN event_type IN ('join_guild', 'join_team') THEN player_wealth - cost
              ELSE player_wealth END
  FROM delta_stg_placebo_events WHERE event_type IN ('create_user', 'buy_sword', 'buy_spell', 'join_guild', 'join_team')
)
ORDER BY product_id, player_id, occurred_at;
