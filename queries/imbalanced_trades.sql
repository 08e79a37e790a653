-- Successful trades whose sides differ in value by at least min_ratio (a cheating signal), most lopsided first.
-- param: min_ratio (number) = 10
-- param: limit (number) = 100
-- param: offset (number) = 0
SELECT trade_id, giver_id, receiver_id, value_given, value_received, imbalance_ratio
FROM mart_trade_anomalies
WHERE valid AND imbalance_ratio >= $min_ratio
ORDER BY imbalance_ratio DESC, trade_id
LIMIT $limit OFFSET $offset;
