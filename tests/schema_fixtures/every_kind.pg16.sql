--
-- PostgreSQL database dump
--

\restrict gFm4HhUlpCDoXXO85RxAQ11FjU6LInSfjL4YIhNsOvBlqPvWHhmjDlceLqJQiY6

-- Dumped from database version 16.14
-- Dumped by pg_dump version 16.14

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: Odd [name]; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA "Odd [name]";


ALTER SCHEMA "Odd [name]" OWNER TO postgres;

--
-- Name: app; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA app;


ALTER SCHEMA app OWNER TO postgres;

--
-- Name: SCHEMA app; Type: COMMENT; Schema: -; Owner: postgres
--

COMMENT ON SCHEMA app IS 'application objects';


--
-- Name: vector; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;


--
-- Name: EXTENSION vector; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION vector IS 'vector data type and ivfflat and hnsw access methods';


--
-- Name: mood; Type: TYPE; Schema: app; Owner: postgres
--

CREATE TYPE app.mood AS ENUM (
    'sad',
    'ok',
    'happy'
);


ALTER TYPE app.mood OWNER TO postgres;

--
-- Name: pair; Type: TYPE; Schema: app; Owner: postgres
--

CREATE TYPE app.pair AS (
	a integer,
	b text
);


ALTER TYPE app.pair OWNER TO postgres;

--
-- Name: posint; Type: DOMAIN; Schema: app; Owner: postgres
--

CREATE DOMAIN app.posint AS integer NOT NULL DEFAULT 1
	CONSTRAINT posint_positive CHECK ((VALUE > 0));


ALTER DOMAIN app.posint OWNER TO postgres;

--
-- Name: add(integer, integer); Type: FUNCTION; Schema: app; Owner: postgres
--

CREATE FUNCTION app.add(a integer, b integer DEFAULT 1) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT
    AS $$SELECT a + b$$;


ALTER FUNCTION app.add(a integer, b integer) OWNER TO postgres;

--
-- Name: FUNCTION add(a integer, b integer); Type: COMMENT; Schema: app; Owner: postgres
--

COMMENT ON FUNCTION app.add(a integer, b integer) IS 'adds';


--
-- Name: noop(); Type: PROCEDURE; Schema: app; Owner: postgres
--

CREATE PROCEDURE app.noop()
    LANGUAGE sql
    AS $$ SELECT 1 $$;


ALTER PROCEDURE app.noop() OWNER TO postgres;

--
-- Name: touch(); Type: FUNCTION; Schema: app; Owner: postgres
--

CREATE FUNCTION app.touch() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.note := coalesce(NEW.note, '') || ' touched';
    RETURN NEW;
END $$;


ALTER FUNCTION app.touch() OWNER TO postgres;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: Mixed Case; Type: TABLE; Schema: Odd [name]; Owner: postgres
--

CREATE TABLE "Odd [name]"."Mixed Case" (
    "Weird [col]" integer,
    "select" text
);


ALTER TABLE "Odd [name]"."Mixed Case" OWNER TO postgres;

--
-- Name: invoice_no; Type: SEQUENCE; Schema: app; Owner: postgres
--

CREATE SEQUENCE app.invoice_no
    START WITH 1000
    INCREMENT BY 5
    NO MINVALUE
    NO MAXVALUE
    CACHE 10;


ALTER SEQUENCE app.invoice_no OWNER TO postgres;

--
-- Name: orders; Type: TABLE; Schema: app; Owner: phasetui_reader
--

CREATE TABLE app.orders (
    id integer NOT NULL,
    customer_id bigint NOT NULL,
    invoice integer DEFAULT nextval('app.invoice_no'::regclass),
    total numeric NOT NULL,
    status text DEFAULT 'new'::text NOT NULL,
    placed tsrange,
    note text
);
ALTER TABLE ONLY app.orders ALTER COLUMN id SET STATISTICS 500;


ALTER TABLE app.orders OWNER TO phasetui_reader;

--
-- Name: big_orders; Type: VIEW; Schema: app; Owner: postgres
--

CREATE VIEW app.big_orders AS
 SELECT id,
    customer_id,
    total
   FROM app.orders
  WHERE (total > (100)::numeric);


ALTER VIEW app.big_orders OWNER TO postgres;

--
-- Name: customers; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.customers (
    id bigint NOT NULL,
    email text NOT NULL,
    name character varying(200),
    mood app.mood DEFAULT 'ok'::app.mood,
    score numeric(10,2) DEFAULT 0,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    email_lower text GENERATED ALWAYS AS (lower(email)) STORED,
    tags text[] DEFAULT '{}'::text[],
    embedding public.vector(3),
    qty app.posint,
    CONSTRAINT customers_score_check CHECK ((score >= (0)::numeric))
);


ALTER TABLE app.customers OWNER TO postgres;

--
-- Name: TABLE customers; Type: COMMENT; Schema: app; Owner: postgres
--

COMMENT ON TABLE app.customers IS 'people who buy';


--
-- Name: COLUMN customers.email; Type: COMMENT; Schema: app; Owner: postgres
--

COMMENT ON COLUMN app.customers.email IS 'login, unique';


--
-- Name: customers_id_seq; Type: SEQUENCE; Schema: app; Owner: postgres
--

ALTER TABLE app.customers ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app.customers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: dupes; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.dupes (
    v integer
);


ALTER TABLE app.dupes OWNER TO postgres;

--
-- Name: events; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.events (
    id bigint NOT NULL,
    at date NOT NULL,
    kind text COLLATE pg_catalog."C",
    payload jsonb
)
PARTITION BY RANGE (at);


ALTER TABLE app.events OWNER TO postgres;

--
-- Name: events_2024; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.events_2024 (
    id bigint NOT NULL,
    at date NOT NULL,
    kind text COLLATE pg_catalog."C",
    payload jsonb
);


ALTER TABLE app.events_2024 OWNER TO postgres;

--
-- Name: events_2025; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.events_2025 (
    id bigint NOT NULL,
    at date NOT NULL,
    kind text COLLATE pg_catalog."C",
    payload jsonb
);


ALTER TABLE app.events_2025 OWNER TO postgres;

--
-- Name: events_default; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.events_default (
    id bigint NOT NULL,
    at date NOT NULL,
    kind text COLLATE pg_catalog."C",
    payload jsonb
);


ALTER TABLE app.events_default OWNER TO postgres;

--
-- Name: order_totals; Type: MATERIALIZED VIEW; Schema: app; Owner: postgres
--

CREATE MATERIALIZED VIEW app.order_totals AS
 SELECT customer_id,
    sum(total) AS total
   FROM app.orders
  GROUP BY customer_id
  WITH NO DATA;


ALTER MATERIALIZED VIEW app.order_totals OWNER TO postgres;

--
-- Name: orders_id_seq; Type: SEQUENCE; Schema: app; Owner: phasetui_reader
--

CREATE SEQUENCE app.orders_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE app.orders_id_seq OWNER TO phasetui_reader;

--
-- Name: orders_id_seq; Type: SEQUENCE OWNED BY; Schema: app; Owner: phasetui_reader
--

ALTER SEQUENCE app.orders_id_seq OWNED BY app.orders.id;


--
-- Name: events_2024; Type: TABLE ATTACH; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.events ATTACH PARTITION app.events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');


--
-- Name: events_2025; Type: TABLE ATTACH; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.events ATTACH PARTITION app.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');


--
-- Name: events_default; Type: TABLE ATTACH; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.events ATTACH PARTITION app.events_default DEFAULT;


--
-- Name: orders id; Type: DEFAULT; Schema: app; Owner: phasetui_reader
--

ALTER TABLE ONLY app.orders ALTER COLUMN id SET DEFAULT nextval('app.orders_id_seq'::regclass);


--
-- Name: customers customers_email_key; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.customers
    ADD CONSTRAINT customers_email_key UNIQUE (email);


--
-- Name: customers customers_pkey; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id, at);


--
-- Name: events_2024 events_2024_pkey; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.events_2024
    ADD CONSTRAINT events_2024_pkey PRIMARY KEY (id, at);


--
-- Name: events_2025 events_2025_pkey; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.events_2025
    ADD CONSTRAINT events_2025_pkey PRIMARY KEY (id, at);


--
-- Name: events_default events_default_pkey; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.events_default
    ADD CONSTRAINT events_default_pkey PRIMARY KEY (id, at);


--
-- Name: orders orders_invoice_key; Type: CONSTRAINT; Schema: app; Owner: phasetui_reader
--

ALTER TABLE ONLY app.orders
    ADD CONSTRAINT orders_invoice_key UNIQUE (invoice) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: orders orders_no_overlap; Type: CONSTRAINT; Schema: app; Owner: phasetui_reader
--

ALTER TABLE ONLY app.orders
    ADD CONSTRAINT orders_no_overlap EXCLUDE USING gist (placed WITH &&);


--
-- Name: orders orders_pkey; Type: CONSTRAINT; Schema: app; Owner: phasetui_reader
--

ALTER TABLE ONLY app.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);


--
-- Name: orders orders_total_check; Type: CHECK CONSTRAINT; Schema: app; Owner: phasetui_reader
--

ALTER TABLE app.orders
    ADD CONSTRAINT orders_total_check CHECK ((total >= (0)::numeric)) NOT VALID;


--
-- Name: events_kind_idx; Type: INDEX; Schema: app; Owner: postgres
--

CREATE INDEX events_kind_idx ON ONLY app.events USING btree (kind);


--
-- Name: events_2024_kind_idx; Type: INDEX; Schema: app; Owner: postgres
--

CREATE INDEX events_2024_kind_idx ON app.events_2024 USING btree (kind);


--
-- Name: events_payload_gin; Type: INDEX; Schema: app; Owner: postgres
--

CREATE INDEX events_payload_gin ON ONLY app.events USING gin (payload jsonb_path_ops);


--
-- Name: events_2024_payload_idx; Type: INDEX; Schema: app; Owner: postgres
--

CREATE INDEX events_2024_payload_idx ON app.events_2024 USING gin (payload jsonb_path_ops);


--
-- Name: events_2025_kind_idx; Type: INDEX; Schema: app; Owner: postgres
--

CREATE INDEX events_2025_kind_idx ON app.events_2025 USING btree (kind);


--
-- Name: events_2025_payload_idx; Type: INDEX; Schema: app; Owner: postgres
--

CREATE INDEX events_2025_payload_idx ON app.events_2025 USING gin (payload jsonb_path_ops);


--
-- Name: events_default_kind_idx; Type: INDEX; Schema: app; Owner: postgres
--

CREATE INDEX events_default_kind_idx ON app.events_default USING btree (kind);


--
-- Name: events_default_payload_idx; Type: INDEX; Schema: app; Owner: postgres
--

CREATE INDEX events_default_payload_idx ON app.events_default USING gin (payload jsonb_path_ops);


--
-- Name: order_totals_customer; Type: INDEX; Schema: app; Owner: postgres
--

CREATE UNIQUE INDEX order_totals_customer ON app.order_totals USING btree (customer_id);


--
-- Name: orders_cust_inv; Type: INDEX; Schema: app; Owner: phasetui_reader
--

CREATE UNIQUE INDEX orders_cust_inv ON app.orders USING btree (customer_id, invoice DESC NULLS LAST) INCLUDE (total);


--
-- Name: orders_lower_note_idx; Type: INDEX; Schema: app; Owner: phasetui_reader
--

CREATE INDEX orders_lower_note_idx ON app.orders USING btree (lower(note));


--
-- Name: orders_note_hash; Type: INDEX; Schema: app; Owner: phasetui_reader
--

CREATE INDEX orders_note_hash ON app.orders USING hash (note);


--
-- Name: orders_status_idx; Type: INDEX; Schema: app; Owner: phasetui_reader
--

CREATE INDEX orders_status_idx ON app.orders USING btree (status) WHERE (status <> 'done'::text);


--
-- Name: events_2024_kind_idx; Type: INDEX ATTACH; Schema: app; Owner: postgres
--

ALTER INDEX app.events_kind_idx ATTACH PARTITION app.events_2024_kind_idx;


--
-- Name: events_2024_payload_idx; Type: INDEX ATTACH; Schema: app; Owner: postgres
--

ALTER INDEX app.events_payload_gin ATTACH PARTITION app.events_2024_payload_idx;


--
-- Name: events_2024_pkey; Type: INDEX ATTACH; Schema: app; Owner: postgres
--

ALTER INDEX app.events_pkey ATTACH PARTITION app.events_2024_pkey;


--
-- Name: events_2025_kind_idx; Type: INDEX ATTACH; Schema: app; Owner: postgres
--

ALTER INDEX app.events_kind_idx ATTACH PARTITION app.events_2025_kind_idx;


--
-- Name: events_2025_payload_idx; Type: INDEX ATTACH; Schema: app; Owner: postgres
--

ALTER INDEX app.events_payload_gin ATTACH PARTITION app.events_2025_payload_idx;


--
-- Name: events_2025_pkey; Type: INDEX ATTACH; Schema: app; Owner: postgres
--

ALTER INDEX app.events_pkey ATTACH PARTITION app.events_2025_pkey;


--
-- Name: events_default_kind_idx; Type: INDEX ATTACH; Schema: app; Owner: postgres
--

ALTER INDEX app.events_kind_idx ATTACH PARTITION app.events_default_kind_idx;


--
-- Name: events_default_payload_idx; Type: INDEX ATTACH; Schema: app; Owner: postgres
--

ALTER INDEX app.events_payload_gin ATTACH PARTITION app.events_default_payload_idx;


--
-- Name: events_default_pkey; Type: INDEX ATTACH; Schema: app; Owner: postgres
--

ALTER INDEX app.events_pkey ATTACH PARTITION app.events_default_pkey;


--
-- Name: orders orders_touch; Type: TRIGGER; Schema: app; Owner: phasetui_reader
--

CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE OF note ON app.orders FOR EACH ROW WHEN ((new.total > (0)::numeric)) EXECUTE FUNCTION app.touch();


--
-- Name: orders orders_customer_fk; Type: FK CONSTRAINT; Schema: app; Owner: phasetui_reader
--

ALTER TABLE ONLY app.orders
    ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES app.customers(id) ON UPDATE RESTRICT ON DELETE CASCADE NOT VALID;


--
-- Name: customers; Type: ROW SECURITY; Schema: app; Owner: postgres
--

ALTER TABLE app.customers ENABLE ROW LEVEL SECURITY;

--
-- Name: customers own_rows; Type: POLICY; Schema: app; Owner: postgres
--

CREATE POLICY own_rows ON app.customers USING ((email = CURRENT_USER));


--
-- Name: SCHEMA app; Type: ACL; Schema: -; Owner: postgres
--

GRANT USAGE ON SCHEMA app TO phasetui_reader;


--
-- Name: FUNCTION add(a integer, b integer); Type: ACL; Schema: app; Owner: postgres
--

GRANT ALL ON FUNCTION app.add(a integer, b integer) TO phasetui_reader;


--
-- Name: FUNCTION touch(); Type: ACL; Schema: app; Owner: postgres
--

REVOKE ALL ON FUNCTION app.touch() FROM PUBLIC;


--
-- Name: TABLE customers; Type: ACL; Schema: app; Owner: postgres
--

GRANT SELECT ON TABLE app.customers TO phasetui_reader;


--
-- Name: COLUMN customers.id; Type: ACL; Schema: app; Owner: postgres
--

GRANT SELECT(id) ON TABLE app.customers TO PUBLIC;


--
-- Name: COLUMN customers.email; Type: ACL; Schema: app; Owner: postgres
--

GRANT SELECT(email) ON TABLE app.customers TO PUBLIC;


--
-- Name: COLUMN customers.name; Type: ACL; Schema: app; Owner: postgres
--

GRANT UPDATE(name) ON TABLE app.customers TO PUBLIC;


--
-- Name: DEFAULT PRIVILEGES FOR TABLES; Type: DEFAULT ACL; Schema: app; Owner: postgres
--

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA app GRANT SELECT ON TABLES TO phasetui_reader;


--
-- PostgreSQL database dump complete
--

\unrestrict gFm4HhUlpCDoXXO85RxAQ11FjU6LInSfjL4YIhNsOvBlqPvWHhmjDlceLqJQiY6

