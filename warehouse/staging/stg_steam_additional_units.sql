-- grain: one row per match_id and player_slot and unit_index (the newest fetch of it)
-- unique: match_id, player_slot, unit_index
-- The newest fetch of each key of lake/steam/additional_units (the lake is append-only).
CREATE OR REPLACE VIEW stg_steam_additional_units AS
SELECT * FROM steam_additional_units;
