-- grain: one row per product and player: their latest known wealth
-- unique: product_id, player_id
-- not_null: product_id, player_id, wealth, as_of, as_of_event_id, first_seen, seconds_played
-- check: seconds_played >= 0
-- depends_on: mart_player_activity
-- refresh: merge
-- trade-engine: gold + item value of the latest snapshot; Placebo: wealth after the latest event
-- (create_user: starting wealth; approved purchase or join: wealth before it minus its cost; refused
-- purchase: unchanged). Latest by event time, ties broken by event id, so a late event older than the
-- player's latest changes nothing. seconds_played spans a player's first to last event.
-- column product_id: The game.
-- column player_id: The player or user.
-- column wealth: Latest known wealth (gold + item value; Placebo wealth after the event).
-- column as_of: When that wealth was known.
-- column as_of_event_id: The event it came from (ties broken by event id).
-- column first_seen: First event of the player.
-- column seconds_played: Seconds from first to last event.
CREATE TABLE IF NOT EXISTS mart_wealth (
  product_id VARCHAR, player_id VARCHAR, wealth DOUBLE, as_of TIMESTAMPTZ, as_of_event_id VARCHAR, first_seen TIMESTAMPTZ, seconds_played DOUBLE
);
CREATE OR REPLACE TABLE mart_wealth AS
WITH known AS (
  SELECT product_id, player_id, as_of AS occurred_at, as_of_event_id AS event_id, wealth FROM mart_wealth
  UNION ALL
  SELECT product_id, player_id, state_time, event_id, gold + item_value FROM delta_stg_player_states
  UNION ALL
  SELECT product_id, user_id, occurred_at, event_id,
         CASE
           WHEN event_type = 'create_user' THEN wealth
           WHEN event_type IN ('buy_sword', 'buy_spell') AND status = 'approved_purchase' THEN player_wealth - cost
           WHEN event_type IN ('join_guild', 'join_team') THEN player_wealth - cost
           ELSE player_wealth
         END
  FROM delta_stg_placebo_events
  WHERE event_type IN ('create_user', 'buy_sword', 'buy_spell', 'join_guild', 'join_team')
), latest AS (
  SELECT * FROM known QUALIFY row_number() OVER (PARTITION BY product_id, player_id ORDER BY occurred_at DESC, event_id DESC) = 1
)
SELECT l.product_id, l.player_id, l.wealth, l.occurred_at AS as_of, l.event_id AS as_of_event_id, a.first_seen,
       epoch(a.last_seen) - epoch(a.first_seen) AS seconds_played
FROM latest l JOIN mart_player_activity a USING (product_id, player_id);
