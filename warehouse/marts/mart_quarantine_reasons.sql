-- grain: one row per quarantine reason
-- unique: reason
-- not_null: reason, lines, batches, sample_batch, sample_line
-- check: lines >= batches
-- refresh: merge
-- Why lines were quarantined, counted across every batch: the new batches' lines are added to each
-- reason's count, and the earliest line (by batch id, line) stays the sample. Secrets are masked in raw.
-- column reason: The reason (out_of_range:<path>, wrong_type:<path>, invalid_json, duplicate, ...).
-- column lines: Lines quarantined for it.
-- column batches: Batches with at least one such line.
-- column sample_batch: The batch of the sample line.
-- column sample_line: Its line number in the batch file.
-- column sample_raw: Its first 300 characters, secrets masked.
CREATE TABLE IF NOT EXISTS mart_quarantine_reasons (reason VARCHAR, lines BIGINT, batches BIGINT, sample_batch VARCHAR, sample_line BIGINT, sample_raw VARCHAR);
CREATE OR REPLACE TEMP TABLE new_reasons AS
SELECT reason, count(*) AS lines, count(DISTINCT batch_id) AS batches,
       arg_min(batch_id, (batch_id, line)) AS sample_batch, arg_min(line, (batch_id, line)) AS sample_line, arg_min(left(raw, 300), (batch_id, line)) AS sample_raw
FROM delta_stg_quarantine
GROUP BY reason;
CREATE OR REPLACE TABLE mart_quarantine_reasons AS
SELECT reason, sum(lines)::BIGINT AS lines, sum(batches)::BIGINT AS batches,
       arg_min(sample_batch, (sample_batch, sample_line)) AS sample_batch, arg_min(sample_line, (sample_batch, sample_line)) AS sample_line,
       arg_min(sample_raw, (sample_batch, sample_line)) AS sample_raw
FROM (SELECT * FROM mart_quarantine_reasons UNION ALL SELECT * FROM new_reasons)
GROUP BY reason;
