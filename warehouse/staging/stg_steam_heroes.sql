-- grain: one row per hero_id (the newest fetch of it)
-- unique: hero_id
-- Source: lake/steam/heroes/*.parquet (append-only; an entity fetched again gets a newer row).
CREATE VIEW stg_steam_heroes AS
SELECT * FROM lake_steam_heroes
QUALIFY row_number() OVER (PARTITION BY hero_id ORDER BY fetched_at DESC) = 1;
