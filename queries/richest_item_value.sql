-- Which player held the most item value at one time, and their gold then.
SELECT player_id, username, state_time, gold, item_value
FROM stg_player_states
ORDER BY item_value DESC, state_time, state_id
LIMIT 10;
