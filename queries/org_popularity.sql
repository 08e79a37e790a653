-- Joins per guild or team, most popular first within each kind of join.
SELECT event_type, org, count(*) AS joins
FROM stg_placebo_events
WHERE event_type IN ('join_guild', 'join_team')
GROUP BY ALL
ORDER BY event_type, joins DESC, org;
