-- source: https://github.com/temporalio/temporal/blob/6805caea59e35d0611ed96be69641b8d86bff11c/schema/postgresql/v12/visibility/versioned/v1.1/index.sql

CREATE INDEX by_close_time_by_status ON executions_visibility (namespace_id, close_time DESC, run_id, status);
