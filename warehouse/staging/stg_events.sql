-- grain: one row per accepted event (committed batches only)
CREATE VIEW stg_events AS
SELECT batch_id, line, event_id, event_type, event_date, product_id, occurred_at, schema_version, extra
FROM lake_events;
