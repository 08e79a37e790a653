-- grain: one row per product and band of time played (first to last event)
-- depends_on: mart_wealth
-- unique: product_id, time_played
-- not_null: product_id, time_played, players
-- refresh: rebuild
-- column product_id: The game.
-- column time_played: Band of time from first to last event.
-- column players: Players in the band.
-- column avg_wealth: Their average wealth.
-- column median_wealth: Their median wealth.
CREATE OR REPLACE TABLE mart_wealth_by_time_played AS
SELECT product_id,
       CASE WHEN seconds_played < 3600 THEN '1: under 1 hour'
            WHEN seconds_played < 86400 THEN '2: 1 hour to 1 day'
            WHEN seconds_played < 7 * 86400 THEN '3: 1 day to 1 week'
            ELSE '4: over 1 week' END AS time_played,
       count(*) AS players, round(avg(wealth), 2) AS avg_wealth, round(median(wealth), 2) AS median_wealth
FROM mart_wealth GROUP BY ALL;
