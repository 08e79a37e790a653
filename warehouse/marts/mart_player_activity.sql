-- grain: one row per product and player seen in any trade-engine snapshot or Placebo event
-- unique: product_id, player_id
-- not_null: product_id, player_id, first_seen, last_seen, events
-- check: first_seen <= last_seen
-- refresh: merge
-- When a player was first and last seen (the span mart_wealth calls time played), and in how many events.
-- column product_id: The game.
-- column player_id: The player or user.
-- column first_seen: Their first event.
-- column last_seen: Their latest event.
-- column events: Events seen.
CREATE TABLE IF NOT EXISTS mart_player_activity (product_id VARCHAR, player_id VARCHAR, first_seen TIMESTAMPTZ, last_seen TIMESTAMPTZ, events BIGINT);
CREATE OR REPLACE TABLE mart_player_activity AS
SELECT product_id, player_id, min(first_seen) AS first_seen, max(last_seen) AS last_seen, CAST(sum(events) AS BIGINT) AS events
FROM (
  SELECT product_id, player_id, first_seen, last_seen, events FROM mart_player_activity
  UNION ALL
  SELECT product_id, player_id, min(state_time), max(state_time), count(*) FROM delta_stg_player_states GROUP BY ALL
  UNION ALL
  SELECT product_id, user_id, min(occurred_at), max(occurred_at), count(*) FROM delta_stg_placebo_events GROUP BY ALL
)
GROUP BY ALL;
