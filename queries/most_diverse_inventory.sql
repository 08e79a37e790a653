-- Which player held the most distinct items at one time (one row per snapshot, most diverse first).
SELECT player_id, username, state_id, state_time, distinct_items
FROM stg_player_states
ORDER BY distinct_items DESC, state_time, state_id
LIMIT 10;
