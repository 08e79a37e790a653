-- grain: one row per trade event
CREATE VIEW stg_trades AS
SELECT event_id, product_id, occurred_at, trade_id, valid, fail_reason, player_a, player_b, value_a, value_b
FROM lake_trades;
