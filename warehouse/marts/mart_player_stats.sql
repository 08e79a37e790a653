-- grain: one row per product and player who finished a game or chose a weapon
-- unique: product_id, player_id
-- not_null: product_id, player_id, games, wins, losses, rock, paper, scissors, botch
-- check: games = wins + losses
-- refresh: merge
-- Counts add up across batches: the new batches' counts are added to each player's row.
-- column product_id: The game.
-- column player_id: The player.
-- column games: Finished games (game_over) the player was in.
-- column wins: Games won.
-- column losses: Games lost.
-- column win_rate: wins / games, 4 decimals; NULL without games.
-- column rock: select_weapon events choosing rock ("0").
-- column paper: ... paper ("1").
-- column scissors: ... scissors ("2").
-- column botch: ... no weapon in time ("null").
CREATE TABLE IF NOT EXISTS mart_player_stats (
  product_id VARCHAR, player_id VARCHAR, games BIGINT, wins BIGINT, losses BIGINT, win_rate DOUBLE,
  rock BIGINT, paper BIGINT, scissors BIGINT, botch BIGINT
);
CREATE OR REPLACE TABLE mart_player_stats AS
WITH results AS (
  SELECT product_id, winner_id AS player_id, 1 AS win, 0 AS loss FROM delta_stg_game_results
  UNION ALL
  SELECT product_id, loser_id, 0, 1 FROM delta_stg_game_results
), games AS (
  SELECT product_id, player_id, count(*) AS games, sum(win) AS wins, sum(loss) AS losses
  FROM results GROUP BY ALL
), weapons AS (
  SELECT product_id, user_id AS player_id,
         count(*) FILTER (WHERE weapon = 'rock') AS rock,
         count(*) FILTER (WHERE weapon = 'paper') AS paper,
         count(*) FILTER (WHERE weapon = 'scissors') AS scissors,
         count(*) FILTER (WHERE weapon = 'botch') AS botch
  FROM delta_stg_exrps_events WHERE event_type = 'select_weapon' GROUP BY ALL
), added AS (
  SELECT product_id, player_id, coalesce(g.games, 0) AS games, coalesce(g.wins, 0) AS wins, coalesce(g.losses, 0) AS losses,
         coalesce(w.rock, 0) AS rock, coalesce(w.paper, 0) AS paper, coalesce(w.scissors, 0) AS scissors, coalesce(w.botch, 0) AS botch
  FROM games g FULL OUTER JOIN weapons w USING (product_id, player_id)
), summed AS (
  SELECT product_id, player_id,
         CAST(sum(games) AS BIGINT) AS games, CAST(sum(wins) AS BIGINT) AS wins, CAST(sum(losses) AS BIGINT) AS losses,
         CAST(sum(rock) AS BIGINT) AS rock, CAST(sum(paper) AS BIGINT) AS paper, CAST(sum(scissors) AS BIGINT) AS scissors, CAST(sum(botch) AS BIGINT) AS botch
  FROM (SELECT product_id, player_id, games, wins, losses, rock, paper, scissors, botch FROM mart_player_stats UNION ALL SELECT * FROM added)
  GROUP BY ALL
)
SELECT product_id, player_id, games, wins, losses,
       CASE WHEN games = 0 THEN NULL ELSE round(wins / games, 4) END AS win_rate,
       rock, paper, scissors, botch
FROM summed;
