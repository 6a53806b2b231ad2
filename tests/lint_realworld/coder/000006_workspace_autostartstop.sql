-- source: https://github.com/coder/coder/blob/046c8aebc06f6d283426a4f917a7f6d96dc24f5b/coderd/database/migrations/000001-000100/000006_workspace_autostartstop.up.sql

ALTER TABLE ONLY workspaces
    ADD COLUMN IF NOT EXISTS autostart_schedule text DEFAULT NULL,
    ADD COLUMN IF NOT EXISTS autostop_schedule text DEFAULT NULL;
