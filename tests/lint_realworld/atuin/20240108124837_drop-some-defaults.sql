-- source: https://github.com/atuinsh/atuin/blob/824c8716d82bed774ee6a83c683087ae77715814/crates/atuin-server-postgres/migrations/20240108124837_drop-some-defaults.sql

-- Add migration script here
alter table history alter column user_id drop default;
alter table sessions alter column user_id drop default;
alter table total_history_count_user alter column user_id drop default;
