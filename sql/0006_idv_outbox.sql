-- 0006_idv_outbox: filled in with its module (issue 3).
SELECT 1;
