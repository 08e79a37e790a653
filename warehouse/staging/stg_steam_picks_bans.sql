-- grain: one row per match_id and pick_order (the newest fetch of it)
-- unique: match_id, pick_order
-- Source: lake/steam/picks_bans/*.parquet (append-only; an entity fetched again gets a newer row).
CREATE VIEW stg_steam_picks_bans AS
SELECT * FROM lake_steam_picks_bans
QUALIFY row_number() OVER (PARTITION BY match_id, pick_order ORDER BY fetched_at DESC) = 1;
