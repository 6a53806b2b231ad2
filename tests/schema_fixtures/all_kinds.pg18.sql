--
-- PostgreSQL database dump
--

\restrict a92BrJBswamaeLIJxG4FhC8zqRGCLi1yXfv0v7c1hfpKnEyxoQQ6beYWlwti6hb

-- Dumped from database version 18.4
-- Dumped by pg_dump version 18.4

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: 50% "q" ü.x; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA "50% ""q"" ü.x";


ALTER SCHEMA "50% ""q"" ü.x" OWNER TO postgres;

--
-- Name: My Schema; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA "My Schema";


ALTER SCHEMA "My Schema" OWNER TO postgres;

--
-- Name: SCHEMA "My Schema"; Type: COMMENT; Schema: -; Owner: postgres
--

COMMENT ON SCHEMA "My Schema" IS 'spaced';


--
-- Name: Odd [name]; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA "Odd [name]";


ALTER SCHEMA "Odd [name]" OWNER TO postgres;

--
-- Name: UPPER; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA "UPPER";


ALTER SCHEMA "UPPER" OWNER TO postgres;

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
-- Name: inh; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA inh;


ALTER SCHEMA inh OWNER TO postgres;

--
-- Name: Coll C; Type: COLLATION; Schema: My Schema; Owner: postgres
--

CREATE COLLATION "My Schema"."Coll C" (provider = libc, locale = 'C');


ALTER COLLATION "My Schema"."Coll C" OWNER TO postgres;

--
-- Name: Builtin; Type: COLLATION; Schema: UPPER; Owner: postgres
--

CREATE COLLATION "UPPER"."Builtin" (provider = builtin, locale = 'C.UTF-8');


ALTER COLLATION "UPPER"."Builtin" OWNER TO postgres;

--
-- Name: posix2; Type: COLLATION; Schema: UPPER; Owner: Role With Space
--

CREATE COLLATION "UPPER".posix2 (provider = libc, lc_collate = 'POSIX', lc_ctype = 'C');


ALTER COLLATION "UPPER".posix2 OWNER TO "Role With Space";

--
-- Name: COLLATION posix2; Type: COMMENT; Schema: UPPER; Owner: Role With Space
--

COMMENT ON COLLATION "UPPER".posix2 IS 'two locales';


--
-- Name: vector; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;


--
-- Name: EXTENSION vector; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION vector IS 'vector data type and ivfflat and hnsw access methods';


--
-- Name: Pos Int; Type: DOMAIN; Schema: 50% "q" ü.x; Owner: postgres
--

CREATE DOMAIN "50% ""q"" ü.x"."Pos Int" AS integer
	CONSTRAINT "must be > 0" CHECK ((VALUE > 0));


ALTER DOMAIN "50% ""q"" ü.x"."Pos Int" OWNER TO postgres;

--
-- Name: Mood Type; Type: TYPE; Schema: My Schema; Owner: postgres
--

CREATE TYPE "My Schema"."Mood Type" AS ENUM (
    'a b',
    'It''s',
    'Ünï'
);


ALTER TYPE "My Schema"."Mood Type" OWNER TO postgres;

--
-- Name: Pair; Type: TYPE; Schema: UPPER; Owner: postgres
--

CREATE TYPE "UPPER"."Pair" AS (
	"X Y" integer,
	"Ü" text COLLATE pg_catalog."C"
);


ALTER TYPE "UPPER"."Pair" OWNER TO postgres;

--
-- Name: Txt; Type: DOMAIN; Schema: UPPER; Owner: postgres
--

CREATE DOMAIN "UPPER"."Txt" AS text COLLATE "My Schema"."Coll C" DEFAULT 'x'::text;


ALTER DOMAIN "UPPER"."Txt" OWNER TO postgres;

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
-- Name: rng; Type: TYPE; Schema: public; Owner: postgres
--

CREATE TYPE public.rng AS RANGE (
    subtype = double precision,
    multirange_type_name = public.rng_multirange
);


ALTER TYPE public.rng OWNER TO postgres;

--
-- Name: Fn Name(integer, text); Type: FUNCTION; Schema: My Schema; Owner: postgres
--

CREATE FUNCTION "My Schema"."Fn Name"("A B" integer, "c%" text DEFAULT 'x, y'::text) RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT 1 $$;


ALTER FUNCTION "My Schema"."Fn Name"("A B" integer, "c%" text) OWNER TO postgres;

--
-- Name: FUNCTION "Fn Name"("A B" integer, "c%" text); Type: COMMENT; Schema: My Schema; Owner: postgres
--

COMMENT ON FUNCTION "My Schema"."Fn Name"("A B" integer, "c%" text) IS 'fn';


--
-- Name: Trig Fn(); Type: FUNCTION; Schema: UPPER; Owner: postgres
--

CREATE FUNCTION "UPPER"."Trig Fn"() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN RETURN NEW; END $$;


ALTER FUNCTION "UPPER"."Trig Fn"() OWNER TO postgres;

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

--
-- Name: atomic_f(integer); Type: FUNCTION; Schema: public; Owner: postgres
--

CREATE FUNCTION public.atomic_f(a integer) RETURNS integer
    LANGUAGE sql
    BEGIN ATOMIC
 SELECT (a + 1);
 SELECT (a + 2);
END;


ALTER FUNCTION public.atomic_f(a integer) OWNER TO postgres;

--
-- Name: outp(integer, integer); Type: FUNCTION; Schema: public; Owner: postgres
--

CREATE FUNCTION public.outp(a integer, OUT b integer, INOUT c integer) RETURNS record
    LANGUAGE sql
    AS $$SELECT a, c$$;


ALTER FUNCTION public.outp(a integer, OUT b integer, INOUT c integer) OWNER TO postgres;

--
-- Name: secdef(); Type: FUNCTION; Schema: public; Owner: postgres
--

CREATE FUNCTION public.secdef() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER COST 10 PARALLEL SAFE
    SET search_path TO 'public', 'pg_temp'
    AS $$ BEGIN PERFORM 1; END $$;


ALTER FUNCTION public.secdef() OWNER TO postgres;

--
-- Name: setof_f(); Type: FUNCTION; Schema: public; Owner: postgres
--

CREATE FUNCTION public.setof_f() RETURNS SETOF integer
    LANGUAGE sql
    AS $$ SELECT 1 $$;


ALTER FUNCTION public.setof_f() OWNER TO postgres;

--
-- Name: tab_f(); Type: FUNCTION; Schema: public; Owner: postgres
--

CREATE FUNCTION public.tab_f() RETURNS TABLE(x integer, y text)
    LANGUAGE sql STABLE
    AS $$ SELECT 1, 'a' $$;


ALTER FUNCTION public.tab_f() OWNER TO postgres;

--
-- Name: trg(); Type: FUNCTION; Schema: public; Owner: postgres
--

CREATE FUNCTION public.trg() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN RETURN NEW; END $$;


ALTER FUNCTION public.trg() OWNER TO postgres;

--
-- Name: mysum(integer); Type: AGGREGATE; Schema: public; Owner: postgres
--

CREATE AGGREGATE public.mysum(integer) (
    SFUNC = int4pl,
    STYPE = integer
);


ALTER AGGREGATE public.mysum(integer) OWNER TO postgres;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: Big Table; Type: TABLE; Schema: My Schema; Owner: Role With Space
--

CREATE TABLE "My Schema"."Big Table" (
    "Id" integer NOT NULL,
    "50% off" text COLLATE "My Schema"."Coll C",
    "it""s" integer,
    "ünï" text COLLATE pg_catalog."C",
    "CamelCol" "My Schema"."Mood Type",
    v text CONSTRAINT "NN v" NOT NULL,
    "select" integer,
    "a.b" "50% ""q"" ü.x"."Pos Int",
    "%s" "UPPER"."Txt",
    CONSTRAINT "UPPER" CHECK ((v <> ''::text)),
    CONSTRAINT "has space" CHECK (("Id" > 0)),
    CONSTRAINT "it's ""q""" CHECK (("select" IS DISTINCT FROM 13))
);


ALTER TABLE "My Schema"."Big Table" OWNER TO "Role With Space";

--
-- Name: TABLE "Big Table"; Type: COMMENT; Schema: My Schema; Owner: Role With Space
--

COMMENT ON TABLE "My Schema"."Big Table" IS 'a "big" one';


--
-- Name: COLUMN "Big Table"."50% off"; Type: COMMENT; Schema: My Schema; Owner: Role With Space
--

COMMENT ON COLUMN "My Schema"."Big Table"."50% off" IS 'pct IS ''it''';


--
-- Name: CONSTRAINT "has space" ON "Big Table"; Type: COMMENT; Schema: My Schema; Owner: Role With Space
--

COMMENT ON CONSTRAINT "has space" ON "My Schema"."Big Table" IS 'spacey';


--
-- Name: CONSTRAINT "it's ""q""" ON "Big Table"; Type: COMMENT; Schema: My Schema; Owner: Role With Space
--

COMMENT ON CONSTRAINT "it's ""q""" ON "My Schema"."Big Table" IS 'quoted';


--
-- Name: Big Table_Id_seq; Type: SEQUENCE; Schema: My Schema; Owner: Role With Space
--

ALTER TABLE "My Schema"."Big Table" ALTER COLUMN "Id" ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME "My Schema"."Big Table_Id_seq"
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: Seq %s; Type: SEQUENCE; Schema: My Schema; Owner: Role With Space
--

CREATE SEQUENCE "My Schema"."Seq %s"
    START WITH 7
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE "My Schema"."Seq %s" OWNER TO "Role With Space";

--
-- Name: Seq %s; Type: SEQUENCE OWNED BY; Schema: My Schema; Owner: Role With Space
--

ALTER SEQUENCE "My Schema"."Seq %s" OWNED BY "My Schema"."Big Table"."it""s";


--
-- Name: View "Q"; Type: VIEW; Schema: My Schema; Owner: postgres
--

CREATE VIEW "My Schema"."View ""Q""" AS
 SELECT "Id",
    "50% off"
   FROM "My Schema"."Big Table";


ALTER VIEW "My Schema"."View ""Q""" OWNER TO postgres;

--
-- Name: Mixed Case; Type: TABLE; Schema: Odd [name]; Owner: postgres
--

CREATE TABLE "Odd [name]"."Mixed Case" (
    "Weird [col]" integer,
    "select" text
);


ALTER TABLE "Odd [name]"."Mixed Case" OWNER TO postgres;

--
-- Name: MV 1; Type: MATERIALIZED VIEW; Schema: UPPER; Owner: postgres
--

CREATE MATERIALIZED VIEW "UPPER"."MV 1" AS
 SELECT 1 AS "One"
  WITH NO DATA;


ALTER MATERIALIZED VIEW "UPPER"."MV 1" OWNER TO postgres;

--
-- Name: Ref Table; Type: TABLE; Schema: UPPER; Owner: postgres
--

CREATE TABLE "UPPER"."Ref Table" (
    id integer,
    ref integer
);


ALTER TABLE "UPPER"."Ref Table" OWNER TO postgres;

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
    id bigint CONSTRAINT events_id_not_null NOT NULL,
    at date CONSTRAINT events_at_not_null NOT NULL,
    kind text COLLATE pg_catalog."C",
    payload jsonb
);


ALTER TABLE app.events_2024 OWNER TO postgres;

--
-- Name: events_2025; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.events_2025 (
    id bigint CONSTRAINT events_id_not_null NOT NULL,
    at date CONSTRAINT events_at_not_null NOT NULL,
    kind text COLLATE pg_catalog."C",
    payload jsonb
);


ALTER TABLE app.events_2025 OWNER TO postgres;

--
-- Name: events_default; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.events_default (
    id bigint CONSTRAINT events_id_not_null NOT NULL,
    at date CONSTRAINT events_at_not_null NOT NULL,
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
-- Name: bc; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.bc (
    t text COLLATE "UPPER"."Builtin"
);


ALTER TABLE inh.bc OWNER TO postgres;

--
-- Name: par; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.par (
    id integer,
    v text DEFAULT 'pv'::text,
    w integer DEFAULT 3,
    z integer NOT NULL,
    s text COLLATE pg_catalog."C",
    late integer
);


ALTER TABLE inh.par OWNER TO postgres;

--
-- Name: chi; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.chi (
    NOT NULL id,
    w integer DEFAULT 9,
    extra integer
)
INHERITS (inh.par);
ALTER TABLE ONLY inh.chi ALTER COLUMN s SET STORAGE MAIN;


ALTER TABLE inh.chi OWNER TO postgres;

--
-- Name: COLUMN chi.v; Type: COMMENT; Schema: inh; Owner: postgres
--

COMMENT ON COLUMN inh.chi.v IS 'inherited, commented';


--
-- Name: chi2; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.chi2 (
)
INHERITS (inh.par);


ALTER TABLE inh.chi2 OWNER TO postgres;

--
-- Name: grandchild; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.grandchild (
    g integer
)
INHERITS (inh.chi);
ALTER TABLE ONLY inh.grandchild ALTER COLUMN s SET STORAGE MAIN;


ALTER TABLE inh.grandchild OWNER TO postgres;

--
-- Name: ids; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.ids (
    a smallint NOT NULL,
    b integer NOT NULL,
    c bigint NOT NULL,
    d integer NOT NULL,
    e smallint NOT NULL
);

ALTER TABLE ONLY inh.ids REPLICA IDENTITY NOTHING;


ALTER TABLE inh.ids OWNER TO postgres;

--
-- Name: ids_a_seq; Type: SEQUENCE; Schema: inh; Owner: postgres
--

ALTER TABLE inh.ids ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME inh.ids_a_seq
    START WITH 5
    INCREMENT BY 3
    NO MINVALUE
    MAXVALUE 1000
    CACHE 2
    CYCLE
);


--
-- Name: ids_b_seq; Type: SEQUENCE; Schema: inh; Owner: postgres
--

ALTER TABLE inh.ids ALTER COLUMN b ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME inh.ids_b_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: ids_c_seq; Type: SEQUENCE; Schema: inh; Owner: postgres
--

ALTER TABLE inh.ids ALTER COLUMN c ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME inh.ids_c_seq
    START WITH -10
    INCREMENT BY 1
    MINVALUE -10
    NO MAXVALUE
    CACHE 1
);


--
-- Name: ids_d_seq; Type: SEQUENCE; Schema: inh; Owner: postgres
--

ALTER TABLE inh.ids ALTER COLUMN d ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME inh.ids_d_seq
    START WITH -1
    INCREMENT BY -1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: ids_e_seq; Type: SEQUENCE; Schema: inh; Owner: postgres
--

ALTER TABLE inh.ids ALTER COLUMN e ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME inh.ids_e_seq
    START WITH 0
    INCREMENT BY 1
    MINVALUE 0
    MAXVALUE 100
    CACHE 1
);


--
-- Name: par2; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.par2 (
    q integer DEFAULT 7,
    z integer
);


ALTER TABLE inh.par2 OWNER TO postgres;

--
-- Name: multi; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.multi (
    own integer
)
INHERITS (inh.par, inh.par2);


ALTER TABLE inh.multi OWNER TO postgres;

--
-- Name: noinh; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.noinh (
    a integer NOT NULL NO INHERIT,
    b integer
);


ALTER TABLE inh.noinh OWNER TO postgres;

--
-- Name: noinh_child; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.noinh_child (
)
INHERITS (inh.noinh);


ALTER TABLE inh.noinh_child OWNER TO postgres;

--
-- Name: nv; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.nv (
    a integer,
    b integer CONSTRAINT "B nn" NOT NULL,
    c integer
);


ALTER TABLE inh.nv OWNER TO postgres;

--
-- Name: nv_child; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.nv_child (
    CONSTRAINT nv_a_nn NOT NULL a
)
INHERITS (inh.nv);


ALTER TABLE inh.nv_child OWNER TO postgres;

--
-- Name: ord; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.ord (
    a integer,
    c integer,
    b integer
);


ALTER TABLE inh.ord OWNER TO postgres;

--
-- Name: pt; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.pt (
    id integer NOT NULL,
    k integer NOT NULL,
    v text DEFAULT 'x'::text,
    w integer,
    i bigint NOT NULL
)
PARTITION BY LIST (k);


ALTER TABLE inh.pt OWNER TO postgres;

--
-- Name: pt_id_seq; Type: SEQUENCE; Schema: inh; Owner: postgres
--

CREATE SEQUENCE inh.pt_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE inh.pt_id_seq OWNER TO postgres;

--
-- Name: pt_id_seq; Type: SEQUENCE OWNED BY; Schema: inh; Owner: postgres
--

ALTER SEQUENCE inh.pt_id_seq OWNED BY inh.pt.id;


--
-- Name: pt1; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.pt1 (
    id integer DEFAULT nextval('inh.pt_id_seq'::regclass) CONSTRAINT pt_id_not_null NOT NULL,
    k integer CONSTRAINT pt_k_not_null NOT NULL,
    v text DEFAULT NULL,
    w integer DEFAULT 5,
    i bigint CONSTRAINT pt_i_not_null NOT NULL
);


ALTER TABLE inh.pt1 OWNER TO postgres;

--
-- Name: pt2; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.pt2 (
    id integer DEFAULT nextval('inh.pt_id_seq'::regclass) CONSTRAINT pt_id_not_null NOT NULL,
    k integer CONSTRAINT pt_k_not_null NOT NULL,
    v text DEFAULT 'x'::text NOT NULL,
    w integer,
    i bigint CONSTRAINT pt_i_not_null NOT NULL
);


ALTER TABLE inh.pt2 OWNER TO postgres;

--
-- Name: pt3; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.pt3 (
    w integer,
    k integer NOT NULL,
    v text DEFAULT NULL,
    i bigint NOT NULL,
    id integer DEFAULT NULL NOT NULL
);


ALTER TABLE inh.pt3 OWNER TO postgres;

--
-- Name: pt_i_seq; Type: SEQUENCE; Schema: inh; Owner: postgres
--

ALTER TABLE inh.pt ALTER COLUMN i ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME inh.pt_i_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: st; Type: TABLE; Schema: inh; Owner: postgres
--

CREATE TABLE inh.st (
    a text,
    b text,
    c text,
    d integer
);
ALTER TABLE ONLY inh.st ALTER COLUMN a SET STORAGE EXTERNAL;
ALTER TABLE ONLY inh.st ALTER COLUMN b SET COMPRESSION pglz;
ALTER TABLE ONLY inh.st ALTER COLUMN c SET (n_distinct=100);
ALTER TABLE ONLY inh.st ALTER COLUMN d SET STATISTICS 42;

ALTER TABLE ONLY inh.st REPLICA IDENTITY FULL;


ALTER TABLE inh.st OWNER TO postgres;

--
-- Name: CamelCase; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public."CamelCase" (
    "Id" integer,
    "select" integer,
    "user" text
);


ALTER TABLE public."CamelCase" OWNER TO postgres;

--
-- Name: parent; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.parent (
    id integer,
    v text
);


ALTER TABLE public.parent OWNER TO postgres;

--
-- Name: COLUMN parent.v; Type: COMMENT; Schema: public; Owner: postgres
--

COMMENT ON COLUMN public.parent.v IS 'it''s "quoted" [x]';


--
-- Name: child; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.child (
    extra integer
)
INHERITS (public.parent);


ALTER TABLE public.child OWNER TO postgres;

--
-- Name: co; Type: VIEW; Schema: public; Owner: postgres
--

CREATE VIEW public.co AS
 SELECT id
   FROM public.parent
  WHERE (id > 0)
  WITH CASCADED CHECK OPTION;


ALTER VIEW public.co OWNER TO postgres;

--
-- Name: cte; Type: VIEW; Schema: public; Owner: postgres
--

CREATE VIEW public.cte AS
 WITH x AS (
         SELECT 1 AS a
        )
 SELECT a
   FROM x;


ALTER VIEW public.cte OWNER TO postgres;

--
-- Name: d; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.d (
    a text,
    b character varying,
    c numeric DEFAULT '-1'::integer,
    e integer[] DEFAULT ARRAY[1, 2],
    f bit varying(5),
    g "char",
    h timestamp(3) without time zone
);


ALTER TABLE public.d OWNER TO postgres;

--
-- Name: down; Type: SEQUENCE; Schema: public; Owner: postgres
--

CREATE SEQUENCE public.down
    START WITH -1
    INCREMENT BY -1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
    CYCLE;


ALTER SEQUENCE public.down OWNER TO postgres;

--
-- Name: fkp; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.fkp (
    id integer NOT NULL
);


ALTER TABLE public.fkp OWNER TO postgres;

--
-- Name: gen; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.gen (
    a integer,
    b integer GENERATED ALWAYS AS ((a * 2)),
    c bigint NOT NULL
);


ALTER TABLE public.gen OWNER TO postgres;

--
-- Name: gen_c_seq; Type: SEQUENCE; Schema: public; Owner: postgres
--

ALTER TABLE public.gen ALTER COLUMN c ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.gen_c_seq
    START WITH 5
    INCREMENT BY 2
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: p; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.p (
    k integer,
    v integer,
    CONSTRAINT p_v_check CHECK ((v > '-100'::integer))
)
PARTITION BY LIST (k);


ALTER TABLE public.p OWNER TO postgres;

--
-- Name: CONSTRAINT p_v_check ON p; Type: COMMENT; Schema: public; Owner: postgres
--

COMMENT ON CONSTRAINT p_v_check ON public.p IS 'neg';


--
-- Name: p1; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.p1 (
    k integer,
    v integer,
    CONSTRAINT p_v_check CHECK ((v > '-100'::integer))
)
PARTITION BY RANGE (v);


ALTER TABLE public.p1 OWNER TO postgres;

--
-- Name: p1a; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.p1a (
    k integer,
    v integer,
    CONSTRAINT p_v_check CHECK ((v > '-100'::integer))
);


ALTER TABLE public.p1a OWNER TO postgres;

--
-- Name: sb; Type: VIEW; Schema: public; Owner: postgres
--

CREATE VIEW public.sb WITH (security_barrier='true') AS
 SELECT 1 AS one;


ALTER VIEW public.sb OWNER TO postgres;

--
-- Name: ul; Type: TABLE; Schema: public; Owner: postgres
--

CREATE UNLOGGED TABLE public.ul (
    a integer
)
WITH (fillfactor='70', autovacuum_enabled='false');


ALTER TABLE public.ul OWNER TO postgres;

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
-- Name: pt1; Type: TABLE ATTACH; Schema: inh; Owner: postgres
--

ALTER TABLE ONLY inh.pt ATTACH PARTITION inh.pt1 FOR VALUES IN (1);


--
-- Name: pt2; Type: TABLE ATTACH; Schema: inh; Owner: postgres
--

ALTER TABLE ONLY inh.pt ATTACH PARTITION inh.pt2 FOR VALUES IN (2);


--
-- Name: pt3; Type: TABLE ATTACH; Schema: inh; Owner: postgres
--

ALTER TABLE ONLY inh.pt ATTACH PARTITION inh.pt3 FOR VALUES IN (3);


--
-- Name: p1; Type: TABLE ATTACH; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.p ATTACH PARTITION public.p1 FOR VALUES IN (1, 2);


--
-- Name: p1a; Type: TABLE ATTACH; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.p1 ATTACH PARTITION public.p1a FOR VALUES FROM (0) TO (10);


--
-- Name: Big Table it"s; Type: DEFAULT; Schema: My Schema; Owner: Role With Space
--

ALTER TABLE ONLY "My Schema"."Big Table" ALTER COLUMN "it""s" SET DEFAULT nextval('"My Schema"."Seq %s"'::regclass);


--
-- Name: orders id; Type: DEFAULT; Schema: app; Owner: phasetui_reader
--

ALTER TABLE ONLY app.orders ALTER COLUMN id SET DEFAULT nextval('app.orders_id_seq'::regclass);


--
-- Name: chi v; Type: DEFAULT; Schema: inh; Owner: postgres
--

ALTER TABLE ONLY inh.chi ALTER COLUMN v SET DEFAULT 'child'::text;


--
-- Name: chi2 v; Type: DEFAULT; Schema: inh; Owner: postgres
--

ALTER TABLE ONLY inh.chi2 ALTER COLUMN v SET DEFAULT 'pv'::text;


--
-- Name: chi2 w; Type: DEFAULT; Schema: inh; Owner: postgres
--

ALTER TABLE ONLY inh.chi2 ALTER COLUMN w SET DEFAULT NULL;


--
-- Name: grandchild v; Type: DEFAULT; Schema: inh; Owner: postgres
--

ALTER TABLE ONLY inh.grandchild ALTER COLUMN v SET DEFAULT NULL;


--
-- Name: grandchild w; Type: DEFAULT; Schema: inh; Owner: postgres
--

ALTER TABLE ONLY inh.grandchild ALTER COLUMN w SET DEFAULT 9;


--
-- Name: multi v; Type: DEFAULT; Schema: inh; Owner: postgres
--

ALTER TABLE ONLY inh.multi ALTER COLUMN v SET DEFAULT 'pv'::text;


--
-- Name: multi w; Type: DEFAULT; Schema: inh; Owner: postgres
--

ALTER TABLE ONLY inh.multi ALTER COLUMN w SET DEFAULT 3;


--
-- Name: multi q; Type: DEFAULT; Schema: inh; Owner: postgres
--

ALTER TABLE ONLY inh.multi ALTER COLUMN q SET DEFAULT 7;


--
-- Name: pt id; Type: DEFAULT; Schema: inh; Owner: postgres
--

ALTER TABLE ONLY inh.pt ALTER COLUMN id SET DEFAULT nextval('inh.pt_id_seq'::regclass);


--
-- Name: Big Table Big PK; Type: CONSTRAINT; Schema: My Schema; Owner: Role With Space
--

ALTER TABLE ONLY "My Schema"."Big Table"
    ADD CONSTRAINT "Big PK" PRIMARY KEY ("Id");

ALTER TABLE ONLY "My Schema"."Big Table" REPLICA IDENTITY USING INDEX "Big PK";


--
-- Name: Big Table uniq %; Type: CONSTRAINT; Schema: My Schema; Owner: Role With Space
--

ALTER TABLE ONLY "My Schema"."Big Table"
    ADD CONSTRAINT "uniq %" UNIQUE ("it""s");


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
-- Name: nv nv_a_nn; Type: CONSTRAINT; Schema: inh; Owner: postgres
--

ALTER TABLE inh.nv
    ADD CONSTRAINT nv_a_nn NOT NULL a NOT VALID;


--
-- Name: fkp fkp_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.fkp
    ADD CONSTRAINT fkp_pkey PRIMARY KEY (id);


--
-- Name: INDEX "Big PK"; Type: COMMENT; Schema: My Schema; Owner: Role With Space
--

COMMENT ON INDEX "My Schema"."Big PK" IS 'pk index';


--
-- Name: My Idx; Type: INDEX; Schema: My Schema; Owner: Role With Space
--

CREATE INDEX "My Idx" ON "My Schema"."Big Table" USING btree ("50% off");

ALTER TABLE "My Schema"."Big Table" CLUSTER ON "My Idx";


--
-- Name: INDEX "My Idx"; Type: COMMENT; Schema: My Schema; Owner: Role With Space
--

COMMENT ON INDEX "My Schema"."My Idx" IS 'idx';


--
-- Name: UPPER_IDX; Type: INDEX; Schema: My Schema; Owner: Role With Space
--

CREATE INDEX "UPPER_IDX" ON "My Schema"."Big Table" USING btree (lower(v)) INCLUDE ("select") WHERE ("select" > 0);


--
-- Name: a.b idx; Type: INDEX; Schema: My Schema; Owner: Role With Space
--

CREATE INDEX "a.b idx" ON "My Schema"."Big Table" USING btree ("a.b") WHERE (("%s")::text <> 'x ON y'::text);


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
-- Name: Camel_idx; Type: INDEX; Schema: public; Owner: postgres
--

CREATE INDEX "Camel_idx" ON public."CamelCase" USING btree ("Id") WITH (fillfactor='50');


--
-- Name: INDEX fkp_pkey; Type: COMMENT; Schema: public; Owner: postgres
--

COMMENT ON INDEX public.fkp_pkey IS 'pk index';


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
-- Name: ul r; Type: RULE; Schema: public; Owner: postgres
--

CREATE RULE r AS
    ON INSERT TO public.ul DO INSTEAD NOTHING;


--
-- Name: Big Table ON x; Type: TRIGGER; Schema: My Schema; Owner: Role With Space
--

CREATE TRIGGER "ON x" AFTER INSERT ON "My Schema"."Big Table" FOR EACH ROW EXECUTE FUNCTION "UPPER"."Trig Fn"();

ALTER TABLE "My Schema"."Big Table" DISABLE TRIGGER "ON x";


--
-- Name: Big Table Trig Name; Type: TRIGGER; Schema: My Schema; Owner: Role With Space
--

CREATE TRIGGER "Trig Name" BEFORE UPDATE OF "50% off" ON "My Schema"."Big Table" FOR EACH ROW EXECUTE FUNCTION "UPPER"."Trig Fn"();


--
-- Name: TRIGGER "Trig Name" ON "Big Table"; Type: COMMENT; Schema: My Schema; Owner: Role With Space
--

COMMENT ON TRIGGER "Trig Name" ON "My Schema"."Big Table" IS 'trig';


--
-- Name: orders orders_touch; Type: TRIGGER; Schema: app; Owner: phasetui_reader
--

CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE OF note ON app.orders FOR EACH ROW WHEN ((new.total > (0)::numeric)) EXECUTE FUNCTION app.touch();


--
-- Name: fkp ct; Type: TRIGGER; Schema: public; Owner: postgres
--

CREATE CONSTRAINT TRIGGER ct AFTER INSERT ON public.fkp DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.trg();

ALTER TABLE public.fkp DISABLE TRIGGER ct;


--
-- Name: p p_trg; Type: TRIGGER; Schema: public; Owner: postgres
--

CREATE TRIGGER p_trg AFTER INSERT ON public.p FOR EACH ROW EXECUTE FUNCTION public.trg();


--
-- Name: TRIGGER p_trg ON p; Type: COMMENT; Schema: public; Owner: postgres
--

COMMENT ON TRIGGER p_trg ON public.p IS 'trig';


--
-- Name: Ref Table FK Name; Type: FK CONSTRAINT; Schema: UPPER; Owner: postgres
--

ALTER TABLE ONLY "UPPER"."Ref Table"
    ADD CONSTRAINT "FK Name" FOREIGN KEY (ref) REFERENCES "My Schema"."Big Table"("Id") ON DELETE SET NULL;


--
-- Name: orders orders_customer_fk; Type: FK CONSTRAINT; Schema: app; Owner: phasetui_reader
--

ALTER TABLE ONLY app.orders
    ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES app.customers(id) ON UPDATE RESTRICT ON DELETE CASCADE NOT VALID;


--
-- Name: p p_fk; Type: FK CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE public.p
    ADD CONSTRAINT p_fk FOREIGN KEY (k) REFERENCES public.fkp(id);


--
-- Name: Big Table Pol Name; Type: POLICY; Schema: My Schema; Owner: Role With Space
--

CREATE POLICY "Pol Name" ON "My Schema"."Big Table" USING (("select" > 0));


--
-- Name: customers; Type: ROW SECURITY; Schema: app; Owner: postgres
--

ALTER TABLE app.customers ENABLE ROW LEVEL SECURITY;

--
-- Name: customers own_rows; Type: POLICY; Schema: app; Owner: postgres
--

CREATE POLICY own_rows ON app.customers USING ((email = CURRENT_USER));


--
-- Name: fkp pol; Type: POLICY; Schema: public; Owner: postgres
--

CREATE POLICY pol ON public.fkp AS RESTRICTIVE FOR SELECT TO postgres USING ((id > 0));


--
-- Name: SCHEMA "My Schema"; Type: ACL; Schema: -; Owner: postgres
--

GRANT USAGE ON SCHEMA "My Schema" TO "Role With Space";


--
-- Name: SCHEMA app; Type: ACL; Schema: -; Owner: postgres
--

GRANT USAGE ON SCHEMA app TO phasetui_reader;


--
-- Name: FUNCTION "Fn Name"("A B" integer, "c%" text); Type: ACL; Schema: My Schema; Owner: postgres
--

GRANT ALL ON FUNCTION "My Schema"."Fn Name"("A B" integer, "c%" text) TO "Role With Space";


--
-- Name: FUNCTION add(a integer, b integer); Type: ACL; Schema: app; Owner: postgres
--

GRANT ALL ON FUNCTION app.add(a integer, b integer) TO phasetui_reader;


--
-- Name: FUNCTION touch(); Type: ACL; Schema: app; Owner: postgres
--

REVOKE ALL ON FUNCTION app.touch() FROM PUBLIC;


--
-- Name: COLUMN "Big Table"."50% off"; Type: ACL; Schema: My Schema; Owner: Role With Space
--

GRANT SELECT("50% off") ON TABLE "My Schema"."Big Table" TO PUBLIC;


--
-- Name: COLUMN "Big Table"."it""s"; Type: ACL; Schema: My Schema; Owner: Role With Space
--

GRANT SELECT("it""s") ON TABLE "My Schema"."Big Table" TO PUBLIC;


--
-- Name: COLUMN "Big Table"."a.b"; Type: ACL; Schema: My Schema; Owner: Role With Space
--

GRANT UPDATE("a.b") ON TABLE "My Schema"."Big Table" TO PUBLIC;


--
-- Name: TABLE "View ""Q"""; Type: ACL; Schema: My Schema; Owner: postgres
--

GRANT SELECT ON TABLE "My Schema"."View ""Q""" TO "Role With Space";


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
-- Name: COLUMN chi.v; Type: ACL; Schema: inh; Owner: postgres
--

GRANT SELECT(v) ON TABLE inh.chi TO "Role With Space";


--
-- Name: DEFAULT PRIVILEGES FOR TABLES; Type: DEFAULT ACL; Schema: My Schema; Owner: Role With Space
--

ALTER DEFAULT PRIVILEGES FOR ROLE "Role With Space" IN SCHEMA "My Schema" GRANT SELECT ON TABLES TO PUBLIC;


--
-- Name: DEFAULT PRIVILEGES FOR TABLES; Type: DEFAULT ACL; Schema: app; Owner: postgres
--

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA app GRANT SELECT ON TABLES TO phasetui_reader;


--
-- PostgreSQL database dump complete
--

\unrestrict a92BrJBswamaeLIJxG4FhC8zqRGCLi1yXfv0v7c1hfpKnEyxoQQ6beYWlwti6hb

