-- grain: one row per product and logarithmic wealth bin (powers of 10; bin 0 holds wealth below 1)
-- depends_on: mart_wealth
-- unique: product_id, bin_lower
-- not_null: product_id, bin_lower, bin_upper, players, density
-- density = players / bin width, as histograms on logarithmic bins are read. Negative wealth is left out
-- (see mart_wealth_distribution.negative_wealth_players).
-- refresh: rebuild
-- column product_id: The game.
-- column bin_lower: Lower bound of the power-of-ten bin (0 for wealth below 1).
-- column bin_upper: Upper bound.
-- column players: Players in the bin.
-- column density: players / bin width.
CREATE OR REPLACE TABLE mart_wealth_histogram AS
WITH binned AS (
  SELECT product_id,
         CASE WHEN wealth < 1 THEN 0 ELSE 10 ^ floor(log10(wealth)) END AS bin_lower,
         CASE WHEN wealth < 1 THEN 1 ELSE 10 ^ (floor(log10(wealth)) + 1) END AS bin_upper
  FROM mart_wealth WHERE wealth >= 0
), counted AS (
  SELECT product_id, bin_lower, bin_upper, count(*) AS players FROM binned GROUP BY ALL
)
SELECT product_id, bin_lower, bin_upper, players, players / (bin_upper - bin_lower) AS density FROM counted;
