-- grain: one row per match_id and player_slot (the newest fetch of it)
-- unique: match_id, player_slot
-- The newest fetch of each key of lake/steam/match_players (the lake is append-only).
CREATE OR REPLACE VIEW stg_steam_match_players AS
SELECT * FROM steam_match_players;
