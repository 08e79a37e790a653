-- grain: one row per product (players with wealth >= 0; negative wealth is counted separately)
-- depends_on: mart_wealth
-- unique: product_id
-- not_null: product_id, players, negative_wealth_players
-- Gini G = 2 sum(i x_i) / (n sum x) - (n+1)/n over wealth sorted ascending (i from 1), percentiles,
-- and the shares of total wealth held by the top 1% and top 10% of players.
-- refresh: rebuild
-- column product_id: The game.
-- column players: Players with wealth >= 0.
-- column gini: Gini coefficient of their wealth (0 equal, toward 1 unequal).
-- column p10: 10th percentile of wealth.
-- column p50: Median wealth.
-- column p99: 99th percentile of wealth.
-- column top1_share: Share of all wealth held by the richest 1%.
-- column top10_share: Share held by the richest 10%.
-- column negative_wealth_players: Players below zero, left out of the figures above.
CREATE OR REPLACE TABLE mart_wealth_distribution AS
WITH ranked AS (
  SELECT product_id, wealth,
         row_number() OVER (PARTITION BY product_id ORDER BY wealth, player_id) AS i,
         row_number() OVER (PARTITION BY product_id ORDER BY wealth DESC, player_id) AS from_top,
         count(*) OVER (PARTITION BY product_id) AS n
  FROM mart_wealth WHERE wealth >= 0
), summary AS (
  SELECT product_id, count(*) AS players,
         CASE WHEN sum(wealth) > 0 THEN 2 * sum(i * wealth) / (count(*) * sum(wealth)) - (count(*) + 1) / count(*) END AS gini,
         quantile_cont(wealth, 0.10) AS p10, quantile_cont(wealth, 0.25) AS p25, quantile_cont(wealth, 0.50) AS p50,
         quantile_cont(wealth, 0.75) AS p75, quantile_cont(wealth, 0.90) AS p90, quantile_cont(wealth, 0.99) AS p99,
         sum(wealth) FILTER (WHERE from_top <= greatest(1, ceil(n * 0.01))) / nullif(sum(wealth), 0) AS top1_share,
         sum(wealth) FILTER (WHERE from_top <= greatest(1, ceil(n * 0.10))) / nullif(sum(wealth), 0) AS top10_share
  FROM ranked GROUP BY product_id
), negative AS (
  SELECT product_id, count(*) FILTER (WHERE wealth < 0) AS negative_wealth_players FROM mart_wealth GROUP BY product_id
)
SELECT n.product_id, coalesce(s.players, 0) AS players, s.gini, s.p10, s.p25, s.p50, s.p75, s.p90, s.p99,
       s.top1_share, s.top10_share, n.negative_wealth_players
FROM negative n LEFT JOIN summary s USING (product_id);
