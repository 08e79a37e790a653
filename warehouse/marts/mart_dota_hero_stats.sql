-- grain: one row per hero known to the mirror
-- unique: hero_id
-- not_null: hero_id, matches, wins, picks, bans
-- depends_on: mart_dota_match_players, mart_dota_matches
-- Win rate over fully mirrored matches only; hero_name is NULL while the hero is a stub.
-- refresh: rebuild
-- source: steam
-- column hero_id: Valve hero id.
-- column hero_name: Localized name (NULL while a stub).
-- column matches: Fully mirrored matches the hero was played in.
-- column wins: Of those, won.
-- column win_rate: wins / matches.
-- column picks: Times picked in drafts.
-- column bans: Times banned.
CREATE OR REPLACE TABLE mart_dota_hero_stats AS
WITH played AS (
  SELECT hero_id, count(*) AS matches, count(*) FILTER (WHERE win) AS wins FROM mart_dota_match_players GROUP BY hero_id
),
drafted AS (
  SELECT hero_id, count(*) FILTER (WHERE is_pick) AS picks, count(*) FILTER (WHERE NOT is_pick) AS bans
  FROM stg_steam_picks_bans WHERE match_id IN (SELECT match_id FROM mart_dota_matches) GROUP BY hero_id
),
heroes AS (
  SELECT entity_id AS hero_id FROM stg_steam_entities WHERE entity = 'hero'
)
SELECT heroes.hero_id, h.localized_name AS hero_name, coalesce(played.matches, 0) AS matches, coalesce(played.wins, 0) AS wins,
       CASE WHEN played.matches > 0 THEN played.wins / played.matches END AS win_rate,
       coalesce(drafted.picks, 0) AS picks, coalesce(drafted.bans, 0) AS bans
FROM heroes
LEFT JOIN stg_steam_heroes h USING (hero_id)
LEFT JOIN played USING (hero_id)
LEFT JOIN drafted USING (hero_id);
