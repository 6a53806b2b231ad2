-- source: https://github.com/ory/hydra/blob/83127c5752d907f52dd5f048a734c596c4316477/persistence/sql/migrations/20190100000002000000_client.up.sql

ALTER TABLE hydra_client ADD client_secret_expires_at INTEGER NOT NULL DEFAULT 0;
