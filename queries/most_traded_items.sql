-- Which items are traded most often (rows of items offered in successful trades).
SELECT item_id, any_value(item_name) AS item_name, count(*) AS times_traded
FROM stg_trade_items
WHERE valid
GROUP BY item_id
ORDER BY times_traded DESC, item_id;
