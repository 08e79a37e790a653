-- A product's Lorenz curve: the share of all wealth held by the poorest share of players, by decile.
-- param: product (text) = trade-engine
-- round: wealth_share=6
SELECT population_share, wealth_share
FROM mart_lorenz_curve
WHERE product_id = $product
ORDER BY population_share;
