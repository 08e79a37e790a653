-- grain: one row per match mirrored in full (every player row in); half-filled matches are left out
-- unique: match_id
-- not_null: match_id, match_seq_num, started_at, radiant_win, player_count
-- refresh: rebuild
-- source: steam
-- column match_id: Valve match id.
-- column match_seq_num: Its place in the sequence feed.
-- column started_at: Start time.
-- column duration: Seconds.
-- column radiant_win: Whether Radiant won.
-- column player_count: Player slots.
-- column league_name: League, when a league match.
-- column schema: old or new response shape.
CREATE OR REPLACE TABLE mart_dota_matches AS
SELECT m.match_id, m.match_seq_num, m.started_at, m.duration, m.radiant_win, m.lobby_type, m.game_mode, m.human_players, m.player_count,
       m.radiant_score, m.dire_score, m.schema,
       nullif(m.leagueid, 0) AS league_id, l.name AS league_name,
       m.radiant_team_id, coalesce(rt.name, m.radiant_name) AS radiant_team_name,
       m.dire_team_id, coalesce(dt.name, m.dire_name) AS dire_team_name
FROM stg_steam_matches m
JOIN stg_steam_entities e ON e.entity = 'match' AND e.entity_id = m.match_id AND e.state = 'complete'
LEFT JOIN stg_steam_leagues l ON l.league_id = m.leagueid
LEFT JOIN stg_steam_teams rt ON rt.team_id = m.radiant_team_id
LEFT JOIN stg_steam_teams dt ON dt.team_id = m.dire_team_id;
