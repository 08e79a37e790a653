-- Which player held the most distinct items at one time (one row per snapshot, most diverse first).
SELECT player_id, username, state_id, state_time, distinct_items
FROM mart_player_state_records
WHERE kind = 'distinct_items'
ORDER BY rank
LIMIT 10;
