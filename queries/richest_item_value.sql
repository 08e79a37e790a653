-- Which player held the most item value at one time, and their gold then.
SELECT player_id, username, state_time, gold, item_value
FROM mart_player_state_records
WHERE kind = 'item_value'
ORDER BY rank
LIMIT 10;
