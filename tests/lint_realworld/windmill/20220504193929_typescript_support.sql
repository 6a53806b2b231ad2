-- source: https://github.com/windmill-labs/windmill/blob/51a4cd359e52c71c90a87d0048db9c2ec897bd4b/backend/migrations/20220504193929_typescript_support.up.sql

-- Add up migration script here
CREATE TYPE SCRIPT_LANG AS ENUM ('python3', 'deno');

ALTER TABLE script
ADD COLUMN language SCRIPT_LANG NOT NULL DEFAULT 'python3';

ALTER TABLE queue
ADD COLUMN language SCRIPT_LANG NOT NULL DEFAULT 'python3';

ALTER TABLE completed_job
ADD COLUMN language SCRIPT_LANG NOT NULL DEFAULT 'python3';
