-- A product's leaderboard under its scoring (warehouse/scoring.json); ties share a rank.
-- param: product (text) = exrps
-- param: limit (number) = 10
-- param: offset (number) = 0
SELECT rank, player_id, score, games, wins, losses
FROM mart_leaderboard
WHERE product_id = $product
ORDER BY rank, player_id
LIMIT $limit OFFSET $offset;
