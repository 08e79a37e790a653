-- grain: one row per trade-engine player snapshot (player_created or player_state)
-- unique: event_id
-- not_null: event_id, state_id, player_id, distinct_items, item_value
-- A player_created has no state_id: its event id names that first snapshot ('created:<event_id>').
-- distinct_items counts item kinds held (quantity > 0); item_value sums value x quantity of the inventory.
CREATE OR REPLACE VIEW stg_player_states AS
WITH inventory AS (
  SELECT batch_id, line, count(DISTINCT item_id) FILTER (WHERE quantity > 0) AS distinct_items, sum(item_value * quantity) AS item_value
  FROM lake_player_inventory GROUP BY ALL
)
SELECT p.event_id, p.event_type, p.product_id, p.occurred_at AS state_time, coalesce(p.state_id, 'created:' || p.event_id) AS state_id,
       p.player_id, p.username, p.player_class, p.gold, p.max_capacity, p.current_capacity,
       coalesce(i.distinct_items, 0) AS distinct_items, coalesce(i.item_value, 0) AS item_value
FROM lake_player_states p LEFT JOIN inventory i USING (batch_id, line);
