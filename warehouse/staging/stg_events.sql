-- grain: one row per accepted event (committed batches only)
-- unique: event_id
-- not_null: batch_id, line, event_id, event_type, product_id, occurred_at
-- extra holds the fields the contract does not name (JSON); typed is false for events accepted by schema evolution.
CREATE OR REPLACE VIEW stg_events AS
SELECT batch_id, line, event_id, event_type, event_date, product_id, occurred_at, schema_version, extra, typed
FROM lake_events;
