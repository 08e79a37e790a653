-- grain: one row per record kind (distinct_items, item_value) and rank 1..100: the trade-engine snapshots with the most distinct items, and with the most item value
-- unique: kind, rank
-- not_null: kind, rank, event_id, player_id, state_id, state_time, distinct_items, item_value
-- refresh: merge
-- The seed's "which player had the most distinct items at one time" and "the most item value at one time
-- (and their gold)". The top 100 of the old records and of the new snapshots hold the top 100 of all.
-- column kind: distinct_items or item_value: what the record is of.
-- column rank: 1 = the record.
-- column event_id: The snapshot event.
-- column player_id: The player.
-- column username: Their name.
-- column state_id: The snapshot (created:<event> for a player_created).
-- column state_time: When.
-- column gold: Gold held then.
-- column distinct_items: Item kinds held.
-- column item_value: Value of the items held.
CREATE TABLE IF NOT EXISTS mart_player_state_records (
  kind VARCHAR, rank BIGINT, event_id VARCHAR, player_id VARCHAR, username VARCHAR, state_id VARCHAR, state_time TIMESTAMPTZ,
  gold DOUBLE, distinct_items BIGINT, item_value DOUBLE
);
CREATE OR REPLACE TABLE mart_player_state_records AS
WITH candidates AS (
  SELECT DISTINCT event_id, player_id, username, state_id, state_time, gold, distinct_items, item_value FROM (
    SELECT event_id, player_id, username, state_id, state_time, gold, distinct_items, item_value FROM mart_player_state_records
    UNION ALL
    SELECT event_id, player_id, username, state_id, state_time, gold, distinct_items, item_value FROM delta_stg_player_states
  )
), by_items AS (
  SELECT 'distinct_items' AS kind, row_number() OVER (ORDER BY distinct_items DESC, state_time, state_id, event_id) AS rank, * FROM candidates QUALIFY rank <= 100
), by_value AS (
  SELECT 'item_value' AS kind, row_number() OVER (ORDER BY item_value DESC, state_time, state_id, event_id) AS rank, * FROM candidates QUALIFY rank <= 100
)
SELECT * FROM by_items UNION ALL SELECT * FROM by_value;
