-- Time from a Placebo player's first login to their first guild or team join (players who did both).
SELECT count(seconds_to_first_join) AS players,
       round(avg(seconds_to_first_join), 1) AS mean_seconds,
       round(median(seconds_to_first_join), 1) AS median_seconds
FROM mart_engagement;
