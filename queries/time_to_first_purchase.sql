-- Time from a Placebo player's first login to their first purchase attempt (players who did both).
WITH firsts AS (
  SELECT user_id,
         min(occurred_at) FILTER (WHERE event_type = 'login') AS first_login,
         min(occurred_at) FILTER (WHERE event_type IN ('buy_sword', 'buy_spell')) AS first_purchase
  FROM stg_placebo_events GROUP BY user_id
), d AS (
  SELECT epoch(first_purchase) - epoch(first_login) AS seconds FROM firsts
  WHERE first_login IS NOT NULL AND first_purchase >= first_login
)
SELECT count(*) AS players, round(avg(seconds), 1) AS mean_seconds, round(median(seconds), 1) AS median_seconds FROM d;
