"""Run-list figures of the offline review on a large audit repo, against baselines.

Builds (once, in a temp folder) an audit repo of 500 runs of ~30 events and one run of
20,000 events, written with the engine's own serializer (``Event.to_line``) and committed
with git (one commit: 20,000 commits through ``AuditRepo`` would take minutes and measure
git, not the review). Then prints medians of N runs of:

- ``list_runs`` cold (no cache, a new process's first listing) and warm (the TUI's re-list);
- the baseline: ``json.loads`` of every line of the same journals, and ``git log -1``;
- ``phasetui review REPO --format json`` wall time (a whole process, imports included);
- loading the 20,000-event run (timeline, sections) for ``--run``.

Target: the run list in under 1 s.   Usage: python bench/bench_review.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from phasetui.audit.events import Event  # noqa: E402
from phasetui.review import listing  # noqa: E402
from phasetui.review.source import ReviewSource  # noqa: E402

KINDS = ("migration-status", "backup", "lint", "rehearsal", "apply", "backfill", "verify")
PEOPLE = ("Alice DBA <alice@example.org>", "Bob Pair <bob@example.org>")


def journal(run_id: str, events: int, start: datetime) -> str:
    lines = []
    checklist = [{"id": f"item-{n}", "text": f"Item {n}", "phase": "prepare"} for n in range(8)]
    started = {
        "runbook_id": f"rb-{hash(run_id) % 40}",
        "title": "Bench run",
        "runbook_file": "runbook.toml",
        "checklist": checklist,
        "preticked": [],
        "target": "production" if hash(run_id) % 2 else "staging",
        "format": 1,
    }
    lines.append(Event(1, start.isoformat(timespec="seconds"), PEOPLE[0], "run-started", started))
    for seq in range(2, events):
        kind = KINDS[seq % len(KINDS)]
        payload = {
            "step": f"step-{seq % 12}",
            "ok": seq % 17 != 0,
            "summary": f"{kind} step-{seq % 12}: 3 statements, 0 retries, 1,234 rows/s",
            "files": [f"{kind}/step-{seq % 12}.json", f"{kind}/step-{seq % 12}.md"],
            "environment": "production",
        }
        if seq % 50 == 0:
            payload["override"] = "measured on the staging copy"
        when = (start + timedelta(seconds=seq * 7)).isoformat(timespec="seconds")
        lines.append(Event(seq, when, PEOPLE[seq % 2], kind, payload))
    end = (start + timedelta(seconds=events * 7)).isoformat(timespec="seconds")
    lines.append(Event(events, end, PEOPLE[0], "run-closed", {"outcome": "done", "reason": ""}))
    return "".join(ev.to_line() + "\n" for ev in lines)


def build(folder: Path) -> Path:
    repo = folder / "audit"
    runs = repo / "runs"
    runs.mkdir(parents=True)
    (repo / "README.md").write_text("# phasetui audit repo\n", encoding="utf-8")
    base = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(500):
        run_id = f"2025{n:04d}-020000-bench-{n}"
        (runs / run_id).mkdir()
        text = journal(run_id, 30, base + timedelta(hours=n))
        (runs / run_id / "journal.jsonl").write_text(text, encoding="utf-8")
    big = runs / "20260101-000000-big-backfill"
    big.mkdir()
    (big / "journal.jsonl").write_text(journal(big.name, 20_000, base), encoding="utf-8")
    git = ["git", "-C", str(repo)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run(
        [*git, "-c", "user.name=bench", "-c", "user.email=b@x", "commit", "-qm", "bench"],
        check=True,
    )
    return repo


def timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = build(Path(tmp))
        source = ReviewSource.open(repo)
        journals = sorted((repo / "runs").glob("*/journal.jsonl"))
        lines = sum(p.read_bytes().count(b"\n") for p in journals)

        def cold() -> None:
            listing._CACHE.clear()
            listing.list_runs(source)

        def warm() -> None:
            listing.list_runs(source)

        def baseline() -> None:
            for p in journals:
                for raw in p.read_bytes().splitlines():
                    json.loads(raw)

        def git_log() -> None:
            subprocess.run(["git", "-C", str(repo), "log", "-1"], check=True, capture_output=True)

        def process() -> None:
            subprocess.run(
                [sys.executable, "-m", "phasetui", "review", str(repo), "--format", "json"],
                check=True,
                capture_output=True,
                cwd=ROOT,
            )

        def big_run() -> None:
            from phasetui.review.review import build_review
            from phasetui.review.run import load_run

            build_review(load_run(source, "20260101-000000-big-backfill"))

        t_cold, t_warm = timed(cold, args.runs), timed(warm, args.runs)
        t_base, t_git = timed(baseline, args.runs), timed(git_log, args.runs)
        t_proc, t_big = timed(process, args.runs), timed(big_run, max(1, args.runs // 2))
        print(f"audit repo: {len(journals)} runs, {lines:,} journal lines")
        print(f"run list, cold            {t_cold * 1000:8.1f} ms  ({t_cold / t_base:.2f}x json)")
        print(f"run list, warm (cached)   {t_warm * 1000:8.1f} ms  ({t_warm / t_base:.2f}x json)")
        print(f"baseline: json.loads all  {t_base * 1000:8.1f} ms")
        print(f"baseline: git log -1      {t_git * 1000:8.1f} ms")
        print(f"phasetui review --format json (process) {t_proc * 1000:8.1f} ms")
        print(f"20,000-event run, all sections          {t_big * 1000:8.1f} ms")
        verdict = "OK" if t_cold < 1.0 and t_proc < 2.5 else "SLOW"
        print(f"target: run list < 1 s: {verdict}")


if __name__ == "__main__":
    main()
