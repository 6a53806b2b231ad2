-- source: https://github.com/ory/kratos/blob/b86338da04a040247a07f46100a86dcfb3875909/persistence/sql/migrations/sql/20210410175418000017_network.postgres.up.sql

UPDATE selfservice_errors SET nid = (SELECT id FROM networks LIMIT 1);
