"""Differences the diff did not compare before: column order, collations, extension versions,
aggregates, rules, column storage, NOT NULL state; and no rename across schemas.

Each case builds two real databases and diffs them read both ways (catalog and pg_dump).
"""

from __future__ import annotations

import json

import psycopg
import pytest

from phasetui.schema.catalog import read_catalog
from phasetui.schema.diff import diff_models
from phasetui.schema.dump_loader import load_dump
from phasetui.schema.pgdump import run_pg_dump
from phasetui.schema.render import render
from tests.schema_support import load_sql

ROUTES = ["catalog", "dump"]


def _diff(make_db, a_sql: str, b_sql: str, route: str):
    a_dsn, b_dsn = make_db(), make_db()
    load_sql(a_dsn, a_sql)
    load_sql(b_dsn, b_sql)
    if route == "dump":
        return diff_models(load_dump(run_pg_dump(a_dsn), "A"), load_dump(run_pg_dump(b_dsn), "B"))
    return diff_models(read_catalog(a_dsn, "A"), read_catalog(b_dsn, "B"))


def _found(diff) -> dict:
    return {(c.status, c.kind, c.name): tuple(c.changed_attrs) for c in diff.changes}


@pytest.mark.parametrize("route", ROUTES)
def test_column_order_is_reported_when_no_alter_can_produce_it(make_db, route):
    base = "CREATE TABLE moved (a int, b text, c int); CREATE TABLE middle (a int, c int);"
    base += "CREATE TABLE appended (a int); CREATE TABLE dropped (a int, b int, c int);"
    b_sql = (
        "CREATE TABLE moved (a int, c int, b text);"  # same columns, other order
        "CREATE TABLE middle (a int, x int, c int);"  # added in the middle
        "CREATE TABLE appended (a int, z int);"  # ADD COLUMN appends: no order change
        "CREATE TABLE dropped (a int, c int);"  # DROP COLUMN keeps the order
    )
    diff = _diff(make_db, base, b_sql, route)
    assert _found(diff) == {
        ("changed", "table", "public.moved"): ("column_order",),
        ("changed", "table", "public.middle"): ("column_order",),
        ("added", "column", "public.middle.x"): (),
        ("added", "column", "public.appended.z"): (),
        ("removed", "column", "public.dropped.b"): (),
    }
    moved = diff.find("table", "public.moved")
    assert (moved.attrs[0].old, moved.attrs[0].new) == (("a", "b", "c"), ("a", "c", "b"))
    assert (moved.phase, moved.risk) == ("any", "low")
    assert "INSERT and COPY without a column list" in moved.verdict.advice
    assert "column_order: [a, b, c] -> [a, c, b]" in render(diff, "text")
    assert "column_order: `[a, b, c]` → `[a, c, b]`" in render(diff, "md")
    attr = next(
        c for c in json.loads(render(diff, "json"))["changes"] if c["name"] == "public.moved"
    )["attrs"][0]
    assert attr == {
        "attr": "column_order",
        "old": ["a", "b", "c"],
        "new": ["a", "c", "b"],
        "phase": "any",
        "risk": "low",
    }


def test_a_renamed_column_is_not_also_a_column_order_change(make_db):
    diff = _diff(
        make_db,
        "CREATE TABLE t (a int, note text, c int);",
        "CREATE TABLE t (a int, memo text, c int);",
        "catalog",
    )
    assert _found(diff) == {("renamed", "column", "public.t.memo"): ()}


@pytest.mark.parametrize("route", ROUTES)
def test_collations_are_compared(make_db, route):
    base = "CREATE COLLATION c1 (provider = libc, locale = 'C');"
    a_sql = base + 'CREATE TABLE t (a text COLLATE c1, b text COLLATE "C", c text);'
    b_sql = (
        "CREATE COLLATION c1 (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX');"
        "CREATE COLLATION c2 (provider = builtin, locale = 'C');"
        'CREATE TABLE t (a text COLLATE c1, b text COLLATE "POSIX", c text COLLATE c2);'
    )
    diff = _diff(make_db, a_sql, b_sql, route)
    assert _found(diff) == {
        ("changed", "collation", "public.c1"): ("lc_ctype",),
        ("added", "collation", "public.c2"): (),
        ("changed", "column", "public.t.b"): ("collation",),
        ("changed", "column", "public.t.c"): ("collation",),
    }
    c1 = diff.find("collation", "public.c1")
    assert (c1.phase, c1.risk) == ("contract", "high")
    b = diff.find("column", "public.t.b")
    assert (b.attrs[0].old, b.attrs[0].new) == ('pg_catalog."C"', 'pg_catalog."POSIX"')
    assert "| ~ | collation | `public.c1` |" in render(diff, "md")


def _set_extension_version(dsn: str, version: str) -> None:
    """The wheel ships one install script per extension: make an older install by hand."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE pg_catalog.pg_extension SET extversion = %s WHERE extname = 'vector'",
            (version,),
        )


def test_extension_versions_compare_between_catalogs_and_are_noted_against_a_dump(make_db):
    a_dsn, b_dsn = make_db(), make_db()
    for dsn in (a_dsn, b_dsn):
        load_sql(dsn, "CREATE EXTENSION vector;")
    _set_extension_version(a_dsn, "0.8.0")
    current = read_catalog(b_dsn, "B").find("extension", "vector").attrs["version"]
    diff = diff_models(read_catalog(a_dsn, "A"), read_catalog(b_dsn, "B"))
    assert _found(diff) == {("changed", "extension", "vector"): ("version",)}
    change = diff.find("extension", "vector")
    assert (change.attrs[0].old, change.attrs[0].new) == ("0.8.0", current)
    assert (change.phase, change.risk) == ("any", "medium")
    assert "ALTER EXTENSION … UPDATE" in change.verdict.advice
    # a dump has no version (pg_dump writes CREATE EXTENSION vector): not compared, said
    for a, b in (
        (load_dump(run_pg_dump(a_dsn), "A"), read_catalog(b_dsn, "B")),
        (read_catalog(a_dsn, "A"), load_dump(run_pg_dump(b_dsn), "B")),
    ):
        diff = diff_models(a, b)
        assert diff.empty and "versions" in diff.skipped_facets
        side = "A" if a.source == "A" and not a.facets & {"versions"} else "B"
        assert f"extension versions not compared: {side} is a dump" in render(diff, "text")
        assert "versions" in json.loads(render(diff, "json"))["skipped_facets"]
    # a hand-written file that says VERSION is compared like a catalog
    model = load_dump("CREATE EXTENSION vector VERSION '0.8.0';")
    assert "versions" in model.facets
    change = diff_models(model, read_catalog(b_dsn, "B")).find("extension", "vector")
    assert "version" in change.changed_attrs


@pytest.mark.parametrize("route", ROUTES)
def test_aggregates_rules_storage_replica_identity_and_not_null_state_are_compared(make_db, route):
    a_sql = (
        "CREATE AGGREGATE agg(int) (sfunc = int4pl, stype = int, initcond = '0');"
        "CREATE TABLE t (a text, b int, c int);"
        "CREATE RULE keep AS ON DELETE TO t DO INSTEAD NOTHING;"
        "ALTER TABLE t ADD CONSTRAINT t_b_nn NOT NULL b NOT VALID;"
    )
    b_sql = (
        "CREATE AGGREGATE agg(int) (sfunc = int4pl, stype = int, initcond = '1');"
        "CREATE TABLE t (a text, b int NOT NULL, c int);"
        "CREATE RULE keep AS ON DELETE TO t DO INSTEAD NOTHING;"
        "ALTER TABLE t DISABLE RULE keep;"
        "ALTER TABLE t ALTER COLUMN a SET STORAGE EXTERNAL;"
        "ALTER TABLE t ALTER COLUMN c SET (n_distinct = -1);"
        "ALTER TABLE t REPLICA IDENTITY FULL;"
    )
    diff = _diff(make_db, a_sql, b_sql, route)
    assert _found(diff) == {
        ("changed", "aggregate", "public.agg(integer)"): ("options",),
        ("changed", "rule", "public.t.keep"): ("enabled",),
        ("changed", "column", "public.t.a"): ("storage",),
        ("changed", "column", "public.t.b"): ("not_null_validated",),
        ("changed", "column", "public.t.c"): ("options",),
        ("changed", "table", "public.t"): ("replica_identity",),
    }
    validated = diff.find("column", "public.t.b")
    assert (validated.phase, validated.risk) == ("contract", "low")
    assert "VALIDATE CONSTRAINT" in validated.verdict.advice
    assert diff.find("column", "public.t.a").risk == "low"
    agg = diff.find("aggregate", "public.agg(integer)")
    assert (agg.phase, agg.risk) == ("any", "low")
    rule = diff.find("rule", "public.t.keep")
    assert (rule.phase, rule.risk) == ("any", "medium")


def test_a_not_valid_not_null_added_is_low_risk(make_db):
    diff = _diff(
        make_db,
        "CREATE TABLE t (b int);",
        "CREATE TABLE t (b int); ALTER TABLE t ADD CONSTRAINT t_b_nn NOT NULL b NOT VALID;",
        "dump",
    )
    change = diff.find("column", "public.t.b")
    assert change.changed_attrs == ["not_null", "not_null_validated"]
    assert (change.phase, change.risk) == ("contract", "low")


@pytest.mark.parametrize("route", ROUTES)
def test_a_child_tables_own_default_and_not_null_are_compared(make_db, route):
    base = "CREATE TABLE par (id int, v text DEFAULT 'p', w int);"
    diff = _diff(
        make_db,
        base + "CREATE TABLE chi () INHERITS (par);",
        base + "CREATE TABLE chi () INHERITS (par);"
        "ALTER TABLE chi ALTER COLUMN v SET DEFAULT 'child';"
        "ALTER TABLE chi ALTER COLUMN w SET NOT NULL;",
        route,
    )
    assert _found(diff) == {
        ("changed", "column", "public.chi.v"): ("default",),
        ("changed", "column", "public.chi.w"): ("not_null",),
    }
    assert diff.find("column", "public.chi.w").risk == "high"  # SET NOT NULL scans


@pytest.mark.parametrize("route", ROUTES)
def test_a_table_moved_to_another_schema_is_never_a_rename(make_db, route):
    base = "CREATE SCHEMA a; CREATE SCHEMA b;"
    diff = _diff(
        make_db,
        base + "CREATE TABLE a.t (id int, note text); CREATE TABLE a.u (x int);",
        base + "CREATE TABLE b.t (id int, note text); CREATE TABLE b.w (x int);",
        route,
    )
    assert _found(diff) == {
        ("removed", "table", "a.t"): (),
        ("added", "table", "b.t"): (),
        ("removed", "table", "a.u"): (),
        ("added", "table", "b.w"): (),
    }
    assert diff.find("table", "a.t").notes == [
        "possibly moved to b.t (same name and columns; ALTER TABLE … SET SCHEMA); not "
        "assumed: a rename is never inferred across schemas"
    ]
    assert diff.find("table", "a.u").notes == []  # another name too: nothing suggested
