-- grain: one row per trade
-- unique: trade_id
-- not_null: trade_id, giver_id, receiver_id, value_given, value_received, imbalance_ratio, flagged
-- What each side gave (items value x quantity + gold), who gave more, and flags with their reasons:
-- an imbalance above $min_ratio in a trade that happened, the same pair trading lopsidedly again and again (value flowing one
-- way), a failed trade (by reason).
CREATE TABLE mart_trade_anomalies AS
WITH t AS (
  SELECT trade_id, product_id, occurred_at, valid, fail_reason,
         CASE WHEN value_a >= value_b THEN player_a ELSE player_b END AS giver_id,
         CASE WHEN value_a >= value_b THEN player_b ELSE player_a END AS receiver_id,
         greatest(value_a, value_b) AS value_given,
         least(value_a, value_b) AS value_received
  FROM stg_trades
), r AS (
  SELECT *, round(value_given / greatest(value_received, 1), 4) AS imbalance_ratio FROM t
), pairs AS (
  SELECT *, count(*) FILTER (WHERE valid AND imbalance_ratio > $min_ratio) OVER (PARTITION BY giver_id, receiver_id) AS lopsided_pair_trades
  FROM r
)
SELECT trade_id, product_id, occurred_at, valid, fail_reason, giver_id, receiver_id, value_given, value_received,
       imbalance_ratio, lopsided_pair_trades,
       list_filter([
         CASE WHEN valid AND imbalance_ratio > $min_ratio THEN 'imbalance above ' || $min_ratio END,
         CASE WHEN valid AND imbalance_ratio > $min_ratio AND lopsided_pair_trades >= $repeat_threshold
              THEN 'repeated lopsided trades from ' || giver_id || ' to ' || receiver_id END,
         CASE WHEN NOT valid THEN 'failed: ' || coalesce(fail_reason, 'unknown') END
       ], x -> x IS NOT NULL) AS reasons,
       len(reasons) > 0 AS flagged
FROM pairs;
