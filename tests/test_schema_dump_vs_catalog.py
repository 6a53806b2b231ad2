"""A database's dump and its own catalog compare equal: every object kind, every dump shape.

One database holds every_kind.sql, edge_cases.sql and dump_vs_catalog(.pg18).sql: hostile
quoted names through every kind, identity columns of each integer type, partitioned tables
with defaults set on the parent only, inheritance children with their own defaults and
NOT NULL on inherited columns, PostgreSQL 18's NOT NULL constraints, collations, aggregates,
rules, column storage. It is dumped with the bundled pg_dump in the shapes users have and
read back from pg_catalog: the diff must be empty every time.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from phasetui.demo.server import pg_bin_dir
from phasetui.schema.catalog import read_catalog
from phasetui.schema.diff import diff_models
from phasetui.schema.dump_loader import load_dump, load_dump_file
from phasetui.schema.pgdump import PgDump, run_pg_dump
from phasetui.schema.render import render
from tests.schema_support import FIXTURES, load_sql, model_differences

FILES = ("every_kind.sql", "edge_cases.sql", "dump_vs_catalog.sql", "dump_vs_catalog.pg18.sql")
VARIANTS = {
    "plain": (),
    "clean-if-exists": ("--clean", "--if-exists"),
    "no-owner-no-privileges": ("--no-owner", "--no-privileges"),
}
BUNDLED = PgDump(pg_bin_dir(18) / "pg_dump", 18)


@pytest.fixture(scope="module")
def full_dsn(pg_admin_dsn):
    name = f"dvc_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = make_conninfo(pg_admin_dsn, dbname=name)
    for f in FILES:
        load_sql(dsn, (FIXTURES / f).read_text())
    yield dsn
    with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def catalog(full_dsn):
    return read_catalog(full_dsn, source="catalog")


@pytest.fixture(scope="module")
def dump_text(full_dsn):
    return run_pg_dump(full_dsn, pg_dump=BUNDLED)


@pytest.fixture(scope="module")
def dump(dump_text):
    return load_dump(dump_text, source="dump")


@pytest.mark.parametrize("args", VARIANTS.values(), ids=VARIANTS.keys())
def test_a_dump_and_its_catalog_compare_equal(full_dsn, catalog, args):
    model = load_dump(run_pg_dump(full_dsn, extra_args=args, pg_dump=BUNDLED), source="dump")
    assert model.warnings == []
    assert [o.name for o in model if o.kind == "other"] == []  # every statement modelled
    assert model_differences(model, catalog) == []
    for a, b in ((model, catalog), (catalog, model)):
        diff = diff_models(a, b)
        assert diff.empty, render(diff, "text")
    # a dump carries no extension version: said, not compared
    assert "versions" in diff_models(model, catalog).skipped_facets
    assert any(
        "extension versions not compared" in n for n in diff_models(model, catalog).facet_notes
    )


def test_quoted_names_keep_their_exact_spelling_on_both_sides(dump, catalog):
    names = {
        ("schema", '"50% ""q"" ü.x"'),
        ("collation", '"My Schema"."Coll C"'),
        ("type", '"My Schema"."Mood Type"'),
        ("domain", '"50% ""q"" ü.x"."Pos Int"'),
        ("sequence", '"My Schema"."Seq %s"'),
        ("table", '"My Schema"."Big Table"'),
        ("column", '"My Schema"."Big Table"."it""s"'),
        ("column", '"My Schema"."Big Table"."ünï"'),
        ("column", '"My Schema"."Big Table"."a.b"'),
        ("constraint", '"My Schema"."Big Table"."has space"'),
        ("constraint", '"My Schema"."Big Table"."UPPER"'),
        ("constraint", '"My Schema"."Big Table"."it\'s ""q"""'),
        ("constraint", '"My Schema"."Big Table"."uniq %"'),
        ("constraint", '"UPPER"."Ref Table"."FK Name"'),
        ("index", '"My Schema"."UPPER_IDX"'),
        ("index", '"My Schema"."a.b idx"'),
        ("function", '"My Schema"."Fn Name"("A B" integer, "c%" text)'),
        ("trigger", '"My Schema"."Big Table"."ON x"'),
        ("view", '"My Schema"."View ""Q"""'),
        ("materialized view", '"UPPER"."MV 1"'),
        ("policy", '"My Schema"."Big Table"."Pol Name"'),
    }
    for model in (dump, catalog):
        missing = {key for key in names if model.find(*key) is None}
        assert missing == set(), model.source
        assert model.find("constraint", '"My Schema"."Big Table".upper') is None
        table = model.find("table", '"My Schema"."Big Table"')
        assert table.attrs["owner"] == "Role With Space"
        has_space = model.find("constraint", '"My Schema"."Big Table"."has space"')
        assert has_space.attrs["comment"] == "spacey"
        assert model.find("trigger", '"My Schema"."Big Table"."ON x"').attrs["enabled"] == "DISABLE"
        col = model.find("column", '"My Schema"."Big Table"."50% off"')
        assert col.attrs["comment"] == "pct IS 'it'"
        assert col.attrs["collation"] == '"My Schema"."Coll C"'
        assert "PUBLIC=r" in col.attrs["acl"]
        seq = model.find("sequence", '"My Schema"."Seq %s"')
        assert seq.attrs["owned_by"] == '"My Schema"."Big Table"."it""s"'


def test_identity_columns_of_each_integer_type_read_alike(dump, catalog):
    expected = {
        "a": "AS smallint START 5 INCREMENT 3 MAXVALUE 1000 CACHE 2 CYCLE",
        "b": "AS integer",
        "c": "MINVALUE -10",
        "d": "AS integer INCREMENT -1",
        "e": "AS smallint MINVALUE 0 MAXVALUE 100",
    }
    for model in (dump, catalog):
        got = {c: model.find("column", f"inh.ids.{c}").attrs["identity_options"] for c in expected}
        assert got == expected, model.source


def test_children_keep_their_own_defaults_and_not_null_on_inherited_columns(dump, catalog):
    for model in (dump, catalog):

        def col(name, m=model):
            return defaultdict(lambda: None, m.find("column", f"inh.{name}").attrs)

        assert col("chi.v")["default"] == "'child'::text"
        assert col("chi.v")["comment"] == "inherited, commented"
        assert col("chi.id")["not_null"] is True and col("par.id")["not_null"] is None
        assert col("chi.w")["default"] == "9" and col("chi2.w")["default"] is None
        assert col("chi2.v")["default"] == "'pv'::text" and col("par.w")["default"] == "3"
        assert col("grandchild.v")["default"] is None and col("grandchild.id")["not_null"]
        assert col("multi.q")["default"] == "7" and col("multi.z")["not_null"] is True
        assert col("chi.s")["storage"] == "MAIN" and col("par.s")["storage"] is None
        assert col("chi.late")["type"] == "integer"
        # partitions: a default set on the parent only does not reach them; the identity
        # is the parent's
        assert col("pt.v")["default"] == "'x'::text" and col("pt1.v")["default"] is None
        assert col("pt1.w")["default"] == "5" and col("pt2.v")["not_null"] is True
        assert col("pt.i")["identity"] == "ALWAYS" and col("pt1.i")["identity"] is None
        assert col("pt3.id")["not_null"] is True


def test_postgres_18_not_null_items_are_not_read_as_columns(dump_text, dump, catalog):
    # pg_dump 18 writes a child's own NOT NULL on an inherited column as a table item
    assert "    NOT NULL id,\n" in dump_text
    for model in (dump, catalog):
        assert not [o.name for o in model if o.kind == "column" and o.name.endswith('."not"')]
        assert not [o.name for o in model if o.kind == "column" and o.name.endswith(".not")]
        a = {
            c: defaultdict(lambda: None, model.find("column", f"inh.{c}").attrs)
            for c in ("nv.a", "nv_child.a", "noinh.a")
        }
        assert a["nv.a"]["not_null"] and a["nv.a"]["not_null_validated"] is False
        assert a["nv_child.a"]["not_null"] and a["nv_child.a"]["not_null_validated"] is None
        assert a["noinh.a"]["not_null_no_inherit"] is True
        assert model.find("column", "inh.noinh_child.a").attrs["not_null"] is None


def test_collations_aggregates_rules_and_storage_are_modelled(dump, catalog):
    for model in (dump, catalog):
        assert model.find("collation", '"UPPER".posix2').attrs == {
            **model.find("collation", '"UPPER".posix2').attrs,
            "provider": "libc",
            "lc_collate": "POSIX",
            "lc_ctype": "C",
            "comment": "two locales",
        }
        assert model.find("collation", '"UPPER"."Builtin"').attrs["locale"] == "C.UTF-8"
        agg = model.find("aggregate", "public.mysum(integer)")
        assert agg.attrs["options"] == ("SFUNC = int4pl", "STYPE = integer")
        rule = model.find("rule", "public.ul.r")
        assert rule.attrs["definition"] == "ON INSERT TO public.ul DO INSTEAD NOTHING"
        assert model.find("aggregate", "public.mysum(integer)").attrs["owner"] == "postgres"
        st = {
            c: defaultdict(lambda: None, model.find("column", f"inh.st.{c}").attrs) for c in "abcd"
        }
        assert st["a"]["storage"] == "EXTERNAL" and st["b"]["compression"] == "pglz"
        assert st["c"]["options"] == ("n_distinct=100",) and st["d"]["statistics"] == 42
        assert model.column_order["inh.ord"] == ("a", "c", "b")
        big = model.find("table", '"My Schema"."Big Table"').attrs
        assert big["replica_identity"] == 'USING INDEX "Big PK"'
        assert big["cluster_on"] == '"My Idx"'
        assert model.find("table", "inh.st").attrs["replica_identity"] == "FULL"


def test_the_committed_pg18_dump_is_this_schema(dump):
    """all_kinds.pg18.sql (the property tests' input) is pg_dump 18 of these fixtures."""
    committed = load_dump_file(FIXTURES / "all_kinds.pg18.sql")
    assert committed.warnings == []
    assert model_differences(committed, dump) == []


def test_a_damaged_statement_in_a_real_dump_loses_only_itself(dump_text, dump):
    marker = "CREATE TABLE inh.st ("
    assert marker in dump_text
    damaged = dump_text.replace(marker, "CREATE TABLE inh.st (( oops", 1)
    line = damaged[: damaged.index("CREATE TABLE inh.st ((")].count("\n") + 1
    model = load_dump(damaged, source="damaged", path="prod.sql")
    assert len(model.warnings) == 1
    assert model.warnings[0].startswith(f"prod.sql:{line}: cannot read this statement")
    differences = model_differences(model, dump)
    # the table and its four columns are gone from the model, kept as one text object, and
    # the statements after it that name them say so; everything else is still there
    assert "only in B: ('table', 'inh.st')" in differences
    assert sum(1 for d in differences if d.startswith("only in A: ('other'")) >= 1
    assert not [d for d in differences if "inh.st" not in d and "'other'" not in d]


def test_a_dump_in_another_encoding_with_bom_and_crlf_loads_the_same(tmp_path, full_dsn, dump):
    text = run_pg_dump(full_dsn, extra_args=("--encoding=UTF8",), pg_dump=BUNDLED)
    path = tmp_path / "windows.sql"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert model_differences(load_dump_file(path), dump) == []


def test_a_latin1_dump_is_read_in_its_own_encoding(tmp_path, pg_admin_dsn):
    name = f"latin1_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'LATIN1' "
                "LC_COLLATE 'C' LC_CTYPE 'C'"
            ).format(sql.Identifier(name))
        )
    dsn = make_conninfo(pg_admin_dsn, dbname=name)
    try:
        load_sql(
            dsn,
            'CREATE TABLE "café" ("crème" text DEFAULT \'brûlée\');'
            "COMMENT ON TABLE \"café\" IS 'à la carte';",
        )
        path = tmp_path / "latin1.sql"
        run_pg_dump(
            dsn, output=None, extra_args=("--encoding=LATIN1", "-f", str(path)), pg_dump=BUNDLED
        )
        data = path.read_bytes()
        assert b"SET client_encoding = 'LATIN1'" in data and "é".encode("latin-1") in data
        model = load_dump_file(path)
        assert model_differences(model, read_catalog(dsn)) == []
        assert model.find("table", 'public."café"').attrs["comment"] == "à la carte"
    finally:
        with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
