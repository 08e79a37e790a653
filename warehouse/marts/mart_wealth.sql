-- grain: one row per product and player: their latest known wealth
-- unique: product_id, player_id
-- not_null: product_id, player_id, wealth, as_of, first_seen, seconds_played
-- trade-engine: gold + item value of the latest snapshot; Placebo: wealth after the latest event
-- (create_user: starting wealth; approved purchase or join: wealth before it minus its cost; refused
-- purchase: unchanged). Latest by event time, ties broken by event id. seconds_played spans a player's
-- first to last event.
CREATE TABLE mart_wealth AS
WITH trade_engine AS (
  SELECT product_id, CAST(player_id AS VARCHAR) AS player_id, state_time AS occurred_at, event_id,
         gold + item_value AS wealth
  FROM stg_player_states
), placebo AS (
  SELECT product_id, user_id AS player_id, occurred_at, event_id,
         CASE
           WHEN event_type = 'create_user' THEN wealth
           WHEN event_type IN ('buy_sword', 'buy_spell') AND status = 'approved_purchase' THEN player_wealth - cost
           WHEN event_type IN ('join_guild', 'join_team') THEN player_wealth - cost
           ELSE player_wealth
         END AS wealth
  FROM stg_placebo_events
  WHERE event_type IN ('create_user', 'buy_sword', 'buy_spell', 'join_guild', 'join_team')
), known AS (
  SELECT * FROM trade_engine UNION ALL SELECT * FROM placebo
), activity AS (
  SELECT product_id, CAST(player_id AS VARCHAR) AS player_id, min(state_time) AS first_seen, max(state_time) AS last_seen FROM stg_player_states GROUP BY ALL
  UNION ALL
  SELECT product_id, user_id, min(occurred_at), max(occurred_at) FROM stg_placebo_events GROUP BY ALL
)
SELECT k.product_id, k.player_id, k.wealth, k.occurred_at AS as_of, a.first_seen,
       epoch(a.last_seen) - epoch(a.first_seen) AS seconds_played
FROM known k JOIN activity a USING (product_id, player_id)
QUALIFY row_number() OVER (PARTITION BY k.product_id, k.player_id ORDER BY k.occurred_at DESC, k.event_id DESC) = 1;
