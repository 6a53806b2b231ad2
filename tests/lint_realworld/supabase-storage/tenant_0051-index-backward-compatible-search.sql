-- source: https://github.com/supabase/storage/blob/4fa61fba9371c4bd40cbb81509f07bcb3af21683/migrations/tenant/0051-index-backward-compatible-search.sql

-- postgres-migrations disable-transaction
-- Create index for case-insensitive name search in storage.search function
-- Must use COLLATE "C" to match the query comparisons for index usage
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_objects_bucket_id_name_lower
    ON storage.objects (bucket_id, (lower(name) COLLATE "C"));
