-- source: https://github.com/atuinsh/atuin/blob/824c8716d82bed774ee6a83c683087ae77715814/crates/atuin-server-postgres/migrations/20220426172813_user-created-at.sql

alter table users add column created_at timestamp not null default now();
