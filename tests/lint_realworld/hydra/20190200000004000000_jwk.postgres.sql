-- source: https://github.com/ory/hydra/blob/83127c5752d907f52dd5f048a734c596c4316477/persistence/sql/migrations/20190200000004000000_jwk.postgres.up.sql

ALTER TABLE hydra_jwk DROP CONSTRAINT hydra_jwk_pkey;
ALTER TABLE hydra_jwk ADD pk SERIAL;
ALTER TABLE hydra_jwk ADD PRIMARY KEY (pk);
CREATE UNIQUE INDEX hydra_jwk_idx_id_uq ON hydra_jwk (sid, kid);
