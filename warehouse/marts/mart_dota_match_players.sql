-- grain: one row per player slot of a match in mart_dota_matches
-- unique: match_id, player_slot
-- not_null: match_id, player_slot, side, radiant, win, started_at
-- depends_on: mart_dota_matches
-- radiant comes from player_slot (bit 7 set: Dire); anonymous players have no account_id.
-- refresh: rebuild
-- source: steam
-- column match_id: The match.
-- column player_slot: Valve slot (bit 7 set: Dire).
-- column side: radiant or dire.
-- column win: Whether this player's side won.
-- column account_id: 32-bit account id; NULL when anonymous.
-- column hero_id: Hero played.
-- column hero_name: Its name.
-- column kills: Kills.
-- column deaths: Deaths.
-- column assists: Assists.
-- column gold_per_min: GPM.
-- column xp_per_min: XPM.
CREATE OR REPLACE TABLE mart_dota_match_players AS
SELECT p.match_id, m.started_at, p.player_slot, p.side, p.side = 'radiant' AS radiant, (p.side = 'radiant') = m.radiant_win AS win,
       p.account_id, p.steamid64, p.anonymous, p.hero_id, h.localized_name AS hero_name,
       p.kills, p.deaths, p.assists, p.leaver_status, p.gold_per_min, p.xp_per_min, p.last_hits, p.denies, p.hero_damage, p.tower_damage, p.hero_healing, p.net_worth, p.level
FROM stg_steam_match_players p
JOIN mart_dota_matches m USING (match_id)
LEFT JOIN stg_steam_heroes h ON h.hero_id = p.hero_id;
