-- grain: one row per entity and entity_id and fact (the newest fetch of it)
-- unique: entity, entity_id, fact
-- The newest fetch of each key of lake/steam/entity_facts (the lake is append-only).
CREATE OR REPLACE VIEW stg_steam_entity_facts AS
SELECT * FROM steam_entity_facts;
