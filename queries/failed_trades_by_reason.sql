-- Failed trades by the reason the trade engine gave.
SELECT reason, trades
FROM mart_trade_failures
ORDER BY trades DESC, reason;
