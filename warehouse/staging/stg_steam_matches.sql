-- grain: one row per match_id (the newest fetch of it)
-- unique: match_id
-- not_null: match_id, match_seq_num, start_time
-- Source: lake/steam/matches/*.parquet. started_at is start_time as a timestamp.
CREATE VIEW stg_steam_matches AS
SELECT *, to_timestamp(start_time) AS started_at FROM lake_steam_matches
QUALIFY row_number() OVER (PARTITION BY match_id ORDER BY fetched_at DESC) = 1;
