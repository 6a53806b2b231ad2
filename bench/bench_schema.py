"""Schema model speed on a 2,000-table database (targets: dump parse + diff ≤ 3 s, catalog ≤ 1 s).

Starts a private embedded PostgreSQL in a temporary folder, creates N tables (serial key,
several typed columns with defaults, a CHECK, an index, a foreign key to the previous table,
a comment), dumps it with pg_dump, then times:

- pglast.split + statement loading of the dump into a SchemaModel (``load_dump``);
- the semantic diff against a second dump with a few known changes;
- ``read_catalog`` of the same database;
- baselines in the same run: ``sqlglot.parse_one`` of every statement (what "parse the dump
  with sqlglot" costs on its own) and a line diff of the two dump files (difflib).

Usage: python bench/bench_schema.py [--tables 2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import difflib
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _tables_sql(n: int) -> str:
    parts = ["CREATE SCHEMA bench;"]
    for i in range(n):
        fk = f", parent_id integer REFERENCES bench.t{i - 1}(id)" if i else ""
        parts.append(
            f"CREATE TABLE bench.t{i} (id serial PRIMARY KEY, name varchar(100) NOT NULL, "
            f"status text DEFAULT 'new', amount numeric(12,2) DEFAULT 0 CHECK (amount >= 0), "
            f"created_at timestamptz NOT NULL DEFAULT now(), payload jsonb{fk});"
            f"CREATE INDEX t{i}_status_idx ON bench.t{i} (status) WHERE status <> 'done';"
            f"COMMENT ON TABLE bench.t{i} IS 'table {i}';"
        )
    return "\n".join(parts)


def _best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tables", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="reuse/keep the server data folder here")
    args = ap.parse_args()

    import psycopg

    from phasetui.demo.server import start_embedded
    from phasetui.schema.catalog import read_catalog
    from phasetui.schema.diff import diff_models
    from phasetui.schema.dump_loader import load_dump
    from phasetui.schema.pgdump import run_pg_dump

    folder = args.keep or Path(tempfile.mkdtemp(prefix="phasetui-bench-"))
    admin = start_embedded(folder / "data", cleanup_mode=None if args.keep else "stop")
    from psycopg.conninfo import make_conninfo

    dsn = make_conninfo(admin, dbname="bench_schema")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'bench_schema'").fetchone()
        if not exists:
            conn.execute("CREATE DATABASE bench_schema")
            t = time.perf_counter()
            with psycopg.connect(dsn, autocommit=True) as db:
                db.execute(_tables_sql(args.tables))
            print(f"created {args.tables} tables in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    dump_a = run_pg_dump(dsn)
    dump_secs = time.perf_counter() - t
    # B: the same dump with known changes (a column, a NOT NULL, a widening, an index renamed)
    dump_b = (
        dump_a.replace(
            "    parent_id integer,\n",
            "    parent_id integer NOT NULL,\n    note text,\n",
            1,
        )
        .replace(
            "    name character varying(100) NOT NULL,",
            "    name character varying(200) NOT NULL,",
            1,
        )
        .replace("CREATE INDEX t7_status_idx", "CREATE INDEX t7_status_idx2", 1)
    )
    import re

    import pglast

    sql_only = re.sub(r"(?m)^\\[^\n]*$", "", dump_a)  # \restrict lines are psql, not SQL
    n_stmts = len(pglast.split(sql_only))
    print(f"dump: {len(dump_a) / 1e6:.1f} MB, {n_stmts} statements, pg_dump {dump_secs:.2f} s")

    parse_secs, model_a = _best(lambda: load_dump(dump_a, source="A"), args.repeat)
    model_b = load_dump(dump_b, source="B")
    diff_secs, diff = _best(lambda: diff_models(model_a, model_b), args.repeat)
    catalog_secs, model_c = _best(lambda: read_catalog(dsn, source="catalog"), args.repeat)
    assert not diff_models(model_a, model_c).changes, "dump and catalog models differ"

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    import sqlglot

    stmts = pglast.split(sql_only)

    def plain_sqlglot():
        for s in stmts:
            try:
                sqlglot.parse_one(s, read="postgres")
            except Exception:  # noqa: BLE001 - the baseline counts failures too
                pass

    sqlglot_secs, _ = _best(plain_sqlglot, 1)
    textdiff_secs, _ = _best(
        lambda: list(difflib.unified_diff(dump_a.splitlines(), dump_b.splitlines(), n=0)), 1
    )

    print(
        f"objects in model: {len(model_a)}; changes found: {len(diff.changes)} "
        f"({', '.join(f'{c.status} {c.kind} {c.name}' for c in diff.changes)})"
    )
    print(
        f"dump parse (load_dump, best of {args.repeat}): {parse_secs:.2f} s "
        f"({n_stmts / parse_secs:,.0f} statements/s)"
    )
    print(f"semantic diff:                       {diff_secs:.3f} s")
    total = parse_secs + diff_secs
    verdict = "OK" if total <= 3 else "OVER"
    print(f"dump parse + diff:                   {total:.2f} s  (target <= 3 s: {verdict})")
    print(f"both dumps parsed + diff:            {2 * parse_secs + diff_secs:.2f} s")
    cverdict = "OK" if catalog_secs <= 1 else "OVER"
    print(
        f"catalog read (best of {args.repeat}):           {catalog_secs:.2f} s  "
        f"(target <= 1 s: {cverdict})"
    )
    print(
        f"baseline sqlglot.parse_one of every statement: {sqlglot_secs:.2f} s "
        f"-> load_dump is {sqlglot_secs / parse_secs:.1f}x faster"
    )
    print(
        f"baseline difflib line diff of the two dumps:   {textdiff_secs:.2f} s "
        f"-> semantic diff (parse+diff) / text diff = {total / textdiff_secs:.1f}x"
    )


if __name__ == "__main__":
    main()
