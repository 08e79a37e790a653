-- grain: one row per trade-engine player snapshot (player_created or player_state)
CREATE VIEW stg_player_states AS
SELECT event_id, event_type, product_id, occurred_at AS state_time, state_id, player_id, username, player_class,
       gold, max_capacity, current_capacity, distinct_items, item_value
FROM lake_player_states;
