-- grain: one row per trade
-- unique: trade_id
-- not_null: trade_id, giver_id, receiver_id, value_given, value_received, imbalance_ratio, lopsided_pair_trades, flagged
-- check: value_given >= value_received
-- check: flagged = (len(reasons) > 0)
-- refresh: merge
-- What each side gave (items value x quantity + gold), who gave more, and flags with their reasons:
-- an imbalance above $min_ratio in a trade that happened, the same pair trading lopsidedly again and again
-- (value flowing one way, at least $repeat_threshold times), a failed trade (by reason).
-- New trades are added; the trades of every (giver, receiver) pair a new trade touches are scored again,
-- since the pair's count of lopsided trades changed.
-- column trade_id: The trade.
-- column product_id: The game.
-- column occurred_at: When the server saw it.
-- column valid: Whether the server executed it.
-- column fail_reason: Why not, when refused.
-- column giver_id: The side that gave more value.
-- column receiver_id: The other side.
-- column value_given: Items value x quantity + gold the giver offered.
-- column value_received: What the receiver offered.
-- column imbalance_ratio: value_given / max(value_received, 1), 4 decimals.
-- column lopsided_pair_trades: Successful trades of this giver to this receiver above the ratio.
-- column reasons: Why the trade is flagged.
-- column flagged: At least one reason.
CREATE TABLE IF NOT EXISTS mart_trade_anomalies (
  trade_id VARCHAR, product_id VARCHAR, occurred_at TIMESTAMPTZ, valid BOOLEAN, fail_reason VARCHAR, giver_id VARCHAR, receiver_id VARCHAR,
  value_given DOUBLE, value_received DOUBLE, imbalance_ratio DOUBLE, lopsided_pair_trades BIGINT, reasons VARCHAR[], flagged BOOLEAN
);
CREATE OR REPLACE TEMP TABLE new_trades AS
WITH t AS (
  SELECT trade_id, product_id, occurred_at, valid, fail_reason,
         CASE WHEN value_a >= value_b THEN player_a ELSE player_b END AS giver_id,
         CASE WHEN value_a >= value_b THEN player_b ELSE player_a END AS receiver_id,
         greatest(value_a, value_b) AS value_given,
         least(value_a, value_b) AS value_received
  FROM delta_stg_trades
)
SELECT *, round(value_given / greatest(value_received, 1), 4) AS imbalance_ratio FROM t;
CREATE OR REPLACE TEMP TABLE touched_pairs AS SELECT DISTINCT giver_id, receiver_id FROM new_trades;
CREATE OR REPLACE TEMP TABLE pair_trades AS
SELECT m.trade_id, m.product_id, m.occurred_at, m.valid, m.fail_reason, m.giver_id, m.receiver_id, m.value_given, m.value_received, m.imbalance_ratio
FROM mart_trade_anomalies m SEMI JOIN touched_pairs p ON m.giver_id = p.giver_id AND m.receiver_id = p.receiver_id
UNION ALL
SELECT * FROM new_trades;
DELETE FROM mart_trade_anomalies m USING touched_pairs p WHERE m.giver_id = p.giver_id AND m.receiver_id = p.receiver_id;
INSERT INTO mart_trade_anomalies
WITH pairs AS (
  SELECT *, count(*) FILTER (WHERE valid AND imbalance_ratio > $min_ratio) OVER (PARTITION BY giver_id, receiver_id) AS lopsided_pair_trades
  FROM pair_trades
)
SELECT trade_id, product_id, occurred_at, valid, fail_reason, giver_id, receiver_id, value_given, value_received,
       imbalance_ratio, lopsided_pair_trades, reasons, len(reasons) > 0 AS flagged
FROM (
  SELECT *,
         list_filter([
           CASE WHEN valid AND imbalance_ratio > $min_ratio THEN 'imbalance above ' || $min_ratio END,
           CASE WHEN valid AND imbalance_ratio > $min_ratio AND lopsided_pair_trades >= $repeat_threshold
                THEN 'repeated lopsided trades from ' || giver_id || ' to ' || receiver_id END,
           CASE WHEN NOT valid THEN 'failed: ' || coalesce(fail_reason, 'unknown') END
         ], x -> x IS NOT NULL) AS reasons
  FROM pairs
)
-- Written most lopsided first: the row groups' ranges let imbalanced_trades skip the balanced ones.
ORDER BY imbalance_ratio DESC;
