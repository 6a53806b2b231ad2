"""Backfill benchmark: phasetui against one big UPDATE and a chunkById-style peer.

    python bench/bench_backfill.py [--rows 2000000] [--probe-interval-ms 20] [--dsn DSN]

On a private embedded PostgreSQL 18 (shared_buffers 1GB, max_wal_size 4GB, set with ALTER
SYSTEM and a restart) or, with ``--dsn``, on a server you name (see ``start_external``),
for each method: rebuild ``users(id bigserial primary key, email,
created_at, prefs jsonb)`` with ``--rows`` rows plus a new empty ``settings jsonb`` column,
VACUUM ANALYZE + CHECKPOINT, then fill ``settings`` with
``jsonb_build_object('theme', 'light', 'created', created_at)`` using

    (a) one single UPDATE of the whole table (the throughput limit; blocks the application)
    (b) phasetui with default settings
    (c) phasetui with 2 workers
    (d) chunkById-style peer: SELECT 1,000 ids, then UPDATE … WHERE id = ANY(ids)

and, with ``--only``, two reference points that are not products: what this machine's
server gives to batches that do nothing else (no checkpoint, no progress, no control):

    (e) a bare keyset loop of 10,000-key ranges, one thread (synchronous_commit off)
    (f) the same loop in two threads on interleaved ranges

While each runs, an OPEN-LOOP probe (a separate process, 4 clients) sends single-row
UPDATEs on random ids on a fixed schedule (every --probe-interval-ms per client) and
measures each request's latency from its *scheduled* start, so a blocked client counts the
whole wait (a closed-loop probe hides it). Prints seconds, rows/s, the throughput ratio to
(a), WAL written, and the probe's p50/p99/max.

The machine may be shared: the load average is printed before every measurement, each
method runs --repeat times (default 2; rounds interleave a, b, c, d, a, b, … so a change in
the machine's load hits every method alike), every run is printed, and the summary takes
each figure's median over the runs (the mean of the two for two runs). Before the first
measured run one untimed UPDATE warms the server (see ``warm_up``). Every run also prints the
server's CPU time (all PostgreSQL processes, the probe's backends included) as cores used
and µs per row, and how busy the whole machine was: a single UPDATE is bound to one core,
and the 2-worker ratio is bounded by what the second core gives.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXPR = "jsonb_build_object('theme', 'light', 'created', created_at)"


# -- server -----------------------------------------------------------------------------
def pg_ctl(data: Path, *args: str) -> None:
    from phasetui.demo.server import pg_bin_dir

    cmd = [str(pg_bin_dir() / "pg_ctl"), "-w", "-D", str(data), *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "pgserver", "--", *cmd]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def describe_server(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        values = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in (
                "server_version",
                "shared_buffers",
                "max_wal_size",
                "checkpoint_timeout",
                "data_checksums",
            )
        }
    print(
        f"server: PostgreSQL {values['server_version']}, shared_buffers "
        f"{values['shared_buffers']}, max_wal_size {values['max_wal_size']}, "
        f"checkpoint_timeout {values['checkpoint_timeout']}, data_checksums "
        f"{values['data_checksums']}",
        flush=True,
    )


def start_server(folder: Path) -> tuple[str, Path]:
    from phasetui.demo.server import start_embedded

    data = folder / "data"
    dsn = start_embedded(data, cleanup_mode="stop")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET shared_buffers = '1GB'")
        conn.execute("ALTER SYSTEM SET max_wal_size = '4GB'")
        conn.execute("ALTER SYSTEM SET checkpoint_timeout = '30min'")
    pg_ctl(data, "-m", "fast", "-l", str(data / "log"), "restart")
    describe_server(dsn)
    return dsn, data


def start_external(admin_dsn: str) -> tuple[str, str, int]:
    """``--dsn``: a superuser DSN of a throwaway server on this machine (unix socket or
    loopback). Its settings are left as they are (set shared_buffers, max_wal_size and
    checkpoint_timeout when you start it) and printed; the bench creates its own database
    there, returns (its DSN, its name, the postmaster's pid) and ``drop_external`` drops it.
    The postmaster is the parent of our backend: its CPU is read from /proc like the
    embedded server's (NaN if the server is not on this machine)."""
    name = f"phasetui_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        if not conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()[0]:
            raise SystemExit("--dsn must be a superuser's (the bench runs CHECKPOINT)")
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = make_conninfo(admin_dsn, dbname=name)
    postmaster = -1
    with psycopg.connect(dsn, autocommit=True) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        try:
            with open(f"/proc/{backend}/stat") as f:
                stat = f.read()
            postmaster = int(stat[stat.rindex(")") + 2 :].split()[1])
        except (OSError, ValueError):
            print("server CPU: not measurable (the server is not on this machine)", flush=True)
    where = conninfo_to_dict(dsn)
    print(
        f"external server (--dsn): host {where.get('host', '(default)')}, database {name} "
        "(created now, dropped at the end)",
        flush=True,
    )
    describe_server(dsn)
    return dsn, name, postmaster


def drop_external(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def rebuild(dsn: str, rows: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS phasetui CASCADE")
        conn.execute("DROP TABLE IF EXISTS users")
        conn.execute(
            "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, "
            "created_at timestamptz NOT NULL, prefs jsonb)"
        )
        conn.execute(
            "INSERT INTO users (email, created_at, prefs) SELECT 'user' || g || '@example.com', "
            "now() - g * interval '1 minute', '{}'::jsonb FROM generate_series(1, %s) g",
            (rows,),
        )
        conn.execute("ALTER TABLE users ADD COLUMN settings jsonb")  # the expand phase
        conn.execute("VACUUM ANALYZE users")
        conn.execute("CHECKPOINT")


# -- open-loop probe ----------------------------------------------------------------------
def probe_process(dsn: str, rows: int, interval: float, stop, out) -> None:
    """4 clients; request k of a client is due at start + k*interval; latency counts from
    then, so time spent blocked (and the requests queued behind it) is all measured."""
    latencies: list[float] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.2

    def client(offset: float) -> None:
        rnd = random.Random()
        conn = psycopg.connect(dsn, autocommit=True)
        k = 0
        mine: list[float] = []
        while not stop.is_set():
            due = start + offset + k * interval
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            conn.execute("UPDATE users SET email = email WHERE id = %s", (rnd.randint(1, rows),))
            mine.append(time.monotonic() - due)
            k += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [
        threading.Thread(target=client, args=(i * interval / 4,), daemon=True) for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(latencies)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


# -- methods --------------------------------------------------------------------------------
def single_update(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(f"UPDATE users SET settings = {EXPR}").rowcount


def phasetui_run(dsn: str, workers: int) -> int:
    from phasetui.backfill.engine import run_backfill
    from phasetui.backfill.spec import BackfillSpec

    spec = BackfillSpec.from_mapping(
        {"table": "users", "set": [f"settings = {EXPR}"], "where": "settings IS NULL"}
    )
    result = run_backfill(dsn, spec, workers=workers)
    assert result.state == "done", result
    phasetui_run.last = result  # type: ignore[attr-defined]
    return result.rows_this_run


def bare_keyset(dsn: str, threads: int, step: int = 10_000) -> int:
    """The ceiling for (b) and (c): batches of plain key ranges and nothing else."""
    with psycopg.connect(dsn) as conn:
        top = conn.execute("SELECT max(id) FROM users").fetchone()[0]
    counts = [0] * threads

    def loop(index: int) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SET synchronous_commit = off")
            for lo in range(1 + index * step, top + 1, threads * step):
                counts[index] += conn.execute(
                    f"UPDATE users SET settings = {EXPR} "
                    "WHERE id >= %s AND id < %s AND settings IS NULL",
                    (lo, lo + step),
                    prepare=True,
                ).rowcount

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counts)


def chunk_by_id(dsn: str) -> int:
    done, last = 0, 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        while True:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM users WHERE id > %s ORDER BY id LIMIT 1000", (last,)
                ).fetchall()
            ]
            if not ids:
                return done
            done += conn.execute(
                f"UPDATE users SET settings = {EXPR} WHERE id = ANY(%s)", (ids,)
            ).rowcount
            last = ids[-1]


def server_cpu_seconds(postmaster: int) -> float:
    """CPU time of the server: the postmaster, its live children and (cutime/cstime) the
    children it has reaped (backends that ended). Linux /proc; NaN elsewhere."""
    if postmaster < 0:
        return float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return float("nan")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(pid) == postmaster:
            total += sum(int(x) for x in fields[11:15])
        elif int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def machine_busy_ticks() -> tuple[int, int]:
    """(all, idle) jiffies of every CPU, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            values = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return (0, 0)
    return sum(values), values[3] + values[4]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def measure(dsn: str, rows: int, label: str, fn, interval: float, postmaster: int) -> dict:
    rebuild(dsn, rows)
    load = load_average()
    ctx = mp.get_context("spawn")
    stop, out = ctx.Event(), ctx.Queue()
    probe = ctx.Process(target=probe_process, args=(dsn, rows, interval, stop, out))
    probe.start()
    time.sleep(1.0)  # the probe is connected and on schedule
    with psycopg.connect(dsn, autocommit=True) as conn:
        lsn0 = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    cpu0, machine0 = server_cpu_seconds(postmaster), machine_busy_ticks()
    started = time.monotonic()
    updated = fn(dsn)
    seconds = time.monotonic() - started
    machine1 = machine_busy_ticks()
    stop.set()
    latencies = out.get()
    probe.join()
    time.sleep(0.3)  # the workers' backends have ended and been reaped
    server_cpu = server_cpu_seconds(postmaster) - cpu0
    all_ticks = machine1[0] - machine0[0]
    busy = (all_ticks - (machine1[1] - machine0[1])) / all_ticks if all_ticks else float("nan")
    with psycopg.connect(dsn, autocommit=True) as conn:
        wal = conn.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)::bigint", (lsn0,)
        ).fetchone()[0]
        missing = conn.execute("SELECT count(*) FROM users WHERE settings IS NULL").fetchone()[0]
        autovacuum = conn.execute(
            "SELECT autovacuum_count + autoanalyze_count FROM pg_stat_user_tables "
            "WHERE relid = 'users'::regclass"
        ).fetchone()[0]
    assert updated == rows and missing == 0, (label, updated, missing)
    ms = [x * 1000 for x in latencies]
    row = {
        "method": label,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "wal_mb": wal / 1e6,
        "p50": percentile(ms, 0.50),
        "p99": percentile(ms, 0.99),
        "max": max(ms) if ms else float("nan"),
        "probes": len(ms),
        "mean": statistics.fmean(ms) if ms else float("nan"),
        "load": load,
        "autovacuum": autovacuum,
        "server_cores": server_cpu / seconds,
        "us_per_row": server_cpu / rows * 1e6,
        "machine_cores": busy * (os.cpu_count() or 1),
    }
    print(
        f"  {label:<34} {seconds:7.2f}s {row['rows_per_s']:>10,.0f} rows/s  "
        f"probe p50 {row['p50']:6.1f} ms  p99 {row['p99']:8.1f} ms  max {row['max']:8.1f} ms "
        f"({row['probes']} probes; load before {load}; server CPU "
        f"{row['server_cores']:.2f} cores = {row['us_per_row']:.2f} µs/row; machine busy "
        f"{row['machine_cores']:.2f} of {os.cpu_count()} cores"
        + (f"; autovacuum ran {autovacuum}x" if autovacuum else "")
        + ")",
        flush=True,
    )
    return row


def median_run(runs: list[dict]) -> dict:
    """Each figure's median over the runs (for two runs: their mean)."""
    row = {"method": runs[0]["method"]}
    for k in ("seconds", "rows_per_s", "wal_mb", "p50", "p99", "max", "server_cores", "us_per_row"):
        row[k] = statistics.median(r[k] for r in runs)
    row["load"] = " / ".join(r["load"].split()[0] for r in runs)
    return row


def warm_up(dsn: str, rows: int) -> None:
    """One untimed fill before the measured ones. The first writes after the server starts
    also fault in its shared memory (1GB of shared_buffers, zero-filled by the kernel on
    first touch): whichever method ran first paid that (≈ 15% slower here), and it was (a)."""
    rebuild(dsn, rows)
    started = time.monotonic()
    single_update(dsn)
    print(
        f"warm-up (not measured): one UPDATE of {rows:,} rows in {time.monotonic() - started:.2f}s",
        flush=True,
    )


def table_row(r: dict, base: dict | None) -> str:
    ratio = f"{r['rows_per_s'] / base['rows_per_s']:.2f}" if base else "-"
    return (
        f"| {r['method']} | {r['seconds']:.2f} | {r['rows_per_s']:,.0f} | {ratio} | "
        f"{r['wal_mb']:,.0f} | {r['p50']:.1f} ms | {r['p99']:.1f} ms | {r['max']:.0f} ms | "
        f"{r['server_cores']:.2f} ({r['us_per_row']:.2f} µs/row) | {r['load']} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--probe-interval-ms", type=float, default=20.0)
    ap.add_argument(
        "--only",
        default="abcd",
        help="Which methods to run (letters; e and f are the bare-loop reference points).",
    )
    ap.add_argument("--repeat", type=int, default=2, help="Runs of each method (median kept).")
    ap.add_argument(
        "--dsn",
        help="Superuser DSN of a throwaway server on this machine to run on instead of the "
        "embedded PostgreSQL 18 (the bench creates and drops its own database there; the "
        "server's settings are printed, not changed).",
    )
    args = ap.parse_args()
    folder = None if args.dsn else Path(tempfile.mkdtemp(prefix="phasetui-bench-"))
    bench_db = None
    interval = args.probe_interval_ms / 1000
    methods = {
        "a": ("(a) single UPDATE", single_update),
        "b": ("(b) phasetui defaults (1 worker)", lambda d: phasetui_run(d, 1)),
        "c": ("(c) phasetui 2 workers", lambda d: phasetui_run(d, 2)),
        "d": ("(d) chunkById peer (1,000 ids)", chunk_by_id),
        "e": ("(e) bare keyset loop, 1 thread", lambda d: bare_keyset(d, 1)),
        "f": ("(f) bare keyset loop, 2 threads", lambda d: bare_keyset(d, 2)),
    }
    try:
        if args.dsn:
            dsn, bench_db, postmaster = start_external(args.dsn)
        else:
            dsn, data = start_server(folder)
            postmaster = int((data / "postmaster.pid").read_text().split()[0])
        print(
            f"{args.rows:,} rows; probe: 4 clients, one UPDATE each every "
            f"{args.probe_interval_ms:g} ms, latency from the scheduled start; "
            f"{os.cpu_count()} CPUs; load average {load_average()}; "
            f"{args.repeat} run(s) of each method",
            flush=True,
        )
        warm_up(dsn, args.rows)
        runs: dict[str, list[dict]] = {m: [] for m in args.only}
        for round_no in range(1, args.repeat + 1):
            print(f"round {round_no}:", flush=True)
            for m in args.only:
                runs[m].append(measure(dsn, args.rows, *methods[m], interval, postmaster))
    finally:
        if bench_db:
            drop_external(args.dsn, bench_db)
        if folder is not None:
            try:
                pg_ctl(folder / "data", "-m", "fast", "stop")
            except Exception:  # noqa: BLE001 - best effort
                pass
            shutil.rmtree(folder, ignore_errors=True)
    header = (
        "| method | seconds | rows/s | × (a) throughput | WAL MB | probe p50 | p99 | max "
        "| server CPU cores (per row) | load before |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    base = median_run(runs["a"]) if runs.get("a") else None
    print(f"\nevery run (ratios to the median (a); load average {load_average()} at the end):")
    print(header)
    for m in args.only:
        for r in runs[m]:
            print(table_row(r, base))
    print(
        f"\nmedians of {args.repeat} run(s) of each method (load: 1-min average before each run):"
    )
    print(header)
    for m in args.only:
        print(table_row(median_run(runs[m]), base))


if __name__ == "__main__":
    main()
