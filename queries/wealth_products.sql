-- Products with a wealth distribution: players with a known wealth.
SELECT product_id, players, negative_wealth_players
FROM mart_wealth_distribution
ORDER BY product_id;
