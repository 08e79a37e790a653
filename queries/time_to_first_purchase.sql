-- Time from a Placebo player's first login to their first purchase attempt (players who did both).
SELECT count(seconds_to_first_purchase) AS players,
       round(avg(seconds_to_first_purchase), 1) AS mean_seconds,
       round(median(seconds_to_first_purchase), 1) AS median_seconds
FROM mart_engagement;
