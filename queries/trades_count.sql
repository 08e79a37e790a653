-- How many trades happened (distinct trade ids, successful or not), as the trade-engine seed counts them.
SELECT count(DISTINCT trade_id) AS trades FROM stg_trades;
