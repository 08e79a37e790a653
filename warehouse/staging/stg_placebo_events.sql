-- grain: one row per Placebo API event
CREATE OR REPLACE VIEW stg_placebo_events AS
SELECT event_id, event_type, product_id, occurred_at, user_id, username, wealth, item_type, cost, status,
       org, level, player_created_at, player_wealth
FROM lake_placebo_events;
