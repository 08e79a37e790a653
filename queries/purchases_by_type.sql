-- Placebo purchases per item type and status.
SELECT status, item_type, count(*) AS purchases
FROM stg_placebo_events
WHERE event_type IN ('buy_sword', 'buy_spell')
GROUP BY ALL
ORDER BY status, purchases DESC, item_type;
