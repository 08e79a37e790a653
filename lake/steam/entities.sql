-- The mirror's state: one row per entity type and Valve id it knows of, mirrored or only referenced.
-- state: 'complete' (mirrored in full), 'stub' (known only by id, or a match whose players are not all in),
-- 'unavailable' (Valve answered that it has nothing: a match not found, a player not in GetPlayerSummaries).
-- A convergence sweep fills the stubs; seq is the match_seq_num of a match stub (how to fetch it).
CREATE OR REPLACE VIEW steam_entities AS
WITH players_in AS (
  SELECT match_id, count(*) AS n FROM steam_match_players GROUP BY match_id
),
mirrored_matches AS (
  SELECT m.match_id AS entity_id, m.match_seq_num AS seq, m.fetched_at, coalesce(p.n, 0) = m.player_count AS complete
  FROM steam_matches m LEFT JOIN players_in p USING (match_id)
),
match_ids AS (
  SELECT entity_id, seq, fetched_at, complete FROM mirrored_matches
  UNION ALL
  SELECT match_id, max(match_seq_num), NULL, false FROM steam_match_refs
  WHERE match_id NOT IN (SELECT entity_id FROM mirrored_matches) GROUP BY match_id
),
player_ids AS (
  SELECT account_id AS entity_id FROM steam_match_players WHERE account_id IS NOT NULL
  UNION SELECT account_id FROM steam_match_refs
  UNION SELECT account_id FROM steam_players
  UNION SELECT entity_id FROM steam_entity_facts WHERE entity = 'player'
),
hero_ids AS (
  SELECT hero_id AS entity_id FROM steam_match_players WHERE hero_id > 0
  UNION SELECT hero_id FROM steam_picks_bans WHERE hero_id > 0
  UNION SELECT hero_id FROM steam_match_refs WHERE hero_id > 0
  UNION SELECT hero_id FROM steam_heroes
),
item_ids AS (
  SELECT DISTINCT unnest([item_0, item_1, item_2, item_3, item_4, item_5, backpack_0, backpack_1, backpack_2, item_neutral, item_neutral2]) AS entity_id FROM steam_match_players
  UNION SELECT unnest([item_0, item_1, item_2, item_3, item_4, item_5]) FROM steam_additional_units
  UNION SELECT item_id FROM steam_items
),
league_ids AS (
  SELECT leagueid AS entity_id FROM steam_matches WHERE leagueid > 0
  UNION SELECT league_id FROM steam_leagues
),
team_ids AS (
  SELECT radiant_team_id AS entity_id FROM steam_matches WHERE radiant_team_id > 0
  UNION SELECT dire_team_id FROM steam_matches WHERE dire_team_id > 0
  UNION SELECT team_id FROM steam_teams
),
known AS (
  SELECT 'match' AS entity, entity_id, seq, fetched_at, complete FROM match_ids
  UNION ALL SELECT 'player', i.entity_id, NULL, p.fetched_at, p.account_id IS NOT NULL FROM player_ids i LEFT JOIN steam_players p ON p.account_id = i.entity_id
  UNION ALL SELECT 'hero', i.entity_id, NULL, h.fetched_at, h.hero_id IS NOT NULL FROM hero_ids i LEFT JOIN steam_heroes h ON h.hero_id = i.entity_id
  UNION ALL SELECT 'item', i.entity_id, NULL, t.fetched_at, t.item_id IS NOT NULL FROM item_ids i LEFT JOIN steam_items t ON t.item_id = i.entity_id WHERE i.entity_id > 0
  UNION ALL SELECT 'league', i.entity_id, NULL, l.fetched_at, l.league_id IS NOT NULL FROM league_ids i LEFT JOIN steam_leagues l ON l.league_id = i.entity_id
  UNION ALL SELECT 'team', i.entity_id, NULL, t.fetched_at, t.team_id IS NOT NULL FROM team_ids i LEFT JOIN steam_teams t ON t.team_id = i.entity_id
),
unavailable AS (
  SELECT entity, entity_id, string_agg(fact, ', ' ORDER BY fact) AS facts FROM steam_entity_facts
  WHERE fact IN ('not_found', 'practice', 'not_in_summaries') GROUP BY ALL
)
SELECT k.entity, k.entity_id, k.seq, k.fetched_at,
       CASE WHEN k.complete THEN 'complete' WHEN u.facts IS NOT NULL THEN 'unavailable' ELSE 'stub' END AS state,
       u.facts
FROM known k LEFT JOIN unavailable u USING (entity, entity_id);
