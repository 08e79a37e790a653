-- Average wealth of players as they joined each org (their wealth before paying to join).
-- round: avg_wealth=2
SELECT org, sum(wealth_sum) / sum(wealth_known) AS avg_wealth
FROM mart_org_joins
GROUP BY ALL
HAVING sum(wealth_known) > 0
ORDER BY avg_wealth DESC, org;
