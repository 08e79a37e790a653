-- grain: one row per item held in a trade-engine player snapshot
CREATE VIEW stg_player_inventory AS
SELECT event_id, product_id, occurred_at AS state_time, state_id, player_id, username, item_id, item_name,
       item_level, item_value, quantity
FROM lake_player_inventory;
