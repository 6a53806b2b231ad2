-- case: create-index
-- expect: create-index-not-concurrent
CREATE INDEX users_email_idx ON users (email);

-- case: create-unique-index
-- expect: create-index-not-concurrent
CREATE UNIQUE INDEX users_email_key ON users (email);

-- case: create-index-gin
-- expect: create-index-not-concurrent
CREATE INDEX events_payload_idx ON events USING gin (payload jsonb_path_ops);

-- case: create-index-expression-schema
-- expect: create-index-not-concurrent
CREATE INDEX IF NOT EXISTS users_lower_email ON public.users (lower(email));

-- case: create-index-partial
-- expect: create-index-not-concurrent
CREATE INDEX orders_open_idx ON orders (created_at) WHERE status = 'open';

-- case: create-index-laravel-quoted
-- expect: create-index-not-concurrent
create index "orders_user_id_index" on "orders" ("user_id");

-- case: drop-index
-- expect: drop-index-not-concurrent
DROP INDEX users_email_idx;

-- case: drop-index-if-exists-many
-- expect: drop-index-not-concurrent
DROP INDEX IF EXISTS public.a_idx, public.b_idx;

-- case: reindex-index
-- expect: reindex-not-concurrent
REINDEX INDEX users_email_idx;

-- case: reindex-table
-- expect: reindex-not-concurrent
REINDEX TABLE users;

-- case: reindex-pg11
-- expect: reindex-not-concurrent
-- pg: 11
REINDEX INDEX users_email_idx;

-- case: cic-in-transaction
-- expect: concurrently-in-transaction
BEGIN;
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
COMMIT;

-- case: dic-in-transaction
-- expect: concurrently-in-transaction
BEGIN;
DROP INDEX CONCURRENTLY users_email_idx;
COMMIT;

-- case: reindex-concurrently-in-transaction
-- expect: concurrently-in-transaction
START TRANSACTION;
REINDEX INDEX CONCURRENTLY users_email_idx;
COMMIT;

-- case: vacuum-in-transaction
-- expect: concurrently-in-transaction
BEGIN;
VACUUM users;
COMMIT;

-- case: cic-in-transaction-on-new-table
-- expect: concurrently-in-transaction
BEGIN;
CREATE TABLE t_new (id bigint);
CREATE INDEX CONCURRENTLY t_new_id ON t_new (id);
COMMIT;

-- case: create-index-then-update-in-txn
-- expect: create-index-not-concurrent, dml-after-lock
BEGIN;
CREATE INDEX orders_status_idx ON orders (status);
UPDATE orders SET status = 'x' WHERE id = 1;
COMMIT;

-- case: safe-cic
-- expect: safe
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);

-- case: safe-cic-unique-if-not-exists
-- expect: safe
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email);

-- case: safe-dic
-- expect: safe
DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;

-- case: safe-reindex-concurrently
-- expect: safe
REINDEX INDEX CONCURRENTLY users_email_idx;

-- case: safe-reindex-table-concurrently
-- expect: safe
REINDEX (VERBOSE) TABLE CONCURRENTLY users;

-- case: safe-index-on-new-table
-- expect: safe
CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint NOT NULL);
CREATE INDEX invoices_customer_idx ON invoices (customer_id);
CREATE UNIQUE INDEX invoices_id_customer ON invoices (id, customer_id);

-- case: safe-drop-index-created-here
-- expect: safe
CREATE INDEX CONCURRENTLY tmp_idx ON users (created_at);
DROP INDEX tmp_idx;

-- case: safe-index-on-only-parent
-- expect: safe
CREATE INDEX measurements_ts_idx ON ONLY measurements (ts);

-- case: safe-lock-timeout-then-cic
-- expect: safe
SET lock_timeout = '2s';
CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);

-- case: safe-temp-table-index
-- expect: safe
CREATE TEMP TABLE scratch (id int);
CREATE INDEX ON scratch (id);

-- case: safe-vacuum-outside-txn
-- expect: safe
VACUUM (ANALYZE) users;

-- case: safe-analyze-in-txn
-- expect: safe
BEGIN;
ANALYZE users;
COMMIT;
