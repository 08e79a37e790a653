-- grain: one row per entity type of the Steam mirror (match, player, hero, item, league, team)
-- unique: entity
-- not_null: entity, total, complete, stubs, unavailable, pct_complete
-- check: complete + stubs + unavailable = total
-- How complete the mirror is. last_sweep_at: the last convergence sweep.
-- refresh: rebuild
-- source: steam
-- column entity: Entity type: match, player, hero, item, league, team.
-- column total: Ids known.
-- column complete: Mirrored in full.
-- column stubs: Known only by id (or partly mirrored).
-- column unavailable: Valve has nothing for them.
-- column pct_complete: complete / total, %.
-- column last_sweep_at: The last convergence sweep.
CREATE OR REPLACE TABLE mart_steam_convergence AS
WITH entities AS (
  SELECT unnest(['match', 'player', 'hero', 'item', 'league', 'team']) AS entity
),
counts AS (
  SELECT entity, count(*) AS total, count(*) FILTER (WHERE state = 'complete') AS complete,
         count(*) FILTER (WHERE state = 'stub') AS stubs, count(*) FILTER (WHERE state = 'unavailable') AS unavailable
  FROM stg_steam_entities GROUP BY entity
),
sweeps AS (
  SELECT entity, make_timestamp(max(fetched_at) * 1000) AS last_sweep_at FROM stg_steam_sweeps GROUP BY entity
)
SELECT entity, coalesce(total, 0) AS total, coalesce(complete, 0) AS complete, coalesce(stubs, 0) AS stubs, coalesce(unavailable, 0) AS unavailable,
       CASE WHEN coalesce(total, 0) = 0 THEN 100.0 ELSE round(100.0 * complete / total, 2) END AS pct_complete,
       last_sweep_at
FROM entities LEFT JOIN counts USING (entity) LEFT JOIN sweeps USING (entity)
ORDER BY entity;
