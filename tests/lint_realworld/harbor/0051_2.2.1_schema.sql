-- source: https://github.com/goharbor/harbor/blob/c50c7ddd6ea4e335a480b49c618281882ab7eec9/make/migrations/postgresql/0051_2.2.1_schema.up.sql

/*fixes #14358*/
UPDATE execution SET status='Success' WHERE status='Succeed';

CREATE INDEX IF NOT EXISTS task_execution_id_idx ON task (execution_id);
