-- Batches in the warehouse, newest first: lines in, accepted, quarantined and duplicates.
-- param: limit (number) = 50
-- param: offset (number) = 0
SELECT batch_id, file, committed_at, lines_in, accepted, quarantined, duplicates
FROM batches
ORDER BY committed_at DESC, batch_id
LIMIT $limit OFFSET $offset;
