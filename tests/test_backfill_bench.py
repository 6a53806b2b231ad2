"""bench/bench_backfill.py --dsn: runs on a named server in its own database, then drops it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_backfill.py"


def bench_databases(admin_dsn: str) -> set[str]:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'phasetui\\_bench\\_%'"
        ).fetchall()
    return {r[0] for r in rows}


def test_bench_runs_on_a_named_server_and_drops_its_database(pg_admin_dsn: str) -> None:
    before = bench_databases(pg_admin_dsn)
    with psycopg.connect(pg_admin_dsn) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    out = subprocess.run(
        [sys.executable, str(BENCH), "--rows", "2000", "--repeat", "1", "--only", "abef"]
        + ["--dsn", pg_admin_dsn],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert f"server: PostgreSQL {version}," in out.stdout
    assert "database phasetui_bench_" in out.stdout
    assert "| (a) single UPDATE |" in out.stdout
    assert "| (b) phasetui defaults (1 worker) |" in out.stdout
    assert "| (e) bare keyset loop, 1 thread |" in out.stdout
    assert "| (f) bare keyset loop, 2 threads |" in out.stdout
    assert bench_databases(pg_admin_dsn) == before
