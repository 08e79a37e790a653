-- Products with a leaderboard: players ranked and games scored.
SELECT product_id, count(*) AS players, CAST(sum(games) / 2 AS BIGINT) AS games
FROM mart_leaderboard
GROUP BY product_id
ORDER BY product_id;
