-- source: https://github.com/windmill-labs/windmill/blob/15ba17e379ce2351ef4463511e9b335b05a91480/backend/migrations/20230908155455_add_worker_group.up.sql

-- Add up migration script here
CREATE TABLE worker_group_config (
    name VARCHAR(255) PRIMARY KEY,
    config JSONB DEFAULT '{}'::jsonb
);

ALTER TABLE worker_ping ADD COLUMN worker_group VARCHAR(255) DEFAULT 'default';;
