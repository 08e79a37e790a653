-- grain: one row per rejected or duplicate line of a committed batch
CREATE OR REPLACE VIEW stg_quarantine AS
SELECT batch_id, line, kind, reason, event_id, raw, raw_bytes
FROM lake_quarantine;
