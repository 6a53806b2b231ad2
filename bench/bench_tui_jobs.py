"""The jobs screen under load: what it costs an SSH link, the CPU, and key-to-screen latency.

Starts a private embedded PostgreSQL, four detached backfill jobs (four tables, small
batches and a pause so they run for the whole measurement), and `phasetui attach RUN` in
tmux (80x24 by default). Measures, over a window while all four panes are live:
- the TUI's terminal output (tmux pipe-pane: the bytes the app writes), KB/s;
- its CPU share (psutil, % of one core);
- key-to-screen latency: tab moves the focus between panes, then capture-pane polls
  until the screen changed (median and p95 of N presses).
The baseline, in the same run: the same TUI on the same run with no job running, on its
run screen. Targets: output ≤ 20 KB/s with 4 panes.

Usage: python bench/bench_tui_jobs.py [--seconds 20] [--rows 400000] [--size 80x24]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNBOOK = """
[runbook]
id = "bench-jobs"
title = "Four backfills at once"

[environments.bench]
dsn_env = "PHASETUI_BENCH_DSN"
rehearsal_allowed = true

[[phases]]
id = "backfill"
kind = "backfill"
{steps}
"""
STEP = """
[[phases.steps]]
id = "fill-{n}"
kind = "backfill"
table = "items_{n}"
key = "id"
set = ["v = id % 97"]
where = "v IS NULL"
batch_size = 500
target_batch_seconds = 0
pause_seconds = 0.05
"""


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def make_tables(dsn: str, rows: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for n in range(4):
            conn.execute(f"DROP TABLE IF EXISTS items_{n}")
            conn.execute(f"CREATE TABLE items_{n} (id bigint PRIMARY KEY, v int)")
            conn.execute(f"INSERT INTO items_{n} (id) SELECT generate_series(1, %s)", (rows,))


def measure(session: str, pid: int, out: Path, seconds: float, presses: int) -> dict:
    proc = psutil.Process(pid)
    procs = [proc, *proc.children(recursive=True)]
    for p in procs:
        p.cpu_percent(None)
    size0, t0 = out.stat().st_size, time.monotonic()
    time.sleep(seconds)
    size1, t1 = out.stat().st_size, time.monotonic()
    cpu = sum(p.cpu_percent(None) for p in procs if p.is_running())
    latencies = []
    for _ in range(presses):
        before = tmux("capture-pane", "-p", "-e", "-t", session)
        start = time.monotonic()
        tmux("send-keys", "-t", session, "Tab")
        while time.monotonic() - start < 5:
            if tmux("capture-pane", "-p", "-e", "-t", session) != before:
                break
            time.sleep(0.002)
        latencies.append(time.monotonic() - start)
        time.sleep(0.3)
    latencies.sort()
    return {
        "kb_per_s": (size1 - size0) / 1024 / (t1 - t0),
        "cpu_percent": cpu,
        "key_p50_ms": statistics.median(latencies) * 1000,
        "key_p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def run_tui(command: str, size: str, out: Path) -> tuple[str, int]:
    cols, rows = size.split("x")
    session = "benchjobs" + uuid.uuid4().hex[:6]
    tmux("new-session", "-d", "-s", session, "-x", cols, "-y", rows, command)
    tmux("pipe-pane", "-o", "-t", session, f"cat >> {out}")
    pane_pid = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
    return session, pane_pid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--size", default="80x24")
    args = parser.parse_args()

    from phasetui.audit.identity import Person
    from phasetui.audit.repo import AuditRepo
    from phasetui.audit.runs import open_run
    from phasetui.demo.server import start_embedded
    from phasetui.jobs.model import Answers
    from phasetui.jobs.start import start_step_job
    from phasetui.ops.runner import Runner
    from phasetui.runbook.loader import load_runbook

    folder = Path(tempfile.mkdtemp(prefix="phasetui-bench-jobs-"))
    os.chmod(folder, 0o755)
    dsn = start_embedded(folder / "data", cleanup_mode="stop")
    os.environ["PHASETUI_BENCH_DSN"] = dsn
    make_tables(dsn, args.rows)
    rb_path = folder / "bench.toml"
    rb_path.write_text(RUNBOOK.format(steps="".join(STEP.format(n=n) for n in range(4))))
    rb = load_runbook(rb_path)
    who = Person("Bench", "bench@example.org")
    repo = AuditRepo.open(folder / "audit")
    run_id = open_run(repo, rb, who=who, env="bench").run_id
    attach = (f"cd {folder} && PHASETUI_BENCH_DSN='{dsn}' {sys.executable} -m phasetui "
              f"attach {run_id} --audit-repo {folder / 'audit'}")  # fmt: skip

    # baseline: the same TUI on the same run, no job running, on its run screen (tab moves
    # the focus between its panes there, which redraws their borders)
    base_out = folder / "idle.out"
    base_out.touch()
    session, pid = run_tui(attach, args.size, base_out)
    time.sleep(3)
    tmux("send-keys", "-t", session, "Escape")
    time.sleep(1)
    base = measure(session, pid, base_out, args.seconds, args.presses)
    tmux("kill-session", "-t", session)

    runner = Runner(rb, repo, run_id, who)
    jobs = [start_step_job(runner, f"fill-{n}", Answers()) for n in range(4)]
    busy_out = folder / "busy.out"
    busy_out.touch()
    session, pid = run_tui(attach, args.size, busy_out)
    time.sleep(4)
    live = measure(session, pid, busy_out, args.seconds, args.presses)
    screen = tmux("capture-pane", "-p", "-t", session)
    running = screen.count("running")
    tmux("kill-session", "-t", session)
    for job in jobs:  # only the workers this bench started, by pid
        try:
            os.kill(job.pid, 15)
        except ProcessLookupError:
            pass

    print(f"size {args.size}, window {args.seconds:.0f} s, {args.presses} key presses, "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"panes showing 'running' at the end: {running} of 4")
    print("| | output KB/s | CPU % of a core | key p50 ms | key p95 ms |")
    print("|---|---|---|---|---|")
    for label, r in (("run screen, no job (baseline)", base), ("4 live job panes", live)):
        print(f"| {label} | {r['kb_per_s']:.1f} | {r['cpu_percent']:.0f} | "
              f"{r['key_p50_ms']:.0f} | {r['key_p95_ms']:.0f} |")  # fmt: skip
    ratio = live["kb_per_s"] / 20.0
    key_ratio = live["key_p50_ms"] / max(base["key_p50_ms"], 1e-9)
    verdict = "met" if ratio <= 1 else "NOT met"
    print(f"output: {live['kb_per_s']:.1f} KB/s = {ratio:.2f}× the 20 KB/s budget ({verdict}); "
          f"key p50 {key_ratio:.2f}× the baseline's")  # fmt: skip
    from phasetui.demo.server import pg_bin_dir

    stop = [str(pg_bin_dir() / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "stop"]
    if os.geteuid() == 0:
        stop = ["runuser", "-u", "pgserver", "--", *stop]
    subprocess.run(stop, capture_output=True)


if __name__ == "__main__":
    main()
