-- source: https://github.com/authelia/authelia/blob/23572030b4048922a377ca40d59e804e0ed25fd7/internal/storage/migrations/postgres/V0011.JWTProfileAccessToken.up.sql

ALTER TABLE oauth2_access_token_session ALTER COLUMN signature TYPE VARCHAR(768);
