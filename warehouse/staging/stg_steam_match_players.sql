-- grain: one row per match_id and player_slot (the newest fetch of it)
-- unique: match_id, player_slot
-- Source: lake/steam/match_players/*.parquet (append-only; an entity fetched again gets a newer row).
CREATE VIEW stg_steam_match_players AS
SELECT * FROM lake_steam_match_players
QUALIFY row_number() OVER (PARTITION BY match_id, player_slot ORDER BY fetched_at DESC) = 1;
