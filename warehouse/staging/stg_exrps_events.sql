-- grain: one row per exrps-style game event
CREATE VIEW stg_exrps_events AS
SELECT event_id, event_type, product_id, occurred_at, game_id, user_id, event_data, weapon,
       progress_event, p1_id, p2_id, round_winner_id, round_loser_id, winner_id, loser_id, new_state
FROM lake_exrps_events;
