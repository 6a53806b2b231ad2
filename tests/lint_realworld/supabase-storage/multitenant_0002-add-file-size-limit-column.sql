-- source: https://github.com/supabase/storage/blob/4fa61fba9371c4bd40cbb81509f07bcb3af21683/migrations/multitenant/0002-add-file-size-limit-column.sql

ALTER TABLE tenants ADD COLUMN file_size_limit bigint DEFAULT 52428800 NOT NULL;
