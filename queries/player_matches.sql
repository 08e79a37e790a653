-- One player's mirrored Dota 2 matches, newest first.
-- param: account_id (number)
SELECT match_id, started_at AS start_time, hero_id, hero_name, radiant, win, kills, deaths, assists
FROM mart_dota_match_players
WHERE account_id = $account_id
ORDER BY started_at DESC, match_id DESC;
