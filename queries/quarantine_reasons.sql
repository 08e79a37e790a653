-- Why lines were quarantined: lines per reason, most common first, with the first such line as a sample (secrets masked).
-- param: limit = 10
SELECT reason, count(*) AS lines, count(DISTINCT batch_id) AS batches,
       arg_min(batch_id, (batch_id, line)) AS sample_batch,
       arg_min(line, (batch_id, line)) AS sample_line,
       arg_min(left(raw, 300), (batch_id, line)) AS sample_raw
FROM stg_quarantine
GROUP BY reason
ORDER BY lines DESC, reason
LIMIT $limit;
