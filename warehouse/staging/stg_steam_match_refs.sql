-- grain: one row per account_id and match_id (the newest fetch of it)
-- unique: account_id, match_id
-- The newest fetch of each key of lake/steam/match_refs (the lake is append-only).
CREATE OR REPLACE VIEW stg_steam_match_refs AS
SELECT * FROM steam_match_refs;
