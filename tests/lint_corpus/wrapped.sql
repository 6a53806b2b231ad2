-- case: wrapped-golang-migrate-add-column-and-backfill
-- expect: dml-after-lock
-- wrapped: true
-- golang-migrate sends the file as one query string: one transaction
ALTER TABLE users ADD COLUMN preferences jsonb;
UPDATE users SET preferences = '{}' WHERE id BETWEEN 1 AND 50000;

-- case: wrapped-add-column-and-backfill-unwrapped
-- expect: safe
-- the same file run statement by statement (psql -f): the ALTER commits at once
ALTER TABLE users ADD COLUMN preferences jsonb;
UPDATE users SET preferences = '{}' WHERE id BETWEEN 1 AND 50000;

-- case: wrapped-sqlx-index-concurrently-with-other-ddl
-- expect: concurrently-in-transaction
-- wrapped: true
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
CREATE INDEX CONCURRENTLY orders_shipped_at_idx ON orders (shipped_at);

-- case: wrapped-psql-single-transaction-lone-concurrently
-- expect: concurrently-in-transaction
-- wrapped: true
-- psql -1 (and sqlx, Rails, Django) put even a lone statement inside BEGIN … COMMIT
CREATE INDEX CONCURRENTLY orders_created_at_idx ON orders (created_at);

-- case: wrapped-new-table-and-its-indexes
-- expect: safe
-- wrapped: true
CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric);
CREATE INDEX invoices_customer_id_idx ON invoices (customer_id);
ALTER TABLE invoices ADD CONSTRAINT invoices_total_check CHECK (total >= 0);

-- case: wrapped-set-local-lock-timeout
-- expect: safe
-- wrapped: true
-- nowarn: set-local-outside-transaction, lock-timeout
SET LOCAL lock_timeout = '2s';
ALTER TABLE users ADD COLUMN nickname text;

-- case: wrapped-enum-value-added-and-used
-- expect: enum-value-in-transaction
-- wrapped: true
ALTER TYPE order_status ADD VALUE 'refunded';
UPDATE orders SET status = 'refunded' WHERE id = 42;

-- case: wrapped-enum-value-added-alone
-- expect: safe
-- wrapped: true
ALTER TYPE order_status ADD VALUE 'refunded';

-- case: wrapped-not-valid-then-validate
-- expect: validate-in-transaction
-- wrapped: true
ALTER TABLE orders ADD CONSTRAINT orders_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fk;

-- case: wrapped-explicit-commit-releases-the-lock
-- expect: safe
-- wrapped: true
BEGIN;
ALTER TABLE users ADD COLUMN preferences jsonb;
COMMIT;
UPDATE users SET preferences = '{}' WHERE id = 7;

-- case: wrapped-rails-add-column
-- expect: safe
-- wrapped: true
ALTER TABLE "users" ADD "nickname" character varying;
