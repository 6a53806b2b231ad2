-- source: https://github.com/temporalio/temporal/blob/6805caea59e35d0611ed96be69641b8d86bff11c/schema/postgresql/v12/temporal/versioned/v1.7/no_start_version.sql

ALTER TABLE current_executions ALTER COLUMN start_version SET DEFAULT 0;
