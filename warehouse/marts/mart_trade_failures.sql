-- grain: one row per reason the trade engine gave for refusing a trade
-- unique: reason
-- not_null: reason, trades
-- refresh: merge
-- column reason: The reason the trade engine gave.
-- column trades: Trades refused for it.
CREATE TABLE IF NOT EXISTS mart_trade_failures (reason VARCHAR, trades BIGINT);
CREATE OR REPLACE TABLE mart_trade_failures AS
SELECT reason, CAST(sum(trades) AS BIGINT) AS trades
FROM (
  SELECT reason, trades FROM mart_trade_failures
  UNION ALL
  SELECT coalesce(fail_reason, 'unknown'), count(*) FROM delta_stg_trades WHERE NOT valid GROUP BY ALL
)
GROUP BY reason;
