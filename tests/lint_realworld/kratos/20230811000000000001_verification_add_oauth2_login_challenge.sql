-- source: https://github.com/ory/kratos/blob/b86338da04a040247a07f46100a86dcfb3875909/persistence/sql/migrations/sql/20230811000000000001_verification_add_oauth2_login_challenge.up.sql

ALTER TABLE selfservice_verification_flows ADD COLUMN oauth2_login_challenge TEXT NULL;
