-- source: https://github.com/mattermost/mattermost/blob/45b3110bf0701d44625d07c26a4be132172ad499/server/channels/db/migrations/postgres/000075_alter_upload_sessions_index.up.sql

DO $$
<<alter_index>>
DECLARE
    column_name text;
BEGIN
    select array_to_string(array_agg(a.attname), ', ') as column_name INTO column_name
    from
        pg_index ix,
        pg_attribute a
    where
        ix.indexrelid='idx_uploadsessions_user_id'::regclass
        and a.attrelid = ix.indrelid
        and a.attnum = ANY(ix.indkey);

    IF COALESCE (column_name, '') = text('type') THEN
-- nolint:concurrentIndex
        DROP INDEX IF EXISTS idx_uploadsessions_user_id;
-- nolint:concurrentIndex
        CREATE INDEX IF NOT EXISTS idx_uploadsessions_user_id on uploadsessions(userid);
    END IF;
END alter_index $$;
