-- grain: one row per league_id (the newest fetch of it)
-- unique: league_id
-- Source: lake/steam/leagues/*.parquet (append-only; an entity fetched again gets a newer row).
CREATE VIEW stg_steam_leagues AS
SELECT * FROM lake_steam_leagues
QUALIFY row_number() OVER (PARTITION BY league_id ORDER BY fetched_at DESC) = 1;
