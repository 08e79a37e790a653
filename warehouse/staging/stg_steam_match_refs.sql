-- grain: one row per account_id and match_id (the newest fetch of it)
-- unique: account_id, match_id
-- Source: lake/steam/match_refs/*.parquet (append-only; an entity fetched again gets a newer row).
CREATE VIEW stg_steam_match_refs AS
SELECT * FROM lake_steam_match_refs
QUALIFY row_number() OVER (PARTITION BY account_id, match_id ORDER BY fetched_at DESC) = 1;
