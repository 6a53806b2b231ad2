-- source: https://github.com/authelia/authelia/blob/23572030b4048922a377ca40d59e804e0ed25fd7/internal/storage/migrations/postgres/V0022.OAuth2ConsentBinding.up.sql

ALTER TABLE oauth2_consent_session
    ADD COLUMN expires_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT '2000-01-01 00:00:00+00';
