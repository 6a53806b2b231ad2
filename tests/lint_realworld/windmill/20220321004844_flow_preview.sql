-- source: https://github.com/windmill-labs/windmill/blob/2e132878e466dd8c5a58a15455919312490f8707/backend/migrations/20220321004844_flow_preview.up.sql

-- Add up migration script here
ALTER TYPE JOB_KIND ADD VALUE 'flowpreview';
