-- Dota 2 heroes by win rate over fully mirrored matches (heroes with at least min_matches matches).
-- param: min_matches (number) = 1
-- round: win_rate=4
SELECT hero_id, hero_name, matches, wins, win_rate
FROM mart_dota_hero_stats
WHERE matches >= $min_matches
ORDER BY win_rate DESC, matches DESC, hero_id;
