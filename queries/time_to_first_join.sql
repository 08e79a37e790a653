-- Time from a Placebo player's first login to their first guild or team join (players who did both).
-- round: mean_seconds=1, median_seconds=1
SELECT count(seconds_to_first_join) AS players,
       avg(seconds_to_first_join) AS mean_seconds,
       median(seconds_to_first_join) AS median_seconds
FROM mart_engagement;
