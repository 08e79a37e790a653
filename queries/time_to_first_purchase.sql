-- Time from a Placebo player's first login to their first purchase attempt (players who did both).
-- round: mean_seconds=1, median_seconds=1
SELECT count(seconds_to_first_purchase) AS players,
       avg(seconds_to_first_purchase) AS mean_seconds,
       median(seconds_to_first_purchase) AS median_seconds
FROM mart_engagement;
