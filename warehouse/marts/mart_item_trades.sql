-- grain: one row per item id offered in a successful trade
-- unique: item_id
-- not_null: item_id, times_traded
-- refresh: merge
-- How often each item was offered in trades that happened (one row of stg_trade_items = one offer of an
-- item kind by one side): the seed's "which item is traded most often".
-- column item_id: Catalogue item id.
-- column item_name: Its name.
-- column times_traded: Offers of it in successful trades.
CREATE TABLE IF NOT EXISTS mart_item_trades (item_id INTEGER, item_name VARCHAR, times_traded BIGINT);
CREATE OR REPLACE TABLE mart_item_trades AS
SELECT item_id, min(item_name) AS item_name, CAST(sum(times_traded) AS BIGINT) AS times_traded
FROM (
  SELECT item_id, item_name, times_traded FROM mart_item_trades
  UNION ALL
  SELECT item_id, min(item_name), count(*) FROM delta_stg_trade_items WHERE valid GROUP BY item_id
)
GROUP BY item_id;
