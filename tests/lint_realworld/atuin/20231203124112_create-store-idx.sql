-- source: https://github.com/atuinsh/atuin/blob/824c8716d82bed774ee6a83c683087ae77715814/crates/atuin-server-postgres/migrations/20231203124112_create-store-idx.sql

-- Add migration script here
create unique index record_uniq ON store(user_id, host, tag, idx);
