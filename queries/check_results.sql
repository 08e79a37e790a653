-- Each model check's result in the last builds: the check, the rows that failed it, passed or not.
-- param: builds (number) = 3
SELECT b.build_id, b.kind, b.finished_at, c.model, c.check_name, c.failing_rows, c.passed
FROM _checks c JOIN (SELECT * FROM _builds ORDER BY finished_at DESC LIMIT $builds) b USING (build_id)
ORDER BY b.finished_at DESC, c.model, c.check_name;
