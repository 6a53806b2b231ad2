"""Fault injection against a real PostgreSQL: a backfill survives, resumes, never lies.

- kill -9 of the backfill at 20 random moments (seeded): every row updated exactly once;
- a server restart and ``pg_terminate_backend`` mid-run: it finishes (the workers
  reconnect) or stops resumable with a clear message, and the rerun finishes;
- a restart, and "the database system is starting up", while a backfill *starts*: said so
  (exit 3, resumable), not "check the column names" / "check the DSN";
- an ACCESS EXCLUSIVE holder and a row-lock holder during a backfill: a concurrent session's
  query never waits on phasetui longer than phasetui's lock_timeout (measured);
- a finished backfill's table dropped and recreated, or restored with pg_restore: the rerun
  does not claim "done".

Every table has a counter ``n`` that the SET increments and a ``filled`` flag the WHERE
filters on: a row updated twice shows ``n = 2``, a row missed ``n = 0``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from tests.pg_control import PrivateServer, private_server

pytestmark = pytest.mark.faults

# One batch costs `knob.d` seconds of pg_sleep (once per statement, not per row): slow while
# the faults are injected, 0 to finish quickly afterwards.
SET = "n = n + 1 + (SELECT 0 FROM pg_sleep((SELECT d FROM knob))), filled = true"
WHERE = "NOT filled"


def make_items(dsn: str, rows: int, delay: float = 0.0) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0, "
            "filled boolean NOT NULL DEFAULT false, probe int NOT NULL DEFAULT 0)"
        )
        conn.execute("INSERT INTO items (id) SELECT g FROM generate_series(1, %s) g", (rows,))
        conn.execute("CREATE TABLE IF NOT EXISTS knob (d float8 NOT NULL)")
        conn.execute("DELETE FROM knob")
        conn.execute("INSERT INTO knob VALUES (%s)", (delay,))


def set_knob(dsn: str, delay: float) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("UPDATE knob SET d = %s", (delay,))


def counters(dsn: str) -> dict[tuple[int, bool], int]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT n, filled, count(*) FROM items GROUP BY 1, 2").fetchall()
    return {(n, f): c for n, f, c in rows}


def rows_done(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        if conn.execute("SELECT to_regclass('phasetui.backfill_chunks')").fetchone()[0] is None:
            return 0
        return int(
            conn.execute(
                "SELECT coalesce(sum(rows_done), 0) FROM phasetui.backfill_chunks"
            ).fetchone()[0]
        )


def cli(dsn: str, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "phasetui", "backfill", "run", "--dsn", dsn, "--table", "items",
        "--set", SET, "--where", WHERE, "--target-batch-seconds", "0", "--format", "json",
        "--interval", "0.2", *extra,
    ]  # fmt: skip


def last_json(out: str) -> dict:
    lines = [x for x in out.strip().splitlines() if x.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


# -- kill -9 at 20 random moments ---------------------------------------------------------

KILL_ROWS = 36_000
KILLS = 20


def _engine_child(dsn: str) -> None:
    """The engine in a forked process (imports already paid for by the parent)."""
    from phasetui.backfill.spec import BackfillSpec
    from phasetui.ops.backfill_run import exit_code, run_backfill_job

    spec = BackfillSpec.from_mapping(
        {"table": "items", "set": [SET], "where": WHERE, "batch_size": 100, "workers": 2,
         "target_batch_seconds": 0}
    )  # fmt: skip
    result = run_backfill_job(dsn, spec, progress_interval=0.2)
    os._exit(exit_code(result))


def test_kill_minus_nine_at_twenty_random_moments_updates_every_row_exactly_once(db_dsn):
    # Imported (and the linter's rules loaded) once, before the forks: each kill then hits
    # the backfill itself, not Python starting.
    import phasetui.ops.backfill_run  # noqa: F401
    from phasetui.sql.lint import LintOptions, lint_text

    lint_text("UPDATE t SET a = 1 WHERE id >= 1 AND id < 2;", "x", LintOptions(phase="backfill"))

    make_items(db_dsn, KILL_ROWS, delay=0.05)
    rng = random.Random(20260515)
    fork = multiprocessing.get_context("fork")
    watch = psycopg.connect(db_dsn, autocommit=True)

    def done_now() -> int:
        if watch.execute("SELECT to_regclass('phasetui.backfill_chunks')").fetchone()[0] is None:
            return 0
        return int(
            watch.execute(
                "SELECT coalesce(sum(rows_done), 0) FROM phasetui.backfill_chunks"
            ).fetchone()[0]
        )

    in_start_up = mid_run = 0
    for i in range(KILLS):
        before = done_now()
        child = fork.Process(target=_engine_child, args=(db_dsn,), daemon=True)
        child.start()
        if rng.random() < 0.2:
            # while it starts: connecting, finding the key, planning or resuming
            time.sleep(rng.uniform(0.0, 0.3))
            in_start_up += 1
        else:
            # while it works: once this run has committed a batch, a random moment later
            # (inside a batch, between batches, between a batch and its checkpoint read)
            deadline = time.monotonic() + 30
            while done_now() == before and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.4))
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        assert child.exitcode == -signal.SIGKILL, f"kill {i}: the run had ended already"
        partial = counters(db_dsn)
        assert {n for n, _ in partial} <= {0, 1}, f"kill {i}: a row updated twice: {partial}"
        assert all(n == int(f) for n, f in partial), partial  # counter and flag together
        mid_run += done_now() > before
    watch.close()
    print(f"figures: {KILLS} kills, {in_start_up} in start-up, {mid_run} mid-run")
    assert mid_run >= KILLS - in_start_up  # every kill meant to land mid-run did
    assert 0 < counters(db_dsn).get((1, True), 0) < KILL_ROWS  # there was work left to resume
    set_knob(db_dsn, 0.0)
    child = fork.Process(target=_engine_child, args=(db_dsn,), daemon=True)
    child.start()
    child.join(120)
    assert child.exitcode == 0
    assert counters(db_dsn) == {(1, True): KILL_ROWS}
    assert rows_done(db_dsn) == KILL_ROWS  # the checkpoint counted each row once too


# -- a restarting server ------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    srv = private_server()
    try:
        yield srv
    finally:
        try:
            srv.stop()
        except subprocess.CalledProcessError:
            pass


def fresh_db(srv: PrivateServer, name: str) -> str:
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return srv.create_db(name)


def test_server_restart_mid_backfill_finishes_or_resumes(server):
    dsn = fresh_db(server, "restart_mid")
    make_items(dsn, 6000, delay=0.01)
    proc = subprocess.Popen(
        cli(dsn, "--batch-size", "100", "--workers", "2"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while rows_done(dsn) < 600 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.restart()
    out, err = proc.communicate(timeout=120)
    result = last_json(out)
    assert proc.returncode in (0, 3), err
    if proc.returncode == 3:  # stopped resumable: it must say why, and the rerun finishes
        assert result["state"] in ("interrupted", "stopped") and result["last_error"], out
        again = subprocess.run(cli(dsn), capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        result = last_json(again.stdout)
    assert result["state"] == "done"
    assert counters(dsn) == {(1, True): 6000}


def test_pg_terminate_backend_of_every_backfill_session_mid_run(db_dsn, pg_admin_dsn):
    make_items(db_dsn, 6000, delay=0.01)
    proc = subprocess.Popen(
        cli(db_dsn, "--batch-size", "100", "--workers", "2"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    dbname = conninfo_to_dict(db_dsn)["dbname"]
    killed = 0
    for threshold in (600, 2400):
        deadline = time.monotonic() + 20
        while rows_done(db_dsn) < threshold and time.monotonic() < deadline:
            time.sleep(0.05)
        with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
            killed += admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND application_name LIKE 'phasetui backfill%%'",
                (dbname,),
            ).fetchone()[0]
    assert killed >= 4  # the workers and the monitor, twice
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    result = last_json(out)
    assert result["state"] == "done" and result["retries"] >= 1
    assert counters(db_dsn) == {(1, True): 6000}


def _wait_for_lock_wait(dsn: str, timeout: float = 20.0) -> None:
    """Until a phasetui session waits for a lock (its start-up EXPLAIN behind the holder)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            ).fetchone()
        if row[0]:
            return
        time.sleep(0.05)
    raise AssertionError("phasetui never waited for the lock")


def test_a_restart_while_the_backfill_starts_says_so_and_the_rerun_resumes(server):
    dsn = fresh_db(server, "restart_start")
    make_items(dsn, 2000)
    holder = psycopg.connect(dsn)
    holder.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")  # start-up waits here
    proc = subprocess.Popen(
        cli(dsn, "--lock-timeout", "1s"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        _wait_for_lock_wait(dsn)
        server.restart()
    finally:
        holder.close()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, out + err
    assert "the server closed the connection while the backfill was starting" in err
    assert "it resumes from the checkpoint" in err
    assert "column names" not in err and "Traceback" not in err
    again = subprocess.run(cli(dsn), capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert counters(dsn) == {(1, True): 2000}


def test_the_database_system_is_starting_up_is_said_so_not_check_the_dsn(server):
    """A real server held in its start-up (archive recovery waits on restore_command)."""
    dsn = fresh_db(server, "starting_up")
    make_items(dsn, 500)
    go = server.data_dir / "phasetui_go"
    go.unlink(missing_ok=True)
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute(
            "ALTER SYSTEM SET restore_command = "
            "'while [ ! -f phasetui_go ]; do sleep 0.05; done; false'"
        )
    server.stop()
    (server.data_dir / "recovery.signal").write_text("")
    socket_dir = conninfo_to_dict(server.dsn)["host"]
    # -W: pg_ctl would wait for a server that cannot be ready until we say so
    server._ctl("start", "-W", "-o", f'-h "" -k {socket_dir}', "-l",
                str(server.data_dir / "log"), wait=False)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:  # until the server answers "starting up"
            try:
                psycopg.connect(dsn, connect_timeout=2).close()
                raise AssertionError("the server accepted connections before recovery ended")
            except psycopg.OperationalError as exc:
                if "starting up" in str(exc):
                    break
                assert time.monotonic() < deadline, str(exc)
                time.sleep(0.05)
        r = subprocess.run(cli(dsn), capture_output=True, text=True, timeout=60)
        assert r.returncode == 3, r.stdout + r.stderr
        assert "the database server is starting up" in r.stderr
        assert "it resumes from the checkpoint" in r.stderr
        assert "check the DSN" not in r.stderr and "Traceback" not in r.stderr
    finally:
        go.write_text("")
        server.wait_ready()
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM RESET restore_command")
            conn.execute("SELECT pg_reload_conf()")
    r = subprocess.run(cli(dsn), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert counters(dsn) == {(1, True): 500}


# -- lock holders: the application never waits on phasetui longer than its lock_timeout -----

LOCK_TIMEOUT = 0.2
LOCK_ROWS = 12_000


def _longest_true_run(samples: list[tuple[float, bool]]) -> float:
    longest, since = 0.0, None
    for when, flag in samples:
        if flag and since is None:
            since = when
        elif not flag and since is not None:
            longest, since = max(longest, when - since), None
    return longest


def test_lock_holders_never_make_the_application_wait_on_phasetui(db_dsn):
    """A session takes ACCESS EXCLUSIVE on the table for 1.5 s, later another keeps row locks
    for 1.5 s exactly where the next batch is going. Meanwhile a probe session asks every
    20 ms (open loop: a probe that waits makes the next ones late) for a row lock on rows
    that very batch locks before it reaches the held ones. phasetui's batch waits for at
    most its lock_timeout, rolls back (freeing the probe's rows), and retries smaller."""
    from phasetui.backfill.engine import BackfillEngine
    from phasetui.backfill.spec import BackfillSpec

    make_items(db_dsn, LOCK_ROWS)
    spec = BackfillSpec.from_mapping(
        {"table": "items", "set": [SET], "where": WHERE, "batch_size": 100,
         "pause_seconds": "15ms", "target_batch_seconds": 0, "lock_timeout": "200ms",
         "max_retries": 30}
    )  # fmt: skip
    holder = psycopg.connect(db_dsn)
    phase = {"ae": threading.Event(), "rows": threading.Event()}
    target = [LOCK_ROWS, LOCK_ROWS]  # the probe's rows; moved next to the held ones

    def on_batch(event) -> None:
        """In the worker, right after a batch committed, before the next one starts."""
        hi = int(event.hi[0]) if event.hi else 0
        if not phase["ae"].is_set() and hi >= 2000:
            holder.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
            phase["ae"].set()
        elif phase["ae"].is_set() and not phase["rows"].is_set() and hi >= 6000:
            # the next batch is [hi, hi + size): it locks hi … hi+59, then waits on hi+60
            size = event.size
            holder.execute("SELECT 1 FROM items WHERE id BETWEEN %s AND %s FOR UPDATE",
                           (hi + 60, hi + 60 + 3 * size))  # fmt: skip
            target[:] = [max(hi, hi + 60 - 10), hi + 59]
            phase["rows"].set()

    engine = BackfillEngine(db_dsn, spec)
    engine.prepare()
    box: dict = {}
    runner = threading.Thread(target=lambda: box.update(r=engine.run(on_batch=on_batch)))
    probe = psycopg.connect(db_dsn, autocommit=True)
    probe_pid = probe.info.backend_pid
    done = threading.Event()
    blocked: list[tuple[float, bool]] = []  # (when, the probe waits on a phasetui session)
    late: list[tuple[float, float]] = []  # (scheduled, seconds from then to its answer)

    def sampler() -> None:
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            while not done.is_set():
                row = conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = "
                    "ANY (pg_blocking_pids(%s)) AND a.application_name LIKE 'phasetui%%')",
                    (probe_pid,),
                ).fetchone()
                blocked.append((time.monotonic(), bool(row[0])))
                time.sleep(0.005)

    def prober() -> None:
        rng = random.Random(7)
        start, k = time.monotonic(), 0
        while not done.is_set():
            scheduled = start + k * 0.02
            k += 1
            now = time.monotonic()
            if now < scheduled:
                time.sleep(scheduled - now)
            probe.execute(  # the application about to update a row: no new row version
                "SELECT 1 FROM items WHERE id = %s FOR UPDATE", (rng.randint(*target),)
            )
            late.append((scheduled, time.monotonic() - scheduled))

    threads = [threading.Thread(target=f, daemon=True) for f in (sampler, prober)]
    for t in threads:
        t.start()
    runner.start()
    assert phase["ae"].wait(30)
    ae_from = time.monotonic()
    time.sleep(1.5)
    holder.commit()
    ae_to = time.monotonic()
    assert phase["rows"].wait(30)
    time.sleep(1.5)
    holder.commit()
    holder.close()
    runner.join(120)
    done.set()
    for t in threads:
        t.join(10)
    probe.close()
    result = box["r"]
    assert result.state == "done" and result.retries >= 2  # it met both holders, and waited
    assert counters(db_dsn) == {(1, True): LOCK_ROWS}
    longest = _longest_true_run(blocked)
    # Outside the ACCESS EXCLUSIVE hold the probe waits on nobody but phasetui (the probes
    # queued behind the holder still answer late for a moment after it lets go: skipped).
    outside = [s for at, s in late if not ae_from - 0.05 <= at <= ae_to + 0.5]
    print(
        f"figures: {len(late)} probes, {len(blocked)} samples, longest wait on phasetui "
        f"{longest:.3f}s, latest probe outside the ACCESS EXCLUSIVE hold {max(outside):.3f}s "
        f"(lock_timeout {LOCK_TIMEOUT}s; the holders held 1.5s each), retries {result.retries}"
    )
    assert longest > 0.05  # the probe really met phasetui's batch …
    assert longest < LOCK_TIMEOUT + 0.15, f"blocked by phasetui for {longest:.3f}s"
    assert len(outside) > 100
    assert max(outside) < LOCK_TIMEOUT + 0.3, f"probe late by {max(outside):.3f}s"


# -- the table is not the one the checkpoint describes ------------------------------------


def test_a_dropped_and_recreated_table_is_not_claimed_done(db_dsn):
    make_items(db_dsn, 3000)
    r = subprocess.run(cli(db_dsn, "--batch-size", "500"), capture_output=True, text=True)
    assert r.returncode == 0 and last_json(r.stdout)["state"] == "done", r.stderr
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE items")
    make_items(db_dsn, 3000)
    r = subprocess.run(cli(db_dsn, "--batch-size", "500"), capture_output=True, text=True)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "was recreated since this checkpoint" in r.stderr
    assert '"state": "done"' not in r.stdout and counters(db_dsn) == {(0, False): 3000}


def test_a_table_restored_with_pg_restore_is_not_claimed_done(db_dsn, tmp_path):
    from phasetui.demo.server import pg_bin_dir

    make_items(db_dsn, 3000)
    c = conninfo_to_dict(db_dsn)
    conn_args = ["-h", c["host"], "-U", c.get("user", "postgres"), "-d", c["dbname"]]
    if c.get("port"):
        conn_args += ["-p", str(c["port"])]
    dump = tmp_path / "pre_backfill.dump"
    subprocess.run(
        [str(pg_bin_dir() / "pg_dump"), "-Fc", "-t", "items", "-f", str(dump), *conn_args],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    r = subprocess.run(cli(db_dsn, "--batch-size", "500"), capture_output=True, text=True)
    assert r.returncode == 0 and counters(db_dsn) == {(1, True): 3000}, r.stderr
    # the rollback a DBA does: restore the table from the backup taken before the backfill
    subprocess.run(
        [str(pg_bin_dir() / "pg_restore"), "--clean", "--if-exists", *conn_args, str(dump)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    assert counters(db_dsn) == {(0, False): 3000}
    r = subprocess.run(cli(db_dsn, "--batch-size", "500"), capture_output=True, text=True)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "was recreated since this checkpoint" in r.stderr and "--restart" in r.stderr
    assert counters(db_dsn) == {(0, False): 3000}
    r = subprocess.run(cli(db_dsn, "--batch-size", "500", "--restart"), capture_output=True,
                       text=True)  # fmt: skip
    assert r.returncode == 0 and counters(db_dsn) == {(1, True): 3000}, r.stderr
