-- Time from a Placebo player's first login to their first guild or team join (players who did both).
WITH firsts AS (
  SELECT user_id,
         min(occurred_at) FILTER (WHERE event_type = 'login') AS first_login,
         min(occurred_at) FILTER (WHERE event_type IN ('join_guild', 'join_team')) AS first_join
  FROM stg_placebo_events GROUP BY user_id
), d AS (
  SELECT epoch(first_join) - epoch(first_login) AS seconds FROM firsts
  WHERE first_login IS NOT NULL AND first_join >= first_login
)
SELECT count(*) AS players, round(avg(seconds), 1) AS mean_seconds, round(median(seconds), 1) AS median_seconds FROM d;
