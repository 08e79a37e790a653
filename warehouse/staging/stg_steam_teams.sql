-- grain: one row per team_id (the newest fetch of it)
-- unique: team_id
-- The newest fetch of each key of lake/steam/teams (the lake is append-only).
CREATE OR REPLACE VIEW stg_steam_teams AS
SELECT * FROM steam_teams;
