-- source: https://github.com/atuinsh/atuin/blob/824c8716d82bed774ee6a83c683087ae77715814/crates/atuin-server-postgres/migrations/20230315224203_create-deleted.sql

-- Add migration script here
alter table history add column if not exists deleted_at timestamp;

-- queries will all be selecting the ids of history for a user, that has been deleted
create index if not exists history_deleted_index on history(client_id, user_id, deleted_at);
