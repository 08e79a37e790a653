-- Joins per guild or team, most popular first within each kind of join.
SELECT event_type, org, joins
FROM mart_org_joins
ORDER BY event_type, joins DESC, org;
