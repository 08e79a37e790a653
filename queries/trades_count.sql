-- How many trades happened (distinct trade ids, successful or not), as the trade-engine seed counts them.
SELECT count(*) AS trades FROM mart_trade_anomalies;
