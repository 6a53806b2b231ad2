-- source: https://github.com/windmill-labs/windmill/blob/a27535f5032c0fdf618d15a87cc77c36180e8930/backend/migrations/20220508152326_create_role_if_not_exists.up.sql

-- Add up migration script here
DO
$do$
BEGIN
    IF NOT EXISTS (
        SELECT
        FROM   pg_catalog.pg_roles
        WHERE  rolname = 'app') THEN
        CREATE ROLE app LOGIN PASSWORD 'changeme';
    END IF;
END
$do$;

DO
$do$
BEGIN
    IF NOT EXISTS (
        SELECT
        FROM   pg_catalog.pg_roles
        WHERE  rolname = 'admin') THEN
        CREATE ROLE admin LOGIN PASSWORD 'changeme';
    END IF;
END
$do$;
