-- source: https://github.com/goharbor/harbor/blob/c50c7ddd6ea4e335a480b49c618281882ab7eec9/make/migrations/postgresql/0011_1.9.1_schema.up.sql

ALTER TABLE harbor_user ADD COLUMN password_version varchar(16) Default 'sha256';
UPDATE harbor_user SET password_version = 'sha1';
