-- grain: one row per hero_id (the newest fetch of it)
-- unique: hero_id
-- The newest fetch of each key of lake/steam/heroes (the lake is append-only).
CREATE OR REPLACE VIEW stg_steam_heroes AS
SELECT * FROM steam_heroes;
