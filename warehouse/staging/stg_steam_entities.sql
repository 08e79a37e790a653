-- grain: one row per entity type and Valve id the mirror knows of, mirrored or only referenced
-- unique: entity, entity_id
-- not_null: entity, entity_id, state
-- state: 'complete' (mirrored in full), 'stub' (known only by id, or a match whose players are not all in),
-- 'unavailable' (Valve answered that it has nothing: a match not found, a player not in GetPlayerSummaries).
-- Defined once, with the lake (lake/steam/entities.sql), where the convergence planner reads it too.
CREATE OR REPLACE VIEW stg_steam_entities AS
SELECT * FROM steam_entities;
