-- source: https://github.com/windmill-labs/windmill/blob/b649fae0b0e0509bb569b08dc2a7a8565cd46617/backend/migrations/20231114161526_add_overquota.up.sql

-- Add up migration script here
alter table workspace add column is_overquota boolean not null default false;
