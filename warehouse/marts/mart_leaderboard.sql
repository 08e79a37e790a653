-- grain: one row per product and player with at least one finished game
-- unique: product_id, player_id
-- not_null: product_id, player_id, score, rank, games, wins, losses
-- Scores come from leaderboard_scores, computed by the product's scorer (warehouse/scoring.json).
-- Ties share a rank (1, 2, 2, 4).
-- refresh: rebuild
-- column product_id: The game.
-- column player_id: The player (text).
-- column score: The score under the product's scorer: wins, or an ELO rating.
-- column games: Finished games played.
-- column wins: Games won.
-- column losses: Games lost.
-- column rank: Rank by score within the product; ties share a rank (1, 2, 2, 4).
CREATE OR REPLACE TABLE mart_leaderboard AS
SELECT product_id, player_id, score, games, wins, losses,
       rank() OVER (PARTITION BY product_id ORDER BY score DESC) AS rank
FROM leaderboard_scores;
