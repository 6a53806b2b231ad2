-- source: https://github.com/temporalio/temporal/blob/6805caea59e35d0611ed96be69641b8d86bff11c/schema/postgresql/v12/temporal/versioned/v1.7/tiered_storage_tasks.sql

CREATE TABLE tiered_storage_tasks(
  shard_id INTEGER NOT NULL,
  task_id BIGINT NOT NULL,
  --
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, task_id)
);
