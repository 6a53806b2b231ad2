-- case: drop-table
-- expect: drop-table
DROP TABLE legacy_sessions;

-- case: drop-table-many-cascade
-- expect: drop-table
DROP TABLE IF EXISTS legacy_a, legacy_b CASCADE;

-- case: rename-table
-- expect: rename-table
ALTER TABLE users RENAME TO accounts;

-- case: rename-table-laravel
-- expect: rename-table
alter table "users" rename to "accounts";

-- case: vacuum-full
-- expect: vacuum-full
VACUUM FULL users;

-- case: vacuum-full-options
-- expect: vacuum-full
VACUUM (FULL, ANALYZE, VERBOSE) users;

-- case: cluster-using
-- expect: cluster
CLUSTER users USING users_pkey;

-- case: cluster-plain
-- expect: cluster
CLUSTER users;

-- case: truncate-cascade
-- expect: truncate-cascade
TRUNCATE users CASCADE;

-- case: detach-partition
-- expect: detach-partition-not-concurrent
ALTER TABLE measurements DETACH PARTITION measurements_2020;

-- case: set-tablespace
-- expect: table-rewrite
ALTER TABLE users SET TABLESPACE fast_ssd;

-- case: set-logged
-- expect: table-rewrite
ALTER TABLE imports SET LOGGED;

-- case: set-unlogged
-- expect: table-rewrite
ALTER TABLE imports SET UNLOGGED;

-- case: refresh-matview
-- expect: refresh-matview-not-concurrent
REFRESH MATERIALIZED VIEW daily_totals;

-- case: update-after-add-column-txn
-- expect: dml-after-lock
BEGIN;
ALTER TABLE users ADD COLUMN score integer;
UPDATE users SET score = 0 WHERE id < 100;
COMMIT;

-- case: delete-after-lock-table
-- expect: dml-after-lock
BEGIN;
LOCK TABLE users IN ACCESS EXCLUSIVE MODE;
DELETE FROM users WHERE id = 7;
COMMIT;

-- case: update-other-table-after-lock
-- expect: dml-after-lock
BEGIN;
ALTER TABLE orders ADD COLUMN note text;
UPDATE settings SET value = 'x' WHERE key = 'y';
COMMIT;

-- case: safe-create-table
-- expect: safe
CREATE TABLE IF NOT EXISTS audit_log (
    id bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    payload jsonb
);

-- case: safe-drop-new-table
-- expect: safe
CREATE TABLE scratch (id int);
DROP TABLE scratch;

-- case: safe-rename-new-table
-- expect: safe
CREATE TABLE accounts_new (id bigint);
ALTER TABLE accounts_new RENAME TO accounts_v2;
CREATE INDEX ON accounts_v2 (id);

-- case: safe-vacuum-analyze
-- expect: safe
VACUUM ANALYZE users;

-- case: safe-analyze
-- expect: safe
ANALYZE users;

-- case: safe-truncate-new
-- expect: safe
CREATE TABLE staging_rows (id int);
TRUNCATE staging_rows;

-- case: safe-truncate-plain-is-warning
-- expect: safe
-- warn: truncate
TRUNCATE import_buffer;

-- case: safe-detach-concurrently
-- expect: safe
ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;

-- case: safe-detach-pg13-warning
-- expect: safe
-- pg: 13
-- warn: detach-partition-not-concurrent
ALTER TABLE measurements DETACH PARTITION measurements_2020;

-- case: safe-refresh-concurrently
-- expect: safe
REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;

-- case: safe-matview-new
-- expect: safe
CREATE MATERIALIZED VIEW weekly_totals AS SELECT 1 AS x WITH NO DATA;
REFRESH MATERIALIZED VIEW weekly_totals;

-- case: safe-create-view
-- expect: safe
CREATE OR REPLACE VIEW active_users AS SELECT * FROM users WHERE active;

-- case: safe-partitioned
-- expect: safe
CREATE TABLE measurements_y (id bigint, ts timestamptz) PARTITION BY RANGE (ts);
CREATE TABLE measurements_y2026 PARTITION OF measurements_y FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');

-- case: safe-attach-partition
-- expect: safe
ALTER TABLE measurements ATTACH PARTITION measurements_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');

-- case: safe-grant
-- expect: safe
GRANT SELECT, INSERT ON users TO app_rw;
REVOKE DELETE ON users FROM app_rw;

-- case: safe-insert-new
-- expect: safe
CREATE TABLE countries (code text PRIMARY KEY, name text);
INSERT INTO countries VALUES ('az', 'Azerbaijan'), ('ee', 'Estonia');

-- case: safe-insert-lookup
-- expect: safe
INSERT INTO roles (name) VALUES ('auditor') ON CONFLICT DO NOTHING;

-- case: safe-extension-schema-sequence
-- expect: safe
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE SCHEMA IF NOT EXISTS reporting;
CREATE SEQUENCE reporting.batch_seq;
ALTER SEQUENCE reporting.batch_seq RESTART WITH 100;

-- case: safe-function-and-trigger-on-new
-- expect: safe
CREATE TABLE notes (id bigint, body text, updated_at timestamptz);
CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch();

-- case: safe-create-enum
-- expect: safe
CREATE TYPE ticket_state AS ENUM ('open', 'closed');

-- case: safe-settings
-- expect: safe
SET lock_timeout = '2s';
SET statement_timeout = '30s';
SET search_path = app, public;
RESET search_path;

-- case: safe-comment-table
-- expect: safe
COMMENT ON TABLE users IS 'people who log in';

-- case: safe-do-block-is-warning
-- expect: safe
-- warn: unknown-statement
DO $$ BEGIN RAISE NOTICE 'hello'; END $$;

-- case: safe-unbounded-update-any-is-warning
-- expect: safe
-- warn: unbounded-dml
UPDATE users SET score = 0;

-- case: safe-add-column-without-lock-timeout
-- expect: safe
-- warn: lock-timeout
ALTER TABLE users ADD COLUMN nickname text;

-- case: safe-set-local-outside-transaction
-- expect: safe
-- warn: set-local-outside-transaction, lock-timeout
SET LOCAL lock_timeout = '2s';
ALTER TABLE users ADD COLUMN nickname text;

-- case: safe-set-local-inside-transaction
-- nowarn: lock-timeout, set-local-outside-transaction
-- expect: safe
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE users ADD COLUMN nickname text;
COMMIT;

-- case: safe-set-config-lock-timeout
-- nowarn: lock-timeout
-- expect: safe
SELECT pg_catalog.set_config('lock_timeout', '2s', false);
ALTER TABLE users ADD COLUMN nickname text;
