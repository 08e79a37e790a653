-- grain: one row per side of a trade
CREATE VIEW stg_trade_sides AS
SELECT event_id, product_id, occurred_at, trade_id, side, player_id, counterparty_id, gold, item_count,
       items_value, value_given, value_received, valid, fail_reason
FROM lake_trade_sides;
