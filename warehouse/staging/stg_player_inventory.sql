-- grain: one row per item held in a trade-engine player snapshot
-- unique: event_id, item_index
-- not_null: event_id, state_id, player_id, item_id
CREATE OR REPLACE VIEW stg_player_inventory AS
SELECT i.event_id, i.product_id, i.occurred_at AS state_time, coalesce(p.state_id, 'created:' || i.event_id) AS state_id, i.player_id, i.username,
       i.item_index, i.item_id, i.item_name, i.item_level, i.item_value, i.quantity
FROM lake_player_inventory i JOIN lake_player_states p USING (batch_id, line);
