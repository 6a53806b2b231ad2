-- Minimal cases for the linter fixes found on the held-out real-world set
-- (tests/lint_realworld): DO blocks, indexes of a table created IF NOT EXISTS, and a
-- whole-table backfill written into the migration that altered the table.

-- case: do-block-index-without-concurrently
-- expect: create-index-not-concurrent
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'uploads_user_idx') THEN
        CREATE INDEX uploads_user_idx ON uploads (user_id);
    END IF;
END $$;

-- case: do-block-dynamic-index
-- expect: create-index-not-concurrent
DO $$
DECLARE
    part text;
BEGIN
    FOR part IN SELECT partition_name FROM queues LOOP
        EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %1$s_i6 ON jobs.%1$I (name)', part);
    END LOOP;
END $$;

-- case: do-block-alter-then-update
-- expect: dml-after-lock
DO $$
BEGIN
    ALTER TABLE channel_members ADD COLUMN IF NOT EXISTS root_count bigint;
    UPDATE channel_members SET root_count = 0 WHERE channel_id = 'x';
END $$;

-- case: do-block-concurrently-fails
-- expect: concurrently-in-transaction
DO $$
BEGIN
    CREATE INDEX CONCURRENTLY IF NOT EXISTS uploads_user_idx ON uploads (user_id);
END $$;

-- case: safe-do-block-create-role
-- expect: safe
-- warn: unknown-statement
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'app') THEN
        CREATE ROLE app LOGIN;
    END IF;
END $$;

-- case: safe-do-block-targeted-fix
-- expect: safe
DO $$
DECLARE
    ex RECORD;
BEGIN
    FOR ex IN SELECT id FROM executions WHERE status = 'Running' LOOP
        UPDATE executions SET status = 'Success' WHERE id = ex.id;
    END LOOP;
END $$;

-- case: safe-drop-old-index-of-table-created-here
-- expect: safe
CREATE TABLE IF NOT EXISTS user_access_tokens (id varchar(26) PRIMARY KEY, token varchar(26));
DROP INDEX IF EXISTS idx_user_access_tokens_token;

-- case: drop-index-not-named-after-new-table
-- expect: drop-index-not-concurrent
CREATE TABLE account (id bigint PRIMARY KEY);
DROP INDEX IF EXISTS accounts_email_idx;

-- case: backfill-whole-table-after-alter-same-migration
-- expect: dml-after-lock
ALTER TABLE harbor_user ADD COLUMN password_version varchar(16) DEFAULT 'sha256';
UPDATE harbor_user SET password_version = 'sha1';

-- case: safe-targeted-update-after-alter
-- expect: safe
ALTER TABLE harbor_user ADD COLUMN password_version varchar(16) DEFAULT 'sha256';
UPDATE harbor_user SET password_version = 'sha1' WHERE username = 'admin';
