-- source: https://github.com/authelia/authelia/blob/23572030b4048922a377ca40d59e804e0ed25fd7/internal/storage/migrations/postgres/V0010.FixConsentIDNotNull.up.sql

ALTER TABLE oauth2_access_token_session ALTER COLUMN challenge_id DROP NOT NULL, ALTER COLUMN challenge_id SET DEFAULT NULL, ALTER COLUMN subject DROP NOT NULL, ALTER COLUMN subject SET DEFAULT NULL;
