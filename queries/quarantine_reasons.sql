-- Why lines were quarantined: lines per reason, most common first, with the first such line as a sample (secrets masked).
-- param: limit (number) = 10
SELECT reason, lines, batches, sample_batch, sample_line, sample_raw
FROM mart_quarantine_reasons
ORDER BY lines DESC, reason
LIMIT $limit;
