-- grain: one row per side of a trade (a gold-only or empty side is still a row)
-- unique: event_id, side
-- not_null: event_id, trade_id, side, player_id, counterparty_id, value_given, value_received
-- value_given is what the side offered: items value x quantity + gold; value_received what the other side offered.
CREATE OR REPLACE VIEW stg_trade_sides AS
WITH items AS (
  SELECT batch_id, line, side, count(*) AS item_count, sum(item_value * quantity) AS items_value
  FROM lake_trade_items GROUP BY ALL
), sides AS (
  SELECT s.batch_id, s.line, s.event_id, s.product_id, s.occurred_at, s.trade_id, s.side, s.player_id, s.gold, s.valid, s.fail_reason,
         coalesce(i.item_count, 0) AS item_count, coalesce(i.items_value, 0) AS items_value, coalesce(i.items_value, 0) + s.gold AS value_given
  FROM lake_trade_sides s LEFT JOIN items i USING (batch_id, line, side)
)
SELECT a.event_id, a.product_id, a.occurred_at, a.trade_id, a.side, a.player_id, b.player_id AS counterparty_id, a.gold, a.item_count,
       a.items_value, a.value_given, b.value_given AS value_received, a.valid, a.fail_reason
FROM sides a JOIN sides b ON a.batch_id = b.batch_id AND a.line = b.line AND a.side <> b.side;
