-- A product's players and their wealth by how long they have played (first to last event).
-- param: product (text) = trade-engine
SELECT time_played, players, avg_wealth, median_wealth
FROM mart_wealth_by_time_played
WHERE product_id = $product
ORDER BY time_played;
