-- Replays of quarantined lines (gamelake quarantine replay), newest first: each replay batch, when it was committed, the lines it recovered (their events are in the lake) and those refused again.
SELECT r.batch_id, b.committed_at,
       count(*) FILTER (WHERE r.outcome = 'recovered') AS recovered,
       count(*) FILTER (WHERE r.outcome = 'rejected') AS refused_again,
       count(DISTINCT r.source_batch_id) AS source_batches
FROM lake_quarantine_recovered r
LEFT JOIN batches b USING (batch_id)
GROUP BY ALL
ORDER BY b.committed_at DESC NULLS LAST, r.batch_id;
