-- A hero's benchmarks as OpenDota gives them: percentiles of GPM, XPM, and kills, last hits, hero damage and healing per minute, and tower damage, over fully mirrored matches.
-- param: hero_id (number)
-- round: gold_per_min=2, xp_per_min=2, kills_per_min=4, last_hits_per_min=4, hero_damage_per_min=2, hero_healing_per_min=2, tower_damage=2
WITH played AS (
  SELECT mp.gold_per_min::DOUBLE AS gpm, mp.xp_per_min::DOUBLE AS xpm,
         mp.kills / (m.duration / 60.0) AS kpm, mp.last_hits / (m.duration / 60.0) AS lhpm,
         mp.hero_damage / (m.duration / 60.0) AS hdpm, mp.hero_healing / (m.duration / 60.0) AS hhpm, mp.tower_damage::DOUBLE AS td
  FROM mart_dota_match_players mp JOIN mart_dota_matches m USING (match_id)
  WHERE mp.hero_id = $hero_id AND m.duration > 0
), q AS (
  SELECT quantile_cont(gpm, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]) AS g, quantile_cont(xpm, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]) AS x,
         quantile_cont(kpm, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]) AS k, quantile_cont(lhpm, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]) AS l,
         quantile_cont(hdpm, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]) AS hd, quantile_cont(hhpm, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]) AS hh,
         quantile_cont(td, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]) AS t
  FROM played
  HAVING count(*) > 0
)
SELECT unnest([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]) AS percentile,
       unnest(g) AS gold_per_min, unnest(x) AS xp_per_min, unnest(k) AS kills_per_min, unnest(l) AS last_hits_per_min,
       unnest(hd) AS hero_damage_per_min, unnest(hh) AS hero_healing_per_min, unnest(t) AS tower_damage
FROM q;
