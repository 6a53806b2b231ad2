-- case: fk-without-not-valid
-- expect: constraint-not-valid
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);

-- case: fk-unnamed
-- expect: constraint-not-valid
ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users;

-- case: fk-django-deferrable
-- expect: constraint-not-valid
ALTER TABLE "shop_order" ADD CONSTRAINT "shop_order_user_id_fk_auth_user_id" FOREIGN KEY ("user_id") REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED;

-- case: fk-laravel
-- expect: constraint-not-valid
alter table "posts" add constraint "posts_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;

-- case: check-without-not-valid
-- expect: constraint-not-valid
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);

-- case: add-column-references
-- expect: constraint-not-valid
ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);

-- case: add-column-django-fk
-- expect: constraint-not-valid
ALTER TABLE "shop_order" ADD COLUMN "coupon_id" bigint NULL CONSTRAINT "shop_order_coupon_id_fk" REFERENCES "shop_coupon"("id") DEFERRABLE INITIALLY DEFERRED;

-- case: add-column-inline-check
-- expect: constraint-not-valid
ALTER TABLE products ADD COLUMN stock integer NULL CHECK ("stock" >= 0);

-- case: validate-same-transaction
-- expect: validate-in-transaction
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
COMMIT;

-- case: validate-under-access-exclusive
-- expect: validate-in-transaction
BEGIN;
ALTER TABLE orders ADD COLUMN note text;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
COMMIT;

-- case: validate-after-lock-table
-- expect: validate-in-transaction
BEGIN;
LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
COMMIT;

-- case: set-not-null
-- expect: set-not-null
ALTER TABLE users ALTER COLUMN email SET NOT NULL;

-- case: set-not-null-laravel
-- expect: set-not-null
alter table "users" alter column "email" set not null;

-- case: set-not-null-pg11-with-check
-- expect: set-not-null
-- pg: 11
ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;

-- case: set-not-null-check-not-validated
-- expect: set-not-null
ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;

-- case: set-not-null-check-other-column
-- expect: set-not-null
ALTER TABLE users ADD CONSTRAINT users_name_nn CHECK (name IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_name_nn;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;

-- case: not-null-constraint-pg18
-- expect: set-not-null
-- pg: 18
ALTER TABLE users ADD CONSTRAINT users_email_nn NOT NULL email;

-- case: add-unique-constraint
-- expect: unique-without-index
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);

-- case: add-unique-laravel
-- expect: unique-without-index
alter table "users" add constraint "users_email_unique" unique ("email");

-- case: add-primary-key
-- expect: unique-without-index
ALTER TABLE legacy_events ADD PRIMARY KEY (id);

-- case: add-column-unique
-- expect: unique-without-index
ALTER TABLE users ADD COLUMN api_key text UNIQUE;

-- case: exclusion-constraint
-- expect: exclusion-constraint
ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);

-- case: enum-value-used-in-transaction
-- expect: enum-value-in-transaction
BEGIN;
ALTER TYPE order_status ADD VALUE 'refunded';
UPDATE orders SET status = 'refunded' WHERE id = 42;
COMMIT;

-- case: enum-value-in-transaction-pg11
-- expect: enum-value-in-transaction
-- pg: 11
BEGIN;
ALTER TYPE order_status ADD VALUE 'refunded';
COMMIT;

-- case: safe-fk-not-valid
-- expect: safe
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;

-- case: safe-validate-alone
-- expect: safe
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;

-- case: safe-not-valid-then-validate-autocommit
-- expect: safe
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;

-- case: safe-not-valid-then-validate-two-transactions
-- expect: safe
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
COMMIT;
BEGIN;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
COMMIT;

-- case: safe-check-then-set-not-null
-- expect: safe
ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_email_nn;

-- case: safe-not-null-not-valid-pg18
-- expect: safe
-- pg: 18
ALTER TABLE users ADD CONSTRAINT users_email_nn NOT NULL email NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;

-- case: safe-unique-using-index
-- expect: safe
CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;

-- case: safe-primary-key-using-index
-- expect: safe
CREATE UNIQUE INDEX CONCURRENTLY legacy_events_pkey ON legacy_events (id);
ALTER TABLE legacy_events ADD CONSTRAINT legacy_events_pkey PRIMARY KEY USING INDEX legacy_events_pkey;

-- case: safe-create-table-with-fk
-- expect: safe
CREATE TABLE payments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id),
    amount numeric(12, 2) NOT NULL CHECK (amount > 0),
    UNIQUE (order_id)
);

-- case: safe-constraints-on-new-table
-- expect: safe
CREATE TABLE tags (id bigint, name text, post_id bigint);
ALTER TABLE tags ADD PRIMARY KEY (id);
ALTER TABLE tags ADD CONSTRAINT tags_name_key UNIQUE (name);
ALTER TABLE tags ADD CONSTRAINT tags_post_fk FOREIGN KEY (post_id) REFERENCES posts (id);
ALTER TABLE tags ALTER COLUMN name SET NOT NULL;
ALTER TABLE tags ADD CONSTRAINT tags_no_overlap EXCLUDE USING btree (name WITH =);

-- case: safe-enum-add-value-autocommit
-- expect: safe
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';
UPDATE orders SET status = 'refunded' WHERE id = 42;

-- case: safe-enum-add-value-in-txn-unused
-- expect: safe
BEGIN;
ALTER TYPE order_status ADD VALUE 'refunded' AFTER 'paid';
COMMIT;

-- case: safe-drop-constraint
-- expect: safe
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_total_positive;

-- case: safe-drop-not-null
-- expect: safe
ALTER TABLE users ALTER COLUMN nickname DROP NOT NULL;

-- case: safe-check-not-valid
-- expect: safe
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;

-- case: safe-set-constraints
-- expect: safe
SET CONSTRAINTS ALL IMMEDIATE;

-- case: safe-enum-create-and-use
-- expect: safe
CREATE TYPE mood AS ENUM ('sad', 'ok');
ALTER TYPE mood ADD VALUE 'happy';
ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';

-- case: domain-check-without-not-valid
-- expect: constraint-not-valid
ALTER DOMAIN positive_int ADD CONSTRAINT positive_int_check CHECK (VALUE > 0);

-- case: safe-domain-check-not-valid
-- expect: safe
ALTER DOMAIN positive_int ADD CONSTRAINT positive_int_check CHECK (VALUE > 0) NOT VALID;
ALTER DOMAIN positive_int VALIDATE CONSTRAINT positive_int_check;
