-- Pairs of players who traded lopsidedly again and again (value flowing one way), most repeated first.
-- param: min_trades (number) = 3
-- param: limit (number) = 50
-- round: value_given=2, value_received=2
SELECT giver_id, receiver_id, max(lopsided_pair_trades) AS lopsided_trades,
       sum(value_given) FILTER (WHERE flagged AND valid) AS value_given, sum(value_received) FILTER (WHERE flagged AND valid) AS value_received
FROM mart_trade_anomalies
WHERE lopsided_pair_trades >= $min_trades
GROUP BY ALL
ORDER BY lopsided_trades DESC, value_given DESC, giver_id, receiver_id
LIMIT $limit;
