-- Average asking price per Placebo item type (all purchase attempts).
SELECT item_type, round(sum(cost_sum) / sum(priced), 2) AS avg_cost
FROM mart_placebo_purchases
GROUP BY ALL
HAVING sum(priced) > 0
ORDER BY avg_cost DESC, item_type;
