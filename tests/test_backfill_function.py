"""How a batch reaches the server: a PL/pgSQL function per backfill, or one statement.

The function (batches.py) counts rows with GET DIAGNOSTICS instead of materialising a
RETURNING list; a role that may not create it in schema ``phasetui`` falls back to the
plain statement. Both must update every row exactly once, with the user's SQL intact.
"""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from phasetui.backfill import store
from phasetui.backfill.engine import BackfillEngine, run_backfill
from phasetui.backfill.spec import BackfillSpec

# Columns named like the function's variables and outputs, and a `%` in the SQL: neither
# may be captured by the function nor read as a psycopg placeholder.
TABLE = """
CREATE TABLE items (
    id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0, v text,
    _phasetui_rows int, batch_rows int, moved int
);
INSERT INTO items (id, _phasetui_rows, batch_rows, moved)
SELECT g, g % 5, g % 7, 1 FROM generate_series(1, 2500) g;
"""

SET = [
    "n = n + 1",
    "v = (id % 3)::text || ':' || _phasetui_rows || ':' || batch_rows || ':' || moved",
]


def _spec(**kw) -> BackfillSpec:
    return BackfillSpec.from_mapping(
        {"table": "items", "set": SET, "where": "v IS NULL", "batch_size": 300, **kw}
    )


def _check_rows(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT n, count(*) FROM items GROUP BY n").fetchall() == [(1, 2500)]
        bad = conn.execute(
            "SELECT count(*) FROM items WHERE v IS DISTINCT FROM "
            "(id % 3)::text || ':' || (id % 5) || ':' || (id % 7) || ':1'"
        ).fetchone()[0]
        assert bad == 0


def _functions(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'phasetui' ORDER BY 1"
            ).fetchall()
        ]


def test_batches_call_one_function_per_definition(db_dsn):
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(TABLE)
    engine = BackfillEngine(db_dsn, _spec())
    result = engine.run(workers=2)
    assert result.state == "done" and result.rows_this_run == 2500
    _check_rows(db_dsn)
    (name,) = _functions(db_dsn)
    assert engine.batch_form == f"function phasetui.{name}"
    with psycopg.connect(db_dsn) as conn:
        assert store.load_state(conn, result.name).detail["batch_form"] == engine.batch_form
    # The same definition under another name uses the same function; another one adds one.
    run_backfill(db_dsn, _spec(name="again"))
    assert _functions(db_dsn) == [name]
    run_backfill(db_dsn, _spec(name="other", where="v IS NULL AND id > 10"))
    assert len(_functions(db_dsn)) == 2


def test_a_role_that_cannot_create_the_function_runs_plain_statements(db_dsn):
    role = f"bf_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(TABLE)
        store.ensure_schema(conn)  # made by its owner, as a first host would
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'bf-secret'").format(sql.Identifier(role))
        )
        for grant in (
            "GRANT USAGE ON SCHEMA phasetui TO {}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA phasetui TO {}",
            "GRANT SELECT, UPDATE ON items TO {}",
        ):
            conn.execute(sql.SQL(grant).format(sql.Identifier(role)))
    try:
        as_role = make_conninfo(db_dsn, user=role, password="bf-secret")
        engine = BackfillEngine(as_role, _spec())
        result = engine.run()
        assert result.state == "done" and result.rows_this_run == 2500
        _check_rows(db_dsn)
        assert _functions(db_dsn) == []
        assert engine.batch_form.startswith("one statement (cannot create the function: ")
        assert "permission denied for schema phasetui" in engine.batch_form
    finally:
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_function_planted_under_the_name_is_never_called(db_dsn):
    """The name is computable from the spec; a function with other code under it must not
    run with the rights of whoever runs the backfill."""
    from phasetui.backfill.batches import FUNCTION_ARGS, build
    from phasetui.backfill.expressions import parse_assignments
    from phasetui.backfill.keys import find_key

    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(TABLE)
        store.ensure_schema(conn)
        stmts = build(find_key(conn, "items", ()), parse_assignments(SET, "v IS NULL"))
        conn.execute(
            sql.SQL(
                "CREATE FUNCTION {}(" + FUNCTION_ARGS + ") RETURNS TABLE (a bigint, b integer, "
                "c text, d integer) LANGUAGE plpgsql AS $$ BEGIN "
                "UPDATE items SET n = n + 100; RETURN; END $$"
            ).format(sql.Identifier("phasetui", stmts.function_name))
        )
    engine = BackfillEngine(db_dsn, _spec())
    result = engine.run()
    assert result.state == "done" and result.rows_this_run == 2500
    _check_rows(db_dsn)  # n = 1 everywhere: the planted body never ran
    assert "is not the function phasetui made" in engine.batch_form


def test_forget_drops_the_function_once_no_backfill_calls_it(db_dsn):
    from phasetui.backfill import control

    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(TABLE)
    run_backfill(db_dsn, _spec(name="one"))
    run_backfill(db_dsn, _spec(name="two"))  # the same definition: the same function
    (name,) = _functions(db_dsn)
    control.forget(db_dsn, "one")
    assert _functions(db_dsn) == [name]  # "two" still calls it
    control.forget(db_dsn, "two")
    assert _functions(db_dsn) == []


def test_the_batch_statement_is_linted_before_any_batch(db_dsn):
    """An unfiltered counter is not idempotent: warned, kept in the detail and the result."""
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(TABLE)
    engine = BackfillEngine(
        db_dsn, BackfillSpec.from_mapping({"table": "items", "set": ["n = n + 1"]})
    )
    result = engine.run()
    assert result.state == "done"
    assert [w.split(":")[0] for w in result.lint] == ["backfill-not-idempotent"]
    with psycopg.connect(db_dsn) as conn:
        assert store.load_state(conn, result.name).detail["lint"] == result.lint
    # A filtered one is clean.
    clean = BackfillEngine(db_dsn, _spec(name="clean"))
    clean.prepare()
    assert clean.lint == []
