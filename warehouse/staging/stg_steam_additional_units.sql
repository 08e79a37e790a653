-- grain: one row per match_id and player_slot and unit_index (the newest fetch of it)
-- unique: match_id, player_slot, unit_index
-- Source: lake/steam/additional_units/*.parquet (append-only; an entity fetched again gets a newer row).
CREATE VIEW stg_steam_additional_units AS
SELECT * FROM lake_steam_additional_units
QUALIFY row_number() OVER (PARTITION BY match_id, player_slot, unit_index ORDER BY fetched_at DESC) = 1;
