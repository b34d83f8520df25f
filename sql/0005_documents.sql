-- 0005_documents: filled in with its module (issue 3).
SELECT 1;
