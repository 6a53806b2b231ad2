-- Cases for timeout-override: SQL that lifts the lock_timeout / statement_timeout phasetui
-- applies with (2s / 1min by default), from pg_dump headers, ORMs and hand-written files.

-- case: timeouts-pg-dump-header
-- expect: timeout-override
SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
ALTER TABLE public.users ADD COLUMN nickname text;

-- case: timeouts-lock-timeout-zero
-- expect: timeout-override
SET lock_timeout = 0;
ALTER TABLE users ADD COLUMN nickname text;

-- case: timeouts-lock-timeout-zero-string
-- expect: timeout-override
-- phase: expand
SET lock_timeout TO '0';
ALTER TABLE users ADD COLUMN nickname text;

-- case: timeouts-statement-timeout-zero
-- expect: timeout-override
-- phase: contract
SET statement_timeout = 0;
ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;

-- case: timeouts-set-local-one-minute
-- expect: timeout-override
BEGIN;
SET LOCAL lock_timeout = '1min';
ALTER TABLE users ADD COLUMN nickname text;
COMMIT;

-- case: timeouts-set-session-raised
-- expect: timeout-override
SET SESSION lock_timeout = '30s';
ALTER TABLE users ADD COLUMN nickname text;

-- case: timeouts-statement-timeout-raised-backfill
-- expect: timeout-override
-- phase: backfill
SET statement_timeout = '5min';
UPDATE users SET nickname = name WHERE id BETWEEN 1 AND 1000 AND nickname IS NULL;

-- case: timeouts-reset-lock-timeout
-- expect: timeout-override
RESET lock_timeout;
ALTER TABLE users ADD COLUMN nickname text;

-- case: timeouts-reset-statement-timeout
-- expect: timeout-override
SET statement_timeout = '30s';
RESET statement_timeout;

-- case: timeouts-set-default
-- expect: timeout-override
SET lock_timeout TO DEFAULT;

-- case: timeouts-reset-all
-- expect: timeout-override
-- phase: contract
RESET ALL;
ALTER TABLE users DROP COLUMN legacy;  -- phasetui: allow drop-column unused since v3

-- case: timeouts-discard-all
-- expect: timeout-override
DISCARD ALL;

-- case: timeouts-set-config-zero
-- expect: timeout-override
SELECT set_config('lock_timeout', '0', false);
ALTER TABLE users ADD COLUMN nickname text;

-- case: timeouts-set-config-local-raised
-- expect: timeout-override
BEGIN;
SELECT pg_catalog.set_config('statement_timeout', '10min', true);
ALTER TABLE users ADD COLUMN nickname text;
COMMIT;

-- case: timeouts-set-config-unknown-name
-- expect: timeout-override
SELECT set_config(name, '0', false) FROM pg_settings WHERE name LIKE '%timeout';

-- case: timeouts-do-block-set
-- expect: timeout-override
-- phase: expand
DO $$
BEGIN
  SET lock_timeout = 0;
  ALTER TABLE users ADD COLUMN nickname text;
END $$;

-- case: timeouts-do-block-perform-set-config
-- expect: timeout-override
DO $$
BEGIN
  PERFORM set_config('statement_timeout', '0', false);
END $$;

-- case: timeouts-do-block-dynamic
-- expect: timeout-override
DO $$
DECLARE wait text := '0';
BEGIN
  EXECUTE 'SET lock_timeout = ' || quote_literal(wait);
END $$;

-- case: timeouts-do-block-format
-- expect: timeout-override
DO $$
BEGIN
  EXECUTE format('SET LOCAL lock_timeout = %L', '10min');
END $$;

-- case: timeouts-function-set-option
-- expect: timeout-override
CREATE FUNCTION add_nickname() RETURNS void LANGUAGE sql SET lock_timeout = 0
AS 'ALTER TABLE users ADD COLUMN nickname text';

-- case: timeouts-safe-stricter
-- expect: safe
-- phase: expand
SET lock_timeout = '500ms';
SET statement_timeout = '30s';
ALTER TABLE users ADD COLUMN nickname text;

-- case: timeouts-safe-equal-local
-- expect: safe
-- nowarn: lock-timeout
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '1min';
ALTER TABLE users ADD COLUMN nickname text;
COMMIT;

-- case: timeouts-safe-other-timeouts
-- expect: safe
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET search_path = public;
RESET search_path;

-- case: timeouts-safe-set-config-other
-- expect: safe
-- phase: backfill
SELECT pg_catalog.set_config('search_path', '', false);
SELECT set_config('application_name', 'migration', false);

-- case: timeouts-safe-do-block-stricter
-- expect: safe
-- phase: contract
DO $$
BEGIN
  SET LOCAL lock_timeout = '1s';
  EXECUTE 'SET LOCAL statement_timeout = ''20s''';
END $$;

-- case: timeouts-safe-role-default
-- expect: safe
ALTER ROLE app_user SET lock_timeout = 0;
