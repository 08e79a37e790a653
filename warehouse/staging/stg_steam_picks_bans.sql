-- grain: one row per match_id and pick_order (the newest fetch of it)
-- unique: match_id, pick_order
-- The newest fetch of each key of lake/steam/picks_bans (the lake is append-only).
CREATE OR REPLACE VIEW stg_steam_picks_bans AS
SELECT * FROM steam_picks_bans;
