"""Hostile identifiers and user SQL through every backfill verb and the runbook step.

Table, column and key names with quotes, spaces, semicolons, ``%`` (``"50% off"``, ``"%s"``,
``"%(x)s"``), unicode and upper case, and ``%`` inside ``--set`` / ``--where``: every row is
filled exactly once (counter column), the estimate counts what the WHERE really selects,
and run / status / pause / resume / set / forget and ``phasetui step backfill`` all work.
"""

from __future__ import annotations

import json
import textwrap

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql

from phasetui.cli import main

ROWS = 600

# (table, key column, value column, counter column, label column)
NAMES = [
    pytest.param(("50% off", "%s", "%(x)s", "n%", "lbl"), id="percent"),
    pytest.param(('Tab"le; DROP TABLE x', "K ey", 'va"l; --', "N", "L;b"), id="quotes-semicolons"),
    pytest.param(("Ünïcødé Tåble", "ключ", "värde", "zähler", "étiquette"), id="unicode"),
    pytest.param(("MixedCase", "ID", "Value", "Count", "Label"), id="upper-case"),
]


def q(name: str) -> str:
    """The name as the user types it in SQL (double-quoted, inner quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def make_table(dsn: str, names: tuple[str, ...], *, schema: str | None = None) -> None:
    table, key, value, counter, label = names
    t = sql.Identifier(schema, table) if schema else sql.Identifier(table)
    with psycopg.connect(dsn, autocommit=True) as conn:
        if schema:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        conn.execute(
            sql.SQL("CREATE TABLE {} ({} bigint PRIMARY KEY, {} text, {} int NOT NULL DEFAULT 0,"
                    " {} text NOT NULL)").format(
                t, *(sql.Identifier(c) for c in (key, value, counter, label))
            )
        )  # fmt: skip
        # every third row is labelled '50%': the --where selects those by a literal with a %
        conn.execute(
            sql.SQL("INSERT INTO {} ({}, {}) SELECT g, CASE WHEN g % 3 = 0 THEN '50%' ELSE "
                    "'other' END FROM generate_series(1, {}) g").format(
                t, sql.Identifier(key), sql.Identifier(label), sql.Literal(ROWS)
            )
        )  # fmt: skip


def table_state(dsn: str, names: tuple[str, ...], schema: str | None = None) -> dict:
    table, key, value, counter, label = names
    t = sql.Identifier(schema, table) if schema else sql.Identifier(table)
    with psycopg.connect(dsn) as conn:
        counts = dict(
            conn.execute(
                sql.SQL(
                    "SELECT {} || ':' || coalesce({}, 'NULL'), count(*) FROM {} GROUP BY 1"
                ).format(sql.Identifier(counter), sql.Identifier(value), t)
            ).fetchall()
        )
        estimate = conn.execute("SELECT rows_estimate FROM phasetui.backfills").fetchone()[0]
    return {"counts": counts, "estimate": estimate}


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.mark.parametrize("names", NAMES)
def test_hostile_names_through_run_status_pause_resume_set_forget(db_dsn, names):
    table, key, value, counter, label = names
    make_table(db_dsn, names)
    name = f"fill {table} 100%"  # the backfill's own name is hostile too
    sets = [f"{q(value)} = 'x%s' || {q(label)} || '%(y)s'", f"{q(counter)} = {q(counter)} + 1"]
    where = f"{q(value)} IS NULL AND {q(label)} = '50%'"
    args = ["backfill", "run", "--dsn", db_dsn, "--table", q(table), "--key", key,
            "--where", where, "--name", name, "--batch-size", "50", "--format", "json"]  # fmt: skip
    for s in sets:
        args += ["--set", s]
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    result = json.loads(r.output.strip().splitlines()[-1])
    assert result["state"] == "done" and result["rows_updated"] == ROWS // 3
    assert result["final_check"]["checked"] is True
    state = table_state(db_dsn, names)
    # only the '50%' rows, each once, with the literal %s and %(y)s kept as typed
    assert state["counts"] == {"1:x%s50%%(y)s": ROWS // 3, "0:NULL": ROWS - ROWS // 3}
    assert state["estimate"] == ROWS // 3  # the estimate read '50%', not '50%%'

    r = invoke("backfill", "status", "--dsn", db_dsn, "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.splitlines()[0])["name"] == name
    r = invoke("backfill", "status", name, "--dsn", db_dsn)
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    for verb in ("pause", "resume", "stop"):
        r = invoke("backfill", verb, name, "--dsn", db_dsn)
        assert r.exit_code == 0 and "control =" in r.output, r.output
    r = invoke("backfill", "set", name, "--dsn", db_dsn, "--batch-size", "70")
    assert r.exit_code == 0 and "batch size 70" in r.output, r.output
    # the same command again: resumes (after `stop`), finds nothing left, still done
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1])["rows_this_run"] == 0
    r = invoke("backfill", "forget", name, "--dsn", db_dsn, "--yes")
    assert r.exit_code == 0, r.output
    with psycopg.connect(db_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM phasetui.backfills").fetchone()[0] == 0


def test_hostile_names_with_a_text_key_and_a_hostile_schema(db_dsn):
    """A non-integer key walks the index (next bound by OFFSET): the same names there."""
    names = ("50% off", "%s", "%(x)s", "n%", "lbl")
    table, key, value, counter, label = names
    schema = 'Sch"ema %'
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        conn.execute(
            sql.SQL("CREATE TABLE {} ({} text PRIMARY KEY, {} text, {} int NOT NULL DEFAULT 0, "
                    "{} text NOT NULL)").format(
                sql.Identifier(schema, table),
                *(sql.Identifier(c) for c in (key, value, counter, label)),
            )
        )  # fmt: skip
        conn.execute(
            sql.SQL("INSERT INTO {} ({}, {}) SELECT 'k%' || lpad(g::text, 5, '0'), '50%' "
                    "FROM generate_series(1, {}) g").format(
                sql.Identifier(schema, table), sql.Identifier(key), sql.Identifier(label),
                sql.Literal(ROWS),
            )
        )  # fmt: skip
    r = invoke(
        "backfill", "run", "--dsn", db_dsn, "--table", f"{q(schema)}.{q(table)}",
        "--set", f"{q(value)} = 'v%'", "--set", f"{q(counter)} = {q(counter)} + 1",
        "--where", f"{q(value)} IS NULL AND {q(label)} LIKE '50%'", "--batch-size", "40",
        "--format", "json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1])["rows_updated"] == ROWS
    with psycopg.connect(db_dsn) as conn:
        got = conn.execute(
            sql.SQL("SELECT {}, {}, count(*) FROM {} GROUP BY 1, 2").format(
                sql.Identifier(counter), sql.Identifier(value), sql.Identifier(schema, table)
            )
        ).fetchall()
    assert got == [(1, "v%", ROWS)]


RUNBOOK = """
[runbook]
id = "hostile"
title = "Hostile names"

[environments.staging]
dsn_env = "PHASETUI_HOSTILE_DSN"

[[phases]]
id = "backfill"
title = "Backfill"
kind = "backfill"

[[phases.steps]]
id = "fill"
kind = "backfill"
title = "Fill"
env = "staging"
table = {table}
key = [{key}]
set = [{set_value}, {set_counter}]
where = {where}
batch_size = 50
"""


@pytest.mark.parametrize("names", NAMES)
def test_hostile_names_through_a_runbook_backfill_step(db_dsn, tmp_path, monkeypatch, names):
    table, key, value, counter, label = names
    make_table(db_dsn, names)
    monkeypatch.setenv("PHASETUI_HOSTILE_DSN", db_dsn)

    def toml(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)  # a JSON string is a TOML basic string

    runbook = tmp_path / "hostile.toml"
    runbook.write_text(
        textwrap.dedent(RUNBOOK).format(
            table=toml(q(table)),
            key=toml(key),
            set_value=toml(f"{q(value)} = '%s' || {q(label)}"),
            set_counter=toml(f"{q(counter)} = {q(counter)} + 1"),
            where=toml(f"{q(value)} IS NULL AND {q(label)} = '50%'"),
        ),
        encoding="utf-8",
    )
    audit = tmp_path / "audit"
    r = invoke("step", "backfill", "--init", str(runbook), "fill", "--audit-repo", str(audit),
               "--format", "json")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1])["state"] == "done"
    assert table_state(db_dsn, names)["counts"] == {
        "1:%s50%": ROWS // 3,
        "0:NULL": ROWS - ROWS // 3,
    }
    [run] = [p for p in (audit / "runs").iterdir()]
    saved = json.loads((run / "backfill" / "fill.json").read_text())
    assert saved["rows_updated"] == ROWS // 3 and saved["table"].endswith(table)
