-- One player's games, wins, losses, win rate and (exrps) weapon selections.
-- param: product (text) = exrps
-- param: player (text)
SELECT product_id, player_id, games, wins, losses, win_rate, rock, paper, scissors, botch
FROM mart_player_stats
WHERE product_id = $product AND player_id = $player;
