-- grain: one row per sweep_id and entity (the newest fetch of it)
-- unique: sweep_id, entity
-- Source: lake/steam/sweeps/*.parquet (append-only; an entity fetched again gets a newer row).
CREATE VIEW stg_steam_sweeps AS
SELECT * FROM lake_steam_sweeps
QUALIFY row_number() OVER (PARTITION BY sweep_id, entity ORDER BY fetched_at DESC) = 1;
