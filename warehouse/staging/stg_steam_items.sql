-- grain: one row per item_id (the newest fetch of it)
-- unique: item_id
-- Source: lake/steam/items/*.parquet (append-only; an entity fetched again gets a newer row).
CREATE VIEW stg_steam_items AS
SELECT * FROM lake_steam_items
QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY fetched_at DESC) = 1;
