-- grain: one row per account_id (the newest GetPlayerSummaries answer)
-- unique: account_id
-- not_null: account_id, steamid64
-- Source: lake/steam/players/*.parquet. communityvisibilitystate 3 is a public profile.
CREATE VIEW stg_steam_players AS
SELECT *, communityvisibilitystate = 3 AS public_profile FROM lake_steam_players
QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY fetched_at DESC) = 1;
