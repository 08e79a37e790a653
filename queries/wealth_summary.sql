-- Wealth inequality of a product: players, Gini, percentiles, top 1% / 10% shares, negative-wealth players.
-- param: product (text) = trade-engine
-- round: gini=4, p10=2, p25=2, p50=2, p75=2, p90=2, p99=2, top1_share=4, top10_share=4
SELECT players, gini, p10, p25, p50,
       p75, p90, p99,
       top1_share, top10_share, negative_wealth_players
FROM mart_wealth_distribution
WHERE product_id = $product;
