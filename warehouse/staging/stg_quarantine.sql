-- grain: one row per rejected or duplicate line of a committed batch still in quarantine
-- Lines a replay recovered (gamelake quarantine replay) are left out: their events are in the lake, and a
-- line refused again is the replay batch's quarantine line now.
CREATE OR REPLACE VIEW stg_quarantine AS
SELECT q.batch_id, q.line, q.kind, q.reason, q.event_id, q.raw, q.raw_bytes
FROM lake_quarantine q
ANTI JOIN lake_quarantine_recovered r ON r.source_batch_id = q.batch_id AND r.source_line = q.line;
