"""Helpers for the audit fault and damaged-journal tests: real repos, real CLI subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.audit.run_state import ChecklistEntry
from tests.helpers import ROOT, git

ALICE = Person("Alice DBA", "alice@example.org")
ITEMS = [ChecklistEntry(f"item-{n}", f"Item number {n}", "prepare") for n in range(1, 5)]
PAUSED = "phasetui-test-paused-at"


def new_run(folder: Path, run_id: str = "run-1") -> tuple[AuditRepo, str]:
    repo = AuditRepo.open(folder / "audit")
    rid = repo.start_run(
        runbook_id="faults",
        title="Fault run",
        runbook_text='[runbook]\nid = "faults"\n',
        runbook_name="runbook.toml",
        checklist=ITEMS,
        who=ALICE,
        run_id=run_id,
    )
    return repo, rid


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHASETUI_TEST_")}
    env.update(extra)
    return env


def start_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``python -m phasetui ARGS`` in its own process group (a terminal's Ctrl-C hits the group)."""
    return subprocess.Popen(
        [sys.executable, "-m", "phasetui", *args],
        cwd=ROOT,
        env=env or cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        process_group=0,
    )


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasetui", *args],
        cwd=ROOT,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def wait_for_pause(proc: subprocess.Popen, point: str, timeout: float = 20.0) -> str:
    """Reads the child's stderr until the test hook says it stopped at ``point``."""
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            raise AssertionError(f"process ended before {point}: {seen}")
        seen += line
        if line.strip() == f"{PAUSED} {point}":
            return seen
    raise AssertionError(f"never paused at {point}: {seen}")


def interrupt(proc: subprocess.Popen, sig: int) -> None:
    """SIGKILL hits the process alone (kill -9 PID); SIGINT its group, as Ctrl-C does."""
    if sig == signal.SIGKILL:
        proc.kill()
    else:
        os.killpg(proc.pid, sig)


def journal_lines(repo: AuditRepo, run_id: str) -> list[dict]:
    raw = (repo.run_dir(run_id) / "journal.jsonl").read_text(encoding="utf-8")
    assert raw.endswith("\n"), "the journal must end with a whole line"
    return [json.loads(line) for line in raw.splitlines()]


def texts(lines: list[dict]) -> list[str]:
    """The note texts and tick notes: each test write carries a unique one."""
    out = []
    for ev in lines:
        p = ev["payload"]
        if ev["kind"] == "note":
            out.append(p["text"])
        elif ev["kind"] in ("tick", "untick") and p.get("note"):
            out.append(p["note"])
    return out


def assert_consistent(repo: AuditRepo, run_id: str, acknowledged: set[str], *, deep: bool) -> None:
    """Nothing lost, nothing doubled, nothing uncommitted; ``deep``: one commit per line."""
    assert not (repo.git_dir / "index.lock").exists()
    assert git(repo.path, "status", "--porcelain", "--untracked-files=all") == ""
    lines = journal_lines(repo, run_id)
    assert [ev["seq"] for ev in lines] == list(range(1, len(lines) + 1))
    recorded = texts(lines)
    assert len(recorded) == len(set(recorded)), f"an event was doubled: {recorded}"
    missing = acknowledged - set(recorded)
    assert not missing, f"acknowledged but lost: {missing}"
    rel = f"runs/{run_id}/journal.jsonl"
    head = git(repo.path, "show", f"HEAD:{rel}")
    assert head == (repo.run_dir(run_id) / "journal.jsonl").read_text(encoding="utf-8")
    if deep:
        commits = git(repo.path, "rev-list", "--reverse", "HEAD", "--", rel).split()
        counts = [len(git(repo.path, "show", f"{c}:{rel}").splitlines()) for c in commits]
        assert counts == list(range(1, len(lines) + 1)), "each event must be its own commit"
