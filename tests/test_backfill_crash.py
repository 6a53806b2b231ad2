"""Exactly once under kill -9, and resume after a real server restart.

The backfill runs as the real CLI in a subprocess; it is killed with SIGKILL at several
points (early, mid-run, repeatedly), then run again to completion. The counter column ``n``
(incremented with no filter) proves every row was updated exactly once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest

from phasetui.backfill.engine import run_backfill
from phasetui.backfill.spec import BackfillSpec

ROWS = 4000


def make_items(dsn: str, rows: int = ROWS) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0)")
        conn.execute("INSERT INTO items (id) SELECT g FROM generate_series(1, %s) g", (rows,))


def counters(dsn: str) -> dict[int, int]:
    with psycopg.connect(dsn) as conn:
        return dict(conn.execute("SELECT n, count(*) FROM items GROUP BY n").fetchall())


def cli(dsn: str, *extra: str) -> list[str]:
    # pg_sleep in the expression makes each batch last long enough to be killed inside it.
    return [
        sys.executable, "-m", "phasetui", "backfill", "run", "--dsn", dsn, "--table", "items",
        "--set", "n = n + 1 + (SELECT 0 FROM pg_sleep(0.04))", "--batch-size", "25",
        "--target-batch-seconds", "0", "--format", "json", "--interval", "0.2", *extra,
    ]  # fmt: skip


def rows_done(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        if conn.execute("SELECT to_regclass('phasetui.backfill_chunks')").fetchone()[0] is None:
            return 0
        return int(
            conn.execute(
                "SELECT coalesce(sum(rows_done), 0) FROM phasetui.backfill_chunks"
            ).fetchone()[0]
        )


@pytest.mark.parametrize("kill_points", [(0.8,), (0.6, 0.3, 0.5)])
def test_kill_minus_nine_at_several_points_updates_every_row_exactly_once(db_dsn, kill_points):
    make_items(db_dsn)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for delay in kill_points:
        before = rows_done(db_dsn)
        proc = subprocess.Popen(
            cli(db_dsn, "--workers", "2"),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
        )  # fmt: skip
        time.sleep(delay)
        deadline = time.monotonic() + 10
        while rows_done(db_dsn) == before and time.monotonic() < deadline:
            time.sleep(0.05)  # kill only once this run has committed something
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
    partial = counters(db_dsn)
    assert set(partial) <= {0, 1} and partial.get(1, 0) > 0
    done = subprocess.run(cli(db_dsn), capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    assert counters(db_dsn) == {1: ROWS}
    assert '"state": "done"' in done.stdout.splitlines()[-1]


def test_ctrl_c_stops_after_the_batch_and_the_same_command_resumes(db_dsn):
    make_items(db_dsn)
    proc = subprocess.Popen(cli(db_dsn), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    while rows_done(db_dsn) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 3, err
    assert '"event": "interrupt"' in out and '"state": "interrupted"' in out
    partial = counters(db_dsn)
    assert set(partial) == {0, 1}
    done = subprocess.run(cli(db_dsn), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert counters(db_dsn) == {1: ROWS}


def _restart(data_dir: Path) -> None:
    """A real restart of a private embedded server: pg_ctl restart, as the server's user."""
    from phasetui.demo.server import pg_bin_dir

    cmd = [str(pg_bin_dir() / "pg_ctl"), "-w", "-D", str(data_dir), "-m", "fast",
           "-l", str(data_dir / "log"), "restart"]  # fmt: skip
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "pgserver", "--", *cmd]
    # The postmaster must not inherit our pipes, or waiting for the output never ends.
    subprocess.run(
        cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60
    )


def _stop(data_dir: Path) -> None:
    from phasetui.demo.server import pg_bin_dir

    cmd = [str(pg_bin_dir() / "pg_ctl"), "-w", "-D", str(data_dir), "-m", "fast", "stop"]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "pgserver", "--", *cmd]
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)


@pytest.fixture
def private_server():
    """A private embedded server we may restart (never the shared one)."""
    from phasetui.demo.server import start_embedded

    folder = Path(tempfile.mkdtemp(prefix="phasetui-restart-"))
    data = folder / "data"
    dsn = start_embedded(data, cleanup_mode="stop")
    try:
        yield dsn, data
    finally:
        # After a restart the server is no longer the process pgserver's handle started.
        _stop(data)
        shutil.rmtree(folder, ignore_errors=True)


def test_resume_after_the_server_restarts_mid_run(private_server):
    dsn, data = private_server
    make_items(dsn, 3000)
    spec = BackfillSpec.from_mapping(
        {"table": "items", "set": ["n = n + 1"], "batch_size": 30, "pause_seconds": "20ms",
         "target_batch_seconds": 0}
    )  # fmt: skip
    box: dict = {}
    events: list = []

    def target() -> None:
        try:
            box["result"] = run_backfill(dsn, spec, on_batch=events.append, progress_interval=0.2)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    deadline = time.monotonic() + 20
    while len(events) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    _restart(data)
    restarted_at = len(events)
    t.join(120)
    assert "error" not in box, box.get("error")
    result = box["result"]
    assert result.state == "done" and result.retries >= 1
    assert len(events) > restarted_at
    assert counters(dsn) == {1: 3000}
