-- grain: one row per account_id (the newest GetPlayerSummaries answer)
-- unique: account_id
-- not_null: account_id, steamid64
-- The newest GetPlayerSummaries answer of each account. communityvisibilitystate 3 is a public profile.
CREATE OR REPLACE VIEW stg_steam_players AS
SELECT *, communityvisibilitystate = 3 AS public_profile FROM steam_players;
