-- How far each scan of the sequence feed is behind the feed's head: in matches (sequence numbers) and in seconds (since the newest match it read started).
SELECT scan, "position", max(head) OVER () AS head, greatest(0, max(head) OVER () + 1 - "position") AS matches_behind,
       CASE WHEN newest_start_time IS NOT NULL THEN greatest(0, CAST(epoch(now()) AS BIGINT) - newest_start_time) END AS seconds_behind
FROM lake_steam_scans
ORDER BY scan;
