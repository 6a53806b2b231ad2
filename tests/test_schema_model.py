"""One SchemaModel from a dump and from the catalog: equal for the same database."""

from __future__ import annotations

import re

import pytest

from phasetui.errors import BadInput
from phasetui.schema.catalog import read_catalog
from phasetui.schema.dump_loader import load_dump, load_dump_file
from phasetui.schema.pgdump import bundled_pg_dumps, run_pg_dump
from tests.schema_support import FIXTURES, load_sql, make_invalid_index, model_differences

EVERY_KIND = (FIXTURES / "every_kind.sql").read_text()


@pytest.fixture
def every_kind_dsn(db_dsn):
    load_sql(db_dsn, EVERY_KIND)
    make_invalid_index(db_dsn)
    return db_dsn


def test_every_kind_is_modelled(every_kind_dsn):
    model = load_dump(run_pg_dump(every_kind_dsn), source="dump")
    counts = model.counts()
    for kind in (
        "schema",
        "extension",
        "type",
        "domain",
        "sequence",
        "table",
        "column",
        "constraint",
        "index",
        "view",
        "materialized view",
        "function",
        "procedure",
        "trigger",
        "policy",
        "default privileges",
    ):
        assert counts.get(kind), f"no {kind} in the model"
    assert "other" not in counts, [o.name for o in model if o.kind == "other"]
    fk = model.find("constraint", "app.orders.orders_customer_fk")
    assert fk.attrs["validated"] is False
    assert "ON DELETE CASCADE" in fk.attrs["definition"]
    assert model.find("column", "app.customers.id").attrs["identity"] == "ALWAYS"
    assert model.find("column", "app.customers.email_lower").attrs["generated"] == "lower(email)"
    assert model.find("table", "app.events_2024").attrs["partition_of"] == "app.events"
    assert model.find("index", "app.orders_status_idx").attrs["predicate"]
    assert model.find("table", '"Odd [name]"."Mixed Case"') is not None
    assert model.find("type", "app.mood").attrs["labels"] == ("sad", "ok", "happy")
    assert model.find("column", "app.customers.email").attrs["comment"] == "login, unique"
    assert model.find("table", "app.orders").attrs["owner"] == "phasetui_reader"
    assert "phasetui_reader=r" in model.find("table", "app.customers").attrs["acl"]


def test_dump_and_catalog_give_equal_models(every_kind_dsn):
    dump = load_dump(run_pg_dump(every_kind_dsn), source="dump")
    catalog = read_catalog(every_kind_dsn)
    # pg_dump never dumps an INVALID index (a failed CREATE INDEX CONCURRENTLY); the
    # catalog shows it, flagged, and that is the only difference.
    assert model_differences(dump, catalog) == ["only in B: ('index', 'app.dupes_v_key')"]
    assert catalog.find("index", "app.dupes_v_key").attrs["valid"] is False


def test_pg16_dump_equals_pg18_dump_of_the_same_schema(every_kind_dsn):
    """The pg_dump 16 file in the fixtures was made from every_kind.sql on PostgreSQL 16."""
    pg16 = load_dump_file(FIXTURES / "every_kind.pg16.sql")
    pg18 = load_dump(run_pg_dump(every_kind_dsn), source="dump")
    assert model_differences(pg16, pg18) == []


@pytest.mark.parametrize(
    "args,lost",
    [
        (("--clean", "--if-exists"), set()),
        (("--clean",), set()),
        (("--no-owner",), {"owners"}),
        (("--no-privileges",), {"grants"}),
        (("--no-owner", "--no-privileges"), {"owners", "grants"}),
    ],
)
def test_dump_variants_make_no_noise(every_kind_dsn, args, lost):
    plain = load_dump(run_pg_dump(every_kind_dsn), source="plain")
    variant = load_dump(run_pg_dump(every_kind_dsn, extra_args=args), source="variant")
    assert {"owners", "grants"} - variant.facets == lost
    assert model_differences(plain, variant) == []


def test_structure_sql_with_trimmed_header_and_migration_rows(every_kind_dsn):
    text = run_pg_dump(every_kind_dsn)
    plain = load_dump(text, source="plain")
    body = text[text.index("CREATE SCHEMA") :]
    body = "\n".join(ln for ln in body.splitlines() if not ln.startswith("\\"))
    structure = (
        'SET search_path TO "$user", public;\n\n'
        + body
        + "\n\nINSERT INTO \"schema_migrations\" (version) VALUES\n('20240101000000'),\n"
        "('20240202000000');\n\n"
    )
    model = load_dump(structure, source="structure.sql")
    assert model_differences(plain, model) == []
    assert any("data rows" in note for note in model.notes)


def test_unknown_statements_are_kept_as_opaque_objects():
    a = load_dump("CREATE TABLE t (a int);\nCREATE PUBLICATION pub FOR TABLE t;\n")
    b = load_dump("CREATE TABLE t (a int);\nCREATE PUBLICATION pub FOR ALL TABLES;\n")
    assert [o.name for o in a if o.kind == "other"] == ["CREATE PUBLICATION pub FOR TABLE t"]
    assert model_differences(a, b) == [
        "only in B: ('other', 'CREATE PUBLICATION pub FOR ALL TABLES')",
        "only in A: ('other', 'CREATE PUBLICATION pub FOR TABLE t')",
    ]


def test_index_on_only_parses():
    model = load_dump("CREATE INDEX i ON ONLY public.p USING btree (a);")
    assert model.find("index", "public.i").attrs["definition"] == "USING btree (a)"


@pytest.mark.parametrize(
    "text,line",
    [
        ("CREATE TABLE a (x int);\n\nCREATE TABLE b (x int DEFAULT 1 2);\n", 3),
        ("CREATE TABLE a (x int);\nCREATE TABLE b (x int NOT NULL NULL);\n", 2),
        ("CREATE TABLE a (x int);\nSELECT 'unterminated;\n", 2),
        ("CREATE TABLE a (x int);\n\n\nCREATE TABLE c (x int DEFAULT (1;\n", 4),
    ],
)
def test_a_statement_that_cannot_be_read_is_a_warning_naming_its_line(text, line):
    model = load_dump(text + "CREATE TABLE z (y int);\n", path="broken.sql")
    assert len(model.warnings) == 1, model.warnings
    assert re.match(rf"broken\.sql:{line}: cannot read this statement ", model.warnings[0])
    # the rest of the file still loads; the bad statement is kept as text, not dropped
    assert model.find("column", "public.a.x") and model.find("column", "public.z.y")
    assert [o.kind for o in model if o.line == line] == ["other"]


def test_a_file_with_no_sql_at_all_is_refused_naming_the_line():
    with pytest.raises(BadInput) as info:
        load_dump("this is not\nSQL at all", path="notes.txt")
    assert info.value.message.startswith("notes.txt: nothing in it reads as SQL (notes.txt:1:")


def test_bundled_pg_dump_versions_are_found():
    assert 18 in bundled_pg_dumps()


def test_edge_cases_dump_and_catalog_agree(db_dsn):
    load_sql(db_dsn, (FIXTURES / "edge_cases.sql").read_text())
    dump = load_dump(run_pg_dump(db_dsn), source="dump")
    catalog = read_catalog(db_dsn)
    # aggregates and rules are objects of their own now, read alike from both sides
    assert model_differences(dump, catalog) == []
    assert dump.find("aggregate", "public.mysum(integer)").attrs["owner"] == "postgres"
    assert catalog.find("rule", "public.ul.r") is not None
    atomic = dump.find("function", "public.atomic_f(a integer)")
    assert atomic.attrs["body"].startswith("BEGIN ATOMIC") and atomic.attrs["body"].endswith("END")
    assert dump.find("column", "public.d.f").attrs["type"] == "bit varying(5)"
    assert dump.find("column", "public.d.e").attrs["default"] == "ARRAY[1, 2]"
    assert dump.find("column", "public.gen.b").attrs["generated_kind"] == "VIRTUAL"
    assert dump.find("constraint", "public.fkp.fkp_pkey").attrs["index_comment"] == "pk index"
    assert dump.find("column", "public.parent.v").attrs["comment"] == 'it\'s "quoted" [x]'


def test_a_full_dump_with_copy_data_loads_the_schema_only(db_dsn):
    load_sql(
        db_dsn,
        "CREATE TABLE t (a int, b text);\n"
        "INSERT INTO t VALUES (1, 'x; DROP TABLE t;'), (2, E'back\\\\slash\\nline');",
    )
    import subprocess

    from phasetui.schema.pgdump import choose_pg_dump

    full = subprocess.run(
        [str(choose_pg_dump(18).path), "--dbname", db_dsn],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "COPY public.t" in full
    model = load_dump(full, source="full")
    assert model_differences(model, load_dump(run_pg_dump(db_dsn), source="schema")) == []
    assert any("data rows" in note for note in model.notes)


def test_partition_of_without_columns_inherits_the_parents():
    model = load_dump(
        "CREATE TABLE p (k int NOT NULL, v text) PARTITION BY LIST (k);\n"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);\n"
    )
    assert model.find("table", "public.p1").attrs["bound"] == "FOR VALUES IN (1)"
    assert model.find("column", "public.p1.k").attrs == {
        "type": "int",
        "not_null": True,
        "default": None,
        "collation": None,
        "generated": None,
        "generated_kind": None,
        "identity": None,
    }
