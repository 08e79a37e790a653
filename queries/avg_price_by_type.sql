-- Average asking price per Placebo item type (all purchase attempts).
SELECT item_type, round(avg(cost), 2) AS avg_cost
FROM stg_placebo_events
WHERE event_type IN ('buy_sword', 'buy_spell')
GROUP BY ALL
ORDER BY avg_cost DESC, item_type;
