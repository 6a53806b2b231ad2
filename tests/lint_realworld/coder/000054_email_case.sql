-- source: https://github.com/coder/coder/blob/6f2a1369fc61450bc913548689ccb4ddd3ce7944/coderd/database/migrations/000054_email_case.up.sql

CREATE UNIQUE INDEX IF NOT EXISTS users_email_lower_idx ON users USING btree (lower(email)) WHERE (deleted = false);
