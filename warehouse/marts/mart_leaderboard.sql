-- grain: one row per product and player with at least one finished game
-- unique: product_id, player_id
-- not_null: product_id, player_id, score, rank, games, wins, losses
-- Scores come from leaderboard_scores, computed by the product's scorer (warehouse/scoring.json).
-- Ties share a rank (1, 2, 2, 4).
-- refresh: rebuild
CREATE OR REPLACE TABLE mart_leaderboard AS
SELECT product_id, player_id, score, games, wins, losses,
       rank() OVER (PARTITION BY product_id ORDER BY score DESC) AS rank
FROM leaderboard_scores;
