-- grain: one row per Placebo purchase outcome (status) and item type
-- unique: status, item_type
-- not_null: status, item_type, purchases, cost_sum, priced
-- refresh: merge
-- Purchase attempts per item type and outcome, with the sum and count of their asking prices (the
-- average price per item type is cost_sum / priced over both outcomes).
-- column status: approved_purchase or insufficient_funds.
-- column item_type: Sword or spell type.
-- column purchases: Purchase attempts.
-- column cost_sum: Sum of asking prices.
-- column priced: Attempts with a price.
CREATE TABLE IF NOT EXISTS mart_placebo_purchases (status VARCHAR, item_type VARCHAR, purchases BIGINT, cost_sum DOUBLE, priced BIGINT);
CREATE OR REPLACE TABLE mart_placebo_purchases AS
SELECT status, item_type, CAST(sum(purchases) AS BIGINT) AS purchases, sum(cost_sum) AS cost_sum, CAST(sum(priced) AS BIGINT) AS priced
FROM (
  SELECT status, item_type, purchases, cost_sum, priced FROM mart_placebo_purchases
  UNION ALL
  SELECT status, item_type, count(*), coalesce(sum(cost), 0), count(cost) FROM delta_stg_placebo_events WHERE event_type IN ('buy_sword', 'buy_spell') GROUP BY ALL
)
GROUP BY ALL;
