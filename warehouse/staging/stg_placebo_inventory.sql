-- grain: one row per element of a Placebo player's inventory, as of a purchase or join
CREATE OR REPLACE VIEW stg_placebo_inventory AS
SELECT event_id, event_type, product_id, occurred_at, user_id, position, item
FROM lake_placebo_inventory;
