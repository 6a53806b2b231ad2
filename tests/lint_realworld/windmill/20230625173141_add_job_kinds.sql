-- source: https://github.com/windmill-labs/windmill/blob/55734466dc3f712c69e63b5f45c0906b154e266a/backend/migrations/20230625173141_add_job_kinds.up.sql

-- Add up migration script here
ALTER TYPE JOB_KIND ADD VALUE IF NOT EXISTS 'http';
ALTER TYPE JOB_KIND ADD VALUE IF NOT EXISTS 'graphql';
ALTER TYPE JOB_KIND ADD VALUE IF NOT EXISTS 'postgresql';
