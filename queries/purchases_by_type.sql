-- Placebo purchases per item type and status.
SELECT status, item_type, purchases
FROM mart_placebo_purchases
ORDER BY status, purchases DESC, item_type;
