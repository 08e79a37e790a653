-- grain: one row per account_id that played a fully mirrored match (anonymous players are not counted)
-- unique: account_id
-- not_null: account_id, matches, wins, kills, deaths, assists
-- depends_on: mart_dota_match_players
-- refresh: rebuild
-- source: steam
-- column account_id: 32-bit account id.
-- column personaname: Steam name.
-- column matches: Fully mirrored matches played.
-- column wins: Won.
-- column win_rate: wins / matches.
-- column kda: (kills + assists) / max(deaths, 1).
-- column last_match_at: Latest match start.
-- column history_private: The player hides their match history.
CREATE OR REPLACE TABLE mart_dota_player_stats AS
SELECT mp.account_id, any_value(p.personaname) AS personaname, count(*) AS matches, count(*) FILTER (WHERE mp.win) AS wins,
       count(*) FILTER (WHERE mp.win) / count(*) AS win_rate,
       sum(mp.kills) AS kills, sum(mp.deaths) AS deaths, sum(mp.assists) AS assists,
       (sum(mp.kills) + sum(mp.assists)) / greatest(sum(mp.deaths), 1) AS kda,
       max(mp.started_at) AS last_match_at,
       bool_or(f.fact IS NOT NULL) AS history_private
FROM mart_dota_match_players mp
LEFT JOIN stg_steam_players p ON p.account_id = mp.account_id
LEFT JOIN stg_steam_entity_facts f ON f.entity = 'player' AND f.entity_id = mp.account_id AND f.fact = 'history_private'
WHERE mp.account_id IS NOT NULL
GROUP BY mp.account_id;
