-- grain: one row per quarantine reason
-- unique: reason
-- not_null: reason, lines, batches, sample_batch, sample_line
-- check: lines >= batches
-- refresh: rebuild
-- Why lines are in quarantine, counted across every batch, the earliest line (by batch id, line) as the
-- sample. Recomputed at each build (a replay takes lines of old batches out). Secrets are masked in raw.
-- column reason: The reason (out_of_range:<path>, wrong_type:<path>, invalid_json, duplicate, ...).
-- column lines: Lines quarantined for it.
-- column batches: Batches with at least one such line.
-- column sample_batch: The batch of the sample line.
-- column sample_line: Its line number in the batch file.
-- column sample_raw: Its first 300 characters, secrets masked.
CREATE OR REPLACE TABLE mart_quarantine_reasons AS
SELECT reason, count(*) AS lines, count(DISTINCT batch_id) AS batches,
       arg_min(batch_id, (batch_id, line)) AS sample_batch, arg_min(line, (batch_id, line)) AS sample_line, arg_min(left(raw, 300), (batch_id, line)) AS sample_raw
FROM stg_quarantine
GROUP BY reason;
