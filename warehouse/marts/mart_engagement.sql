-- grain: one row per Placebo-style product and user
-- unique: product_id, user_id
-- not_null: product_id, user_id, purchases, joins
-- refresh: merge
-- A player's firsts (login, purchase attempt, guild/team join) and how long after the first login
-- the first purchase and the first join came (NULL when the player never did it, or not after a login).
-- Firsts are minimums and counts are sums, so the new batches merge into each user's row.
-- column product_id: The game.
-- column user_id: The Placebo user.
-- column first_login: Their first login.
-- column first_purchase: Their first purchase attempt (buy_sword, buy_spell).
-- column first_join: Their first guild or team join.
-- column purchases: Purchase attempts.
-- column joins: Guild and team joins.
-- column seconds_to_first_purchase: Seconds from first login to first purchase (NULL when not after a login).
-- column seconds_to_first_join: Seconds from first login to first join.
CREATE TABLE IF NOT EXISTS mart_engagement (
  product_id VARCHAR, user_id VARCHAR, first_login TIMESTAMPTZ, first_purchase TIMESTAMPTZ, first_join TIMESTAMPTZ,
  purchases BIGINT, joins BIGINT, seconds_to_first_purchase DOUBLE, seconds_to_first_join DOUBLE
);
CREATE OR REPLACE TABLE mart_engagement AS
WITH added AS (
  SELECT product_id, user_id,
         min(occurred_at) FILTER (WHERE event_type = 'login') AS first_login,
         min(occurred_at) FILTER (WHERE event_type IN ('buy_sword', 'buy_spell')) AS first_purchase,
         min(occurred_at) FILTER (WHERE event_type IN ('join_guild', 'join_team')) AS first_join,
         count(*) FILTER (WHERE event_type IN ('buy_sword', 'buy_spell')) AS purchases,
         count(*) FILTER (WHERE event_type IN ('join_guild', 'join_team')) AS joins
  FROM delta_stg_placebo_events
  GROUP BY ALL
), firsts AS (
  SELECT product_id, user_id, min(first_login) AS first_login, min(first_purchase) AS first_purchase, min(first_join) AS first_join,
         CAST(sum(purchases) AS BIGINT) AS purchases, CAST(sum(joins) AS BIGINT) AS joins
  FROM (SELECT product_id, user_id, first_login, first_purchase, first_join, purchases, joins FROM mart_engagement UNION ALL SELECT * FROM added)
  GROUP BY ALL
)
SELECT *,
       CASE WHEN first_purchase >= first_login THEN epoch(first_purchase) - epoch(first_login) END AS seconds_to_first_purchase,
       CASE WHEN first_join >= first_login THEN epoch(first_join) - epoch(first_login) END AS seconds_to_first_join
FROM firsts;
