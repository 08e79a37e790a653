-- grain: one row per finished game (a game_over event)
CREATE OR REPLACE VIEW stg_game_results AS
SELECT product_id, game_id, event_id, occurred_at, winner_id, loser_id
FROM lake_exrps_events
WHERE event_type = 'game_over';
