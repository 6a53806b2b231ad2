-- source: https://github.com/coder/coder/blob/59bf259ec2a8bd905f32ed506711fd8fde39e0e4/coderd/database/migrations/000001-000100/000051_comment_on_api_key_secret.up.sql

COMMENT ON COLUMN api_keys.hashed_secret
IS 'hashed_secret contains a SHA256 hash of the key secret. This is considered a secret and MUST NOT be returned from the API as it is used for API key encryption in app proxying code.';
