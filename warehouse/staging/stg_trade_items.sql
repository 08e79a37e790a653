-- grain: one row per item kind offered by one side of a trade
CREATE VIEW stg_trade_items AS
SELECT event_id, product_id, occurred_at, trade_id, side, player_id, receiver_id, item_id, item_name,
       item_level, item_value, quantity, valid
FROM lake_trade_items;
