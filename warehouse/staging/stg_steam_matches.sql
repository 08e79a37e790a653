-- grain: one row per match_id (the newest fetch of it)
-- unique: match_id
-- not_null: match_id, match_seq_num, start_time
-- The newest fetch of each match (lake/steam/matches, newest row per key). started_at is start_time as a timestamp.
CREATE OR REPLACE VIEW stg_steam_matches AS
SELECT *, to_timestamp(start_time) AS started_at FROM steam_matches;
