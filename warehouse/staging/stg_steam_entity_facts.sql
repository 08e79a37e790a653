-- grain: one row per entity and entity_id and fact (the newest fetch of it)
-- unique: entity, entity_id, fact
-- Source: lake/steam/entity_facts/*.parquet (append-only; an entity fetched again gets a newer row).
CREATE VIEW stg_steam_entity_facts AS
SELECT * FROM lake_steam_entity_facts
QUALIFY row_number() OVER (PARTITION BY entity, entity_id, fact ORDER BY fetched_at DESC) = 1;
