-- grain: one row per league_id (the newest fetch of it)
-- unique: league_id
-- The newest fetch of each key of lake/steam/leagues (the lake is append-only).
CREATE OR REPLACE VIEW stg_steam_leagues AS
SELECT * FROM steam_leagues;
