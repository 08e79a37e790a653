-- grain: one row per exrps-style game event
-- unique: event_id
-- not_null: event_id, event_type, product_id, occurred_at
-- weapon names a select_weapon's event_data: "0" rock, "1" paper, "2" scissors, "null" botch (no weapon in time).
CREATE OR REPLACE VIEW stg_exrps_events AS
SELECT event_id, event_type, product_id, occurred_at, game_id, user_id, event_data,
       CASE WHEN event_type = 'select_weapon' THEN CASE event_data WHEN '0' THEN 'rock' WHEN '1' THEN 'paper' WHEN '2' THEN 'scissors' WHEN 'null' THEN 'botch' END END AS weapon,
       progress_event, p1_id, p2_id, round_winner_id, round_loser_id, winner_id, loser_id, new_state
FROM lake_exrps_events;
