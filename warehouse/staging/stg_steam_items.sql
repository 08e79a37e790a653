-- grain: one row per item_id (the newest fetch of it)
-- unique: item_id
-- The newest fetch of each key of lake/steam/items (the lake is append-only).
CREATE OR REPLACE VIEW stg_steam_items AS
SELECT * FROM steam_items;
