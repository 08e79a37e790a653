-- grain: one row per Placebo-style product and user
-- unique: product_id, user_id
-- not_null: product_id, user_id, purchases, joins
-- A player's firsts (login, purchase attempt, guild/team join) and how long after the first login
-- the first purchase and the first join came (NULL when the player never did it, or not after a login).
CREATE TABLE mart_engagement AS
WITH firsts AS (
  SELECT product_id, user_id,
         min(occurred_at) FILTER (WHERE event_type = 'login') AS first_login,
         min(occurred_at) FILTER (WHERE event_type IN ('buy_sword', 'buy_spell')) AS first_purchase,
         min(occurred_at) FILTER (WHERE event_type IN ('join_guild', 'join_team')) AS first_join,
         count(*) FILTER (WHERE event_type IN ('buy_sword', 'buy_spell')) AS purchases,
         count(*) FILTER (WHERE event_type IN ('join_guild', 'join_team')) AS joins
  FROM stg_placebo_events
  GROUP BY ALL
)
SELECT *,
       CASE WHEN first_purchase >= first_login THEN epoch(first_purchase) - epoch(first_login) END AS seconds_to_first_purchase,
       CASE WHEN first_join >= first_login THEN epoch(first_join) - epoch(first_login) END AS seconds_to_first_join
FROM firsts;
