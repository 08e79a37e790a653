-- grain: one row per team_id (the newest fetch of it)
-- unique: team_id
-- Source: lake/steam/teams/*.parquet (append-only; an entity fetched again gets a newer row).
CREATE VIEW stg_steam_teams AS
SELECT * FROM lake_steam_teams
QUALIFY row_number() OVER (PARTITION BY team_id ORDER BY fetched_at DESC) = 1;
