-- Players per logarithmic wealth bin (latest wealth; negative wealth reported by wealth_summary).
-- param: product (text) = trade-engine
SELECT bin_lower, bin_upper, players
FROM mart_wealth_histogram
WHERE product_id = $product
ORDER BY bin_lower;
