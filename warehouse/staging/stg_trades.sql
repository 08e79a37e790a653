-- grain: one row per trade event
-- unique: event_id
-- not_null: event_id, trade_id, player_a, player_b, value_a, value_b
-- depends_on: stg_trade_sides
-- player_a/value_a are side 0 (the proposer) and what it offered; player_b/value_b side 1.
CREATE OR REPLACE VIEW stg_trades AS
SELECT event_id, product_id, occurred_at, trade_id, valid, fail_reason,
       max(player_id) FILTER (WHERE side = 0) AS player_a, max(player_id) FILTER (WHERE side = 1) AS player_b,
       max(value_given) FILTER (WHERE side = 0) AS value_a, max(value_given) FILTER (WHERE side = 1) AS value_b
FROM stg_trade_sides
GROUP BY event_id, product_id, occurred_at, trade_id, valid, fail_reason;
