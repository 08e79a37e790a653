-- grain: one row per kind of join (join_guild, join_team) and org
-- unique: event_type, org
-- not_null: event_type, org, joins, wealth_sum, wealth_known
-- refresh: merge
-- Joins per guild or team, and the sum and count of the joiners' wealth as they joined (before paying).
-- column event_type: join_guild or join_team.
-- column org: The guild or team.
-- column joins: Joins.
-- column wealth_sum: Sum of the joiners' wealth before paying.
-- column wealth_known: Joins with a known wealth.
CREATE TABLE IF NOT EXISTS mart_org_joins (event_type VARCHAR, org VARCHAR, joins BIGINT, wealth_sum DOUBLE, wealth_known BIGINT);
CREATE OR REPLACE TABLE mart_org_joins AS
SELECT event_type, org, CAST(sum(joins) AS BIGINT) AS joins, sum(wealth_sum) AS wealth_sum, CAST(sum(wealth_known) AS BIGINT) AS wealth_known
FROM (
  SELECT event_type, org, joins, wealth_sum, wealth_known FROM mart_org_joins
  UNION ALL
  SELECT event_type, org, count(*), coalesce(sum(player_wealth), 0), count(player_wealth) FROM delta_stg_placebo_events WHERE event_type IN ('join_guild', 'join_team') GROUP BY ALL
)
GROUP BY ALL;
