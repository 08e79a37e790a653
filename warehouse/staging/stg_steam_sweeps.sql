-- grain: one row per sweep_id and entity (the newest fetch of it)
-- unique: sweep_id, entity
-- The newest fetch of each key of lake/steam/sweeps (the lake is append-only).
CREATE OR REPLACE VIEW stg_steam_sweeps AS
SELECT * FROM steam_sweeps;
