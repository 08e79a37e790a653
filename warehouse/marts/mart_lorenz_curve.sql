-- grain: one row per product and decile of players (0.1 .. 1.0), poorest first
-- depends_on: mart_wealth
-- unique: product_id, population_share
-- not_null: product_id, population_share, wealth_share
-- Lorenz curve points: the share of total wealth held by the poorest population_share of players.
-- refresh: rebuild
-- column product_id: The game.
-- column population_share: The poorest share of players (0.1 .. 1.0).
-- column wealth_share: The share of all wealth they hold.
CREATE OR REPLACE TABLE mart_lorenz_curve AS
WITH ranked AS (
  SELECT product_id, wealth,
         row_number() OVER (PARTITION BY product_id ORDER BY wealth, player_id) / count(*) OVER (PARTITION BY product_id) AS population_share,
         sum(wealth) OVER (PARTITION BY product_id ORDER BY wealth, player_id) / sum(wealth) OVER (PARTITION BY product_id) AS wealth_share
  FROM mart_wealth WHERE wealth >= 0
), deciles AS (SELECT unnest(range(1, 11)) / 10 AS d)
SELECT r.product_id, d.d AS population_share, max(r.wealth_share) AS wealth_share
FROM deciles d JOIN ranked r ON r.population_share <= d.d + 1e-9
GROUP BY ALL
HAVING max(r.wealth_share) IS NOT NULL;
