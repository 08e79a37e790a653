-- Matches seen in players' histories that the mirror has no data for yet, and why: who referenced them, since when, how often Steam was asked, their state.
-- param: limit (number) = 100
WITH refs AS (
  SELECT match_id, count(DISTINCT account_id) AS players, string_agg(DISTINCT CAST(account_id AS VARCHAR), ', ' ORDER BY CAST(account_id AS VARCHAR)) AS accounts, min(fetched_at) AS first_seen
  FROM lake_steam_match_refs GROUP BY match_id
), tries AS (
  SELECT entity_id AS match_id, count(*) AS attempts FROM lake_steam_entity_facts WHERE entity = 'match' GROUP BY ALL
)
SELECT e.entity_id AS match_id, r.accounts AS referenced_by, make_timestamp(r.first_seen * 1000) AS first_seen_at, coalesce(t.attempts, 0) AS attempts,
       CASE WHEN e.state = 'unavailable' THEN 'unavailable: ' || e.facts
            WHEN e.seq IS NULL THEN 'stub: no match_seq_num known (GetMatchDetails is the only way)'
            ELSE 'stub: match_seq_num ' || e.seq || ' known, not fetched yet' END AS state
FROM stg_steam_entities e JOIN refs r ON r.match_id = e.entity_id LEFT JOIN tries t ON t.match_id = e.entity_id
WHERE e.entity = 'match' AND e.state <> 'complete'
ORDER BY r.first_seen, e.entity_id
LIMIT $limit;
