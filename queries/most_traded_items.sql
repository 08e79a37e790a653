-- Which items are traded most often (rows of items offered in successful trades).
SELECT item_id, item_name, times_traded
FROM mart_item_trades
ORDER BY times_traded DESC, item_id;
