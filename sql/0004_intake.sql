-- 0004_intake: filled in with its module (issue 3).
SELECT 1;
