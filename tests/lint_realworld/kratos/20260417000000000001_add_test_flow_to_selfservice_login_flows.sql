-- source: https://github.com/ory/kratos/blob/b86338da04a040247a07f46100a86dcfb3875909/persistence/sql/migrations/sql/20260417000000000001_add_test_flow_to_selfservice_login_flows.up.sql

ALTER TABLE selfservice_login_flows ADD COLUMN test_flow BOOL;
