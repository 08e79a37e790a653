-- Average wealth of players as they joined each org (their wealth before paying to join).
SELECT org, round(avg(player_wealth), 2) AS avg_wealth
FROM stg_placebo_events
WHERE event_type IN ('join_guild', 'join_team')
GROUP BY ALL
ORDER BY avg_wealth DESC, org;
