-- source: https://github.com/windmill-labs/windmill/blob/1bbc1c8afb6a745d66385ce94168292e0d424f76/backend/migrations/20230405071524_schedule_timezone.up.sql

ALTER TABLE schedule ADD COLUMN timezone VARCHAR(255) NOT NULL DEFAULT 'UTC';
ALTER TABLE schedule DROP COLUMN offset_;
