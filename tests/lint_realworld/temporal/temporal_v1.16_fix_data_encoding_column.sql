-- source: https://github.com/temporalio/temporal/blob/6805caea59e35d0611ed96be69641b8d86bff11c/schema/postgresql/v12/temporal/versioned/v1.16/fix_data_encoding_column.sql

ALTER TABLE current_executions DROP COLUMN data_encoding;
ALTER TABLE current_executions ADD COLUMN data_encoding VARCHAR(16) NOT NULL DEFAULT '';
