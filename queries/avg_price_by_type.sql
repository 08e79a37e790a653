-- Average asking price per Placebo item type (all purchase attempts).
-- round: avg_cost=2
SELECT item_type, sum(cost_sum) / sum(priced) AS avg_cost
FROM mart_placebo_purchases
GROUP BY ALL
HAVING sum(priced) > 0
ORDER BY avg_cost DESC, item_type;
