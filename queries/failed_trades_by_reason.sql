-- Failed trades by the reason the trade engine gave.
SELECT coalesce(fail_reason, 'unknown') AS reason, count(*) AS trades
FROM stg_trades
WHERE NOT valid
GROUP BY ALL
ORDER BY trades DESC, reason;
