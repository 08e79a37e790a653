-- A product's leaderboard under its scoring (warehouse/scoring.json); ties share a rank.
-- param: product = exrps
-- param: limit = 10
-- param: offset = 0
SELECT rank, player_id, score, games, wins, losses
FROM mart_leaderboard
WHERE product_id = $product
ORDER BY rank, player_id
LIMIT $limit OFFSET $offset;
