-- source: https://github.com/ory/kratos/blob/b86338da04a040247a07f46100a86dcfb3875909/persistence/sql/migrations/sql/20200830172221000002_recovery_token_expires.postgres.up.sql

ALTER TABLE "identity_recovery_tokens" ALTER COLUMN "selfservice_recovery_flow_id" TYPE UUID, ALTER COLUMN "selfservice_recovery_flow_id" DROP NOT NULL;
