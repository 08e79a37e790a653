-- grain: one row per item kind offered by one side of a trade
-- unique: event_id, side, item_index
-- not_null: event_id, trade_id, side, player_id, receiver_id, item_id
CREATE OR REPLACE VIEW stg_trade_items AS
SELECT i.event_id, i.product_id, i.occurred_at, i.trade_id, i.side, i.item_index, i.player_id, s.player_id AS receiver_id,
       i.item_id, i.item_name, i.item_level, i.item_value, i.quantity, i.valid
FROM lake_trade_items i JOIN lake_trade_sides s ON s.batch_id = i.batch_id AND s.line = i.line AND s.side <> i.side;
