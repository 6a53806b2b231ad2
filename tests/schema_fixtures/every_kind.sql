-- A schema using every object kind the SchemaModel knows (tests load it into a fresh database).
DO $$ BEGIN CREATE ROLE phasetui_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA app;
CREATE SCHEMA "Odd [name]";
CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;
COMMENT ON SCHEMA app IS 'application objects';

CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN app.posint AS integer NOT NULL DEFAULT 1 CONSTRAINT posint_positive CHECK (VALUE > 0);
CREATE TYPE app.pair AS (a integer, b text);
CREATE SEQUENCE app.invoice_no START 1000 INCREMENT 5 CACHE 10;

CREATE TABLE app.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name varchar(200),
    mood app.mood DEFAULT 'ok',
    score numeric(10, 2) DEFAULT 0 CHECK (score >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    email_lower text GENERATED ALWAYS AS (lower(email)) STORED,
    tags text[] DEFAULT '{}'::text[],
    embedding vector(3),
    qty app.posint,
    CONSTRAINT customers_email_key UNIQUE (email)
);
COMMENT ON TABLE app.customers IS 'people who buy';
COMMENT ON COLUMN app.customers.email IS 'login, unique';

CREATE TABLE app.orders (
    id serial PRIMARY KEY,
    customer_id bigint NOT NULL,
    invoice integer DEFAULT nextval('app.invoice_no'),
    total numeric NOT NULL,
    status text NOT NULL DEFAULT 'new',
    placed tsrange,
    note text
);
ALTER TABLE app.orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)
    REFERENCES app.customers (id) ON DELETE CASCADE ON UPDATE RESTRICT NOT VALID;
ALTER TABLE app.orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;
ALTER TABLE app.orders ADD CONSTRAINT orders_no_overlap EXCLUDE USING gist (placed WITH &&);
ALTER TABLE app.orders ADD CONSTRAINT orders_invoice_key UNIQUE (invoice) DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX orders_status_idx ON app.orders (status) WHERE status <> 'done';
CREATE INDEX orders_lower_note_idx ON app.orders (lower(note));
CREATE INDEX orders_note_hash ON app.orders USING hash (note);
CREATE UNIQUE INDEX orders_cust_inv ON app.orders (customer_id, invoice DESC NULLS LAST) INCLUDE (total);
ALTER TABLE app.orders ALTER COLUMN id SET STATISTICS 500;

CREATE TABLE app.events (
    id bigint NOT NULL,
    at date NOT NULL,
    kind text COLLATE "C",
    payload jsonb
) PARTITION BY RANGE (at);
ALTER TABLE app.events ADD CONSTRAINT events_pkey PRIMARY KEY (id, at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE app.events_default PARTITION OF app.events DEFAULT;
CREATE INDEX events_kind_idx ON app.events (kind);
CREATE INDEX events_payload_gin ON app.events USING gin (payload jsonb_path_ops);

CREATE TABLE "Odd [name]"."Mixed Case" ("Weird [col]" int, "select" text);

CREATE VIEW app.big_orders AS SELECT id, customer_id, total FROM app.orders WHERE total > 100;
CREATE MATERIALIZED VIEW app.order_totals AS
    SELECT customer_id, sum(total) AS total FROM app.orders GROUP BY customer_id WITH NO DATA;
CREATE UNIQUE INDEX order_totals_customer ON app.order_totals (customer_id);

CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := coalesce(NEW.note, '') || ' touched';
    RETURN NEW;
END $$;
CREATE FUNCTION app.add(a integer, b integer DEFAULT 1) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT AS 'SELECT a + b';
CREATE PROCEDURE app.noop() LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE OF note ON app.orders
    FOR EACH ROW WHEN (NEW.total > 0) EXECUTE FUNCTION app.touch();
COMMENT ON FUNCTION app.add(integer, integer) IS 'adds';

-- an INVALID index: a unique index over duplicates, built concurrently, fails and stays
CREATE TABLE app.dupes (v int);
INSERT INTO app.dupes VALUES (1), (1);

ALTER TABLE app.orders OWNER TO phasetui_reader;
GRANT USAGE ON SCHEMA app TO phasetui_reader;
GRANT SELECT ON app.customers TO phasetui_reader;
GRANT SELECT (id, email), UPDATE (name) ON app.customers TO PUBLIC;
GRANT EXECUTE ON FUNCTION app.add(integer, integer) TO phasetui_reader;
REVOKE ALL ON FUNCTION app.touch() FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO phasetui_reader;
CREATE POLICY own_rows ON app.customers USING (email = current_user);
ALTER TABLE app.customers ENABLE ROW LEVEL SECURITY;
