-- Wealth inequality of a product: players, Gini, percentiles, top 1% / 10% shares, negative-wealth players.
-- param: product (text) = trade-engine
SELECT players, round(gini, 4) AS gini, round(p10, 2) AS p10, round(p25, 2) AS p25, round(p50, 2) AS p50,
       round(p75, 2) AS p75, round(p90, 2) AS p90, round(p99, 2) AS p99,
       round(top1_share, 4) AS top1_share, round(top10_share, 4) AS top10_share, negative_wealth_players
FROM mart_wealth_distribution
WHERE product_id = $product;
