-- case: expand-fk-not-valid
-- expect: phase-expand
-- phase: expand
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;

-- case: expand-check-not-valid
-- expect: phase-expand
-- phase: expand
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;

-- case: expand-trigger
-- expect: phase-expand
-- phase: expand
CREATE TRIGGER users_sync AFTER INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION sync_users();

-- case: expand-set-not-null
-- expect: set-not-null
-- phase: expand
ALTER TABLE users ALTER COLUMN email SET NOT NULL;

-- case: expand-drop-constraint
-- expect: phase-expand
-- phase: expand
ALTER TABLE orders DROP CONSTRAINT orders_total_positive;

-- case: expand-drop-index-concurrently
-- expect: phase-expand
-- phase: expand
DROP INDEX CONCURRENTLY users_email_idx;

-- case: expand-unique-index
-- expect: phase-expand
-- phase: expand
CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);

-- case: expand-validate
-- expect: phase-expand
-- phase: expand
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;

-- case: expand-drop-column
-- expect: drop-column
-- phase: expand
ALTER TABLE users DROP COLUMN legacy_flag;

-- case: expand-using-index
-- expect: phase-expand
-- phase: expand
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;

-- case: expand-drop-trigger
-- expect: phase-expand
-- phase: expand
DROP TRIGGER IF EXISTS users_sync ON users;

-- case: expand-safe-additive
-- expect: safe
-- phase: expand
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN email_normalized text;
ALTER TABLE users ADD COLUMN flags integer NOT NULL DEFAULT 0;
CREATE INDEX CONCURRENTLY users_email_normalized_idx ON users (email_normalized);

-- case: expand-safe-new-table-with-everything
-- expect: safe
-- phase: expand
CREATE TABLE user_emails (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), email text UNIQUE);
CREATE TRIGGER user_emails_touch BEFORE UPDATE ON user_emails FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE user_emails ADD CONSTRAINT user_emails_email_check CHECK (email <> '');

-- case: backfill-unbounded-update
-- expect: unbounded-dml
-- phase: backfill
UPDATE users SET email_normalized = lower(email);

-- case: backfill-only-null-filter
-- expect: unbounded-dml
-- phase: backfill
UPDATE users SET email_normalized = lower(email) WHERE email_normalized IS NULL;

-- case: backfill-one-sided-range
-- expect: unbounded-dml
-- phase: backfill
DELETE FROM events WHERE created_at < now() - interval '1 year';

-- case: backfill-ddl
-- expect: phase-backfill
-- phase: backfill
ALTER TABLE users ADD COLUMN email_normalized text;

-- case: backfill-create-index
-- expect: phase-backfill
-- phase: backfill
CREATE INDEX CONCURRENTLY users_email_normalized_idx ON users (email_normalized);

-- case: backfill-safe-range
-- expect: safe
-- phase: backfill
UPDATE users SET email_normalized = lower(email) WHERE id >= 1000 AND id < 2000;

-- case: backfill-not-idempotent-range
-- expect: safe
-- warn: backfill-not-idempotent
-- phase: backfill
UPDATE users SET email_normalized = lower(email) WHERE id >= $1 AND id < $2;

-- case: backfill-not-idempotent-counter
-- expect: safe
-- warn: backfill-not-idempotent
-- phase: backfill
UPDATE counters SET hits = hits + 1, seen_at = now() WHERE id BETWEEN $1 AND $2;

-- case: backfill-safe-between-params
-- expect: safe
-- phase: backfill
UPDATE users SET email_normalized = lower(email) WHERE id BETWEEN $1 AND $2 AND email_normalized IS NULL;

-- case: backfill-safe-limit-subquery
-- expect: safe
-- phase: backfill
UPDATE users SET email_normalized = lower(email)
WHERE id IN (SELECT id FROM users WHERE email_normalized IS NULL ORDER BY id LIMIT 1000);

-- case: backfill-safe-any
-- expect: safe
-- phase: backfill
SET statement_timeout = '30s';
DELETE FROM sessions WHERE id = ANY($1);

-- case: contract-fk-direct
-- expect: constraint-not-valid
-- phase: contract
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);

-- case: contract-unique-direct
-- expect: unique-without-index
-- phase: contract
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);

-- case: contract-set-not-null-direct
-- expect: set-not-null
-- phase: contract
ALTER TABLE users ALTER COLUMN email_normalized SET NOT NULL;

-- case: contract-validate-same-txn
-- expect: validate-in-transaction
-- phase: contract
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
COMMIT;

-- case: contract-safe-not-valid-validate
-- expect: safe
-- phase: contract
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;

-- case: contract-safe-check-then-not-null
-- expect: safe
-- phase: contract
ALTER TABLE users ADD CONSTRAINT users_email_normalized_nn CHECK (email_normalized IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_email_normalized_nn;
ALTER TABLE users ALTER COLUMN email_normalized SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_email_normalized_nn;

-- case: contract-safe-unique-online
-- expect: safe
-- phase: contract
CREATE UNIQUE INDEX CONCURRENTLY users_email_normalized_key ON users (email_normalized);
ALTER TABLE users ADD CONSTRAINT users_email_normalized_key UNIQUE USING INDEX users_email_normalized_key;

-- case: contract-safe-drop-column-warning
-- expect: safe
-- phase: contract
-- warn: drop-column
ALTER TABLE users DROP COLUMN email;

-- case: contract-safe-drop-table-warning
-- expect: safe
-- phase: contract
-- warn: drop-table
DROP TABLE legacy_sessions;

-- case: contract-safe-drop-index-concurrently
-- expect: safe
-- phase: contract
DROP INDEX CONCURRENTLY users_email_idx;

-- case: contract-not-valid-left-unvalidated-warning
-- expect: safe
-- phase: contract
-- warn: phase-contract
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
