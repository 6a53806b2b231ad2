"""Benchmark `phasetui lint`: wall time including interpreter start-up, vs squawk.

    python bench/bench_lint.py            # prints a table; targets: 20 stmts <= 0.3 s,
                                          # 5,000 stmts <= 1 s (squawk: ~0.01 s / 0.08 s)

Each figure is the best of several runs of a fresh process (`python -m phasetui lint FILE
--format json`), the way CI and the runbook call it. squawk (`pip install squawk-cli`) is
timed on the same files when it is on PATH, as the baseline ratio.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STATEMENTS = [
    "SET lock_timeout = '2s';",
    "CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz "
    "DEFAULT now());",
    "ALTER TABLE users ADD COLUMN c{i} text;",
    "CREATE INDEX CONCURRENTLY users_c{i}_idx ON users (c{i});",
    "ALTER TABLE orders ADD CONSTRAINT fk{i} FOREIGN KEY (user_id) REFERENCES users (id) "
    "NOT VALID;",
    "ALTER TABLE orders VALIDATE CONSTRAINT fk{i};",
    "CREATE INDEX users_d{i}_idx ON users (lower(email)) WHERE deleted_at IS NULL;",
    "ALTER TABLE users ALTER COLUMN c{i} SET NOT NULL;",
    "ALTER TABLE users ADD COLUMN u{i} uuid DEFAULT gen_random_uuid();",
    "UPDATE users SET c{i} = 'x' WHERE id >= {i} AND id < {i} + 1000;",
    "COMMENT ON COLUMN users.c{i} IS 'column {i}';",
    "ALTER TABLE users ALTER COLUMN c{i} TYPE varchar(200);",
    "INSERT INTO t{i} (id, name) VALUES ({i}, 'n');",
    "GRANT SELECT ON t{i} TO reporting;",
    "ALTER TABLE users DROP COLUMN old{i};",
    "ALTER TABLE users ADD CONSTRAINT ck{i} CHECK (c{i} <> '') NOT VALID;",
    "DROP INDEX CONCURRENTLY IF EXISTS users_old{i}_idx;",
    "ALTER TABLE t{i} ADD CONSTRAINT t{i}_name_key UNIQUE (name);",
    "CREATE UNIQUE INDEX CONCURRENTLY users_k{i} ON users (c{i});",
    "ALTER TABLE users RENAME COLUMN x{i} TO y{i};",
]


def make_file(folder: Path, count: int) -> Path:
    lines = [STATEMENTS[n % len(STATEMENTS)].format(i=n) for n in range(count)]
    path = folder / f"migration_{count}.sql"
    path.write_text("\n".join(lines) + "\n")
    return path


def best_wall(cmd: list[str], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def in_process(path: Path, runs: int) -> float:
    from phasetui.sql.lint import lint_paths

    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        lint_paths([str(path)])
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    squawk = shutil.which("squawk")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        for count, target, runs in ((20, 0.3, 7), (5000, 1.0, 5)):
            path = make_file(folder, count)
            ours = best_wall(
                [sys.executable, "-m", "phasetui", "lint", str(path), "--format", "json"], runs
            )
            core = in_process(path, runs)
            theirs = best_wall([squawk, str(path)], runs) if squawk else None
            rows.append((count, ours, core, target, theirs))
        start = best_wall([sys.executable, "-c", "pass"], 5)
    print(f"python start-up alone: {start:.3f} s")
    print(
        f"{'statements':>10}  {'phasetui wall':>13}  {'lint in-process':>15}  "
        f"{'target':>6}  {'squawk wall':>11}  {'ratio':>6}"
    )
    for count, ours, core, target, theirs in rows:
        ok = "ok" if ours <= target else "SLOW"
        sq = f"{theirs:.3f} s" if theirs is not None else "n/a"
        ratio = f"{ours / theirs:.0f}x" if theirs else "-"
        print(
            f"{count:>10}  {ours:>11.3f} s  {core:>13.3f} s  {target:>4.1f} s  {sq:>11}  "
            f"{ratio:>6}  {ok}"
        )


if __name__ == "__main__":
    main()
