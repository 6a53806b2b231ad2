-- case: add-column-not-null
-- expect: add-column-not-null-no-default
ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;

-- case: add-column-not-null-laravel
-- expect: add-column-not-null-no-default
alter table "users" add column "tenant_id" bigint not null;

-- case: add-column-volatile-uuid
-- expect: add-column-rewrite
ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();

-- case: add-column-volatile-clock
-- expect: add-column-rewrite
ALTER TABLE events ADD COLUMN seen_at timestamptz NOT NULL DEFAULT clock_timestamp();

-- case: add-column-volatile-random
-- expect: add-column-rewrite
ALTER TABLE users ADD COLUMN bucket double precision DEFAULT random();

-- case: add-column-uuid-ossp
-- expect: add-column-rewrite
ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT uuid_generate_v4();

-- case: add-column-stored-generated
-- expect: add-column-rewrite
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;

-- case: add-column-identity
-- expect: add-column-rewrite
ALTER TABLE legacy_events ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;

-- case: add-column-bigserial
-- expect: add-column-rewrite
ALTER TABLE legacy_events ADD COLUMN seq bigserial;

-- case: add-column-serial-primary-key
-- expect: add-column-rewrite, unique-without-index
ALTER TABLE legacy_events ADD COLUMN id serial PRIMARY KEY;

-- case: add-column-default-pg10
-- expect: add-column-default-before-pg11
-- pg: 10
ALTER TABLE users ADD COLUMN score integer DEFAULT 0;

-- case: add-column-default-not-null-pg10
-- expect: add-column-default-before-pg11
-- pg: 10
ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT false;

-- case: add-column-virtual-generated-pg17
-- expect: add-column-rewrite
-- pg: 17
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;

-- case: type-int-to-bigint
-- expect: column-type-rewrite
ALTER TABLE orders ALTER COLUMN id TYPE bigint;

-- case: type-set-data-type
-- expect: column-type-rewrite
ALTER TABLE orders ALTER COLUMN quantity SET DATA TYPE smallint;

-- case: type-using
-- expect: column-type-rewrite
ALTER TABLE orders ALTER COLUMN total TYPE numeric(10, 2) USING total::numeric(10, 2);

-- case: type-varchar-shrink-known
-- expect: column-type-rewrite
ALTER TABLE users ADD COLUMN code varchar(10);
ALTER TABLE users ALTER COLUMN code TYPE varchar(5);

-- case: type-int-to-text-known
-- expect: column-type-rewrite
ALTER TABLE users ADD COLUMN level integer;
ALTER TABLE users ALTER COLUMN level TYPE text;

-- case: type-timestamp-to-tz-not-utc
-- expect: column-type-rewrite
ALTER TABLE users ADD COLUMN seen timestamp;
ALTER TABLE users ALTER COLUMN seen TYPE timestamptz;

-- case: type-timestamp-to-tz-utc-pg11
-- expect: column-type-rewrite
-- pg: 11
SET TIME ZONE 'UTC';
ALTER TABLE users ADD COLUMN seen timestamp;
ALTER TABLE users ALTER COLUMN seen TYPE timestamptz;

-- case: type-numeric-scale-change
-- expect: column-type-rewrite
ALTER TABLE users ADD COLUMN balance numeric(10, 2);
ALTER TABLE users ALTER COLUMN balance TYPE numeric(12, 4);

-- case: drop-column
-- expect: drop-column
ALTER TABLE users DROP COLUMN legacy_flag;

-- case: drop-column-if-exists-cascade
-- expect: drop-column
ALTER TABLE users DROP COLUMN IF EXISTS legacy_flag CASCADE;

-- case: drop-column-laravel
-- expect: drop-column
alter table "users" drop column "votes";

-- case: rename-column
-- expect: rename-column
ALTER TABLE users RENAME COLUMN email TO email_address;

-- case: rename-column-laravel
-- expect: rename-column
alter table "users" rename column "from" to "to";

-- case: safe-add-column-nullable
-- expect: safe
ALTER TABLE users ADD COLUMN nickname text;

-- case: safe-add-column-null-explicit
-- expect: safe
ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname varchar(255) NULL;

-- case: safe-add-column-default-not-null
-- expect: safe
ALTER TABLE users ADD COLUMN score integer DEFAULT 0 NOT NULL;

-- case: safe-add-column-boolean-default
-- expect: safe
ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT false;

-- case: safe-add-column-now
-- expect: safe
ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

-- case: safe-add-column-current-timestamp
-- expect: safe
ALTER TABLE users ADD COLUMN updated_at timestamp(0) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL;

-- case: safe-add-column-jsonb-default
-- expect: safe
ALTER TABLE users ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb;

-- case: safe-add-column-array-default
-- expect: safe
ALTER TABLE users ADD COLUMN tags text[] DEFAULT ARRAY[]::text[];

-- case: safe-add-column-varchar-default-cast
-- expect: safe
ALTER TABLE users ADD COLUMN status character varying(20) DEFAULT 'active'::character varying NOT NULL;

-- case: safe-add-virtual-generated-pg18
-- expect: safe
-- pg: 18
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) VIRTUAL;

-- case: safe-django-add-field-default
-- expect: safe
BEGIN;
--
-- Add field score to player
--
ALTER TABLE "game_player" ADD COLUMN "score" integer DEFAULT 0 NOT NULL;
ALTER TABLE "game_player" ALTER COLUMN "score" DROP DEFAULT;
COMMIT;

-- case: safe-set-default
-- expect: safe
ALTER TABLE users ALTER COLUMN score SET DEFAULT 10;

-- case: safe-drop-default
-- expect: safe
ALTER TABLE users ALTER COLUMN score DROP DEFAULT;

-- case: safe-varchar-widening-known
-- expect: safe
ALTER TABLE users ADD COLUMN code varchar(100);
ALTER TABLE users ALTER COLUMN code TYPE varchar(200);

-- case: safe-varchar-to-text-known
-- expect: safe
ALTER TABLE users ADD COLUMN code varchar(20);
ALTER TABLE users ALTER COLUMN code TYPE text;

-- case: safe-numeric-precision-known
-- expect: safe
ALTER TABLE users ADD COLUMN balance numeric(10, 2);
ALTER TABLE users ALTER COLUMN balance TYPE numeric(12, 2);

-- case: safe-cidr-to-inet-known
-- expect: safe
ALTER TABLE hosts ADD COLUMN net cidr;
ALTER TABLE hosts ALTER COLUMN net TYPE inet;

-- case: safe-timestamptz-utc-pg15
-- expect: safe
SET TIME ZONE 'UTC';
ALTER TABLE users ADD COLUMN seen timestamp;
ALTER TABLE users ALTER COLUMN seen TYPE timestamptz;

-- case: safe-type-widening-unknown-is-warning
-- expect: safe
-- warn: column-type-rewrite
ALTER TABLE users ALTER COLUMN name TYPE varchar(500);

-- case: safe-set-statistics
-- expect: safe
ALTER TABLE users ALTER COLUMN email SET STATISTICS 1000;

-- case: safe-comment-column
-- expect: safe
COMMENT ON COLUMN users.email IS 'primary contact [verified]';

-- case: safe-json-is-warning
-- expect: safe
-- warn: json-column
ALTER TABLE users ADD COLUMN payload json;

-- case: safe-rename-column-new-table
-- expect: safe
CREATE TABLE drafts (id bigint, titel text);
ALTER TABLE drafts RENAME COLUMN titel TO title;
ALTER TABLE drafts ALTER COLUMN id TYPE integer;
ALTER TABLE drafts DROP COLUMN title;

-- case: safe-add-column-to-new-table-not-null
-- expect: safe
CREATE TABLE drafts (id bigint);
ALTER TABLE drafts ADD COLUMN body text NOT NULL;
ALTER TABLE drafts ADD COLUMN token uuid DEFAULT gen_random_uuid();
