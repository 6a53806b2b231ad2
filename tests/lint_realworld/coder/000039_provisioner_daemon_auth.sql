-- source: https://github.com/coder/coder/blob/940f458df87a031f754ac54d70f3e1ac1e247b34/coderd/database/migrations/000039_provisioner_daemon_auth.up.sql

ALTER TABLE provisioner_daemons ADD COLUMN IF NOT EXISTS auth_token uuid;
