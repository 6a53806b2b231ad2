"""Kill -9, Ctrl-C, git's own lock and a detached HEAD during audit writes: nothing lost or wedged.

The CLI runs as real subprocesses. ``PHASETUI_TEST_PAUSE_AT=<point>`` makes a write stop at
a named point (see ``phasetui.audit.durable.pause_point``), so a kill lands exactly between
the journal append and the commit; the seeded random kills cover every other moment.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from phasetui.audit.repo import AuditRepo
from phasetui.errors import UserError
from tests.audit_support import (
    ALICE,
    assert_consistent,
    cli_env,
    interrupt,
    journal_lines,
    new_run,
    run_cli,
    start_cli,
    texts,
    wait_for_pause,
)
from tests.helpers import ROOT, git

pytestmark = pytest.mark.faults

# Where a write can stop, and whether the event must survive a kill -9 there: an event
# exists once its journal line is whole; before that it is rolled back. Ctrl-C waits for
# the write that has begun, so after it every event survives.
POINTS = {
    "after-intent": False,
    "after-files": False,
    "mid-append": False,
    "after-append": True,
    "after-render": True,
    "after-commit": True,
}


def _write_args(repo: AuditRepo, run_id: str, verb: str, tag: str) -> list[str]:
    common = ["--audit-repo", str(repo.path), "--run", run_id]
    if verb == "note":
        return ["note", *common, tag]
    return ["tick", *common, "item-2", "--note", tag]


CASES = [
    *[(signal.SIGKILL, verb, point) for point in POINTS for verb in ("note", "tick")],
    *[(signal.SIGINT, ("note", "tick")[n % 2], point) for n, point in enumerate(POINTS)],
]


def test_an_interrupted_write_is_recovered_by_the_next_write(tmp_path):
    """kill -9 at every point of note and tick, Ctrl-C at every point; then a write."""
    repo, run_id = new_run(tmp_path)
    acknowledged: set[str] = set()
    for sig, verb, point in CASES:
        tag = f"{verb}-{sig.name}-{point}"
        # Ctrl-C must land while the write is stopped there: the pause outlasts the signal.
        pause = "0.5" if sig == signal.SIGINT else "30"
        env = cli_env(PHASETUI_TEST_PAUSE_AT=point, PHASETUI_TEST_PAUSE_SECONDS=pause)
        proc = start_cli(*_write_args(repo, run_id, verb, tag), env=env)
        wait_for_pause(proc, point)
        interrupt(proc, sig)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err, err
        if proc.returncode == 0:
            acknowledged.add(tag)
        expect_recorded = POINTS[point] or sig == signal.SIGINT
        if sig == signal.SIGINT:
            assert proc.returncode == 130 and "was recorded" in err, err
        # The next write must work and settle the interrupted one: the CLI (whose stderr
        # tells), or the same calls in this process (faster), by turns.
        follow = f"next-{tag}"
        if point == "after-append":
            after = run_cli(*_write_args(repo, run_id, "note", follow))
            assert after.returncode == 0, after.stderr
            told = after.stderr
        else:
            again = AuditRepo.open(repo.path, create=False)
            again.note(run_id, follow, who=ALICE)
            told = "\n".join(again.notices)
        acknowledged.add(follow)
        recorded = texts(journal_lines(repo, run_id))
        assert (tag in recorded) == expect_recorded, (sig, point, recorded)
        if sig == signal.SIGKILL and point in ("after-append", "after-render"):
            assert "recovered event" in told, told
            log = git(repo.path, "log", "--format=%s", "-2")
            assert "recovered event" in log, log
        elif sig == signal.SIGKILL and not expect_recorded:
            assert "rolled back event" in told, told
        assert_consistent(repo, run_id, acknowledged, deep=False)
    assert_consistent(repo, run_id, acknowledged, deep=True)


def test_kills_at_random_moments_lose_nothing(tmp_path):
    """Seeded: 20 writes killed (kill -9 or Ctrl-C) at a random moment, each then a write.

    The moments spread over 70-105 % of a whole CLI write's run time, measured first on
    this machine: Python's start-up fills the rest, and the write itself is at the end.
    """
    rng = random.Random(1515)
    repo, run_id = new_run(tmp_path)
    acknowledged: set[str] = set()
    took = 10.0
    for n in range(3):  # the quickest of three warm runs
        started = time.monotonic()
        assert run_cli(*_write_args(repo, run_id, "note", f"measure-{n}")).returncode == 0
        took = min(took, time.monotonic() - started)
        acknowledged.add(f"measure-{n}")
    interrupted_early = 0
    for n in range(20):
        verb = rng.choice(["note", "tick"])
        sig = rng.choice([signal.SIGKILL, signal.SIGINT])
        tag = f"random-{n}-{verb}-{sig.name}"
        proc = start_cli(*_write_args(repo, run_id, verb, tag))
        time.sleep(rng.uniform(0.7, 1.05) * took)
        if proc.poll() is None:
            interrupt(proc, sig)
        else:
            interrupted_early += 1
        out, err = proc.communicate(timeout=60)
        # Ctrl-C while Python is still importing phasetui is Python's own traceback.
        assert "Traceback" not in err or err.rstrip().endswith("KeyboardInterrupt"), err
        if proc.returncode == 0:
            acknowledged.add(tag)
        # The next write, in this process: the same calls the CLI makes.
        AuditRepo.open(repo.path, create=False).note(run_id, f"follow-{n}", who=ALICE)
        acknowledged.add(f"follow-{n}")
        assert_consistent(repo, run_id, acknowledged, deep=False)
    assert interrupted_early < 15, "most kills must land while the write runs"
    assert_consistent(repo, run_id, acknowledged, deep=True)


def _hold_lock(lock: Path, seconds: float) -> threading.Thread:
    lock.write_text("")

    def release() -> None:
        time.sleep(seconds)
        lock.unlink()

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    return thread


def test_a_foreign_index_lock_held_briefly_is_waited_for(tmp_path):
    repo, run_id = new_run(tmp_path)
    lock = repo.git_dir / "index.lock"
    thread = _hold_lock(lock, 1.0)
    started = time.monotonic()
    result = run_cli(*_write_args(repo, run_id, "note", "after the lock"))
    waited = time.monotonic() - started
    thread.join()
    assert result.returncode == 0, result.stderr
    assert waited >= 0.9
    assert_consistent(repo, run_id, {"after the lock"}, deep=True)


def test_a_foreign_index_lock_held_too_long_is_refused_cleanly(tmp_path):
    repo, run_id = new_run(tmp_path)
    lock = repo.git_dir / "index.lock"
    lock.write_text("")
    head = git(repo.path, "rev-parse", "HEAD")
    journal = (repo.run_dir(run_id) / "journal.jsonl").read_bytes()
    result = run_cli(*_write_args(repo, run_id, "tick", "never"))
    assert result.returncode == 1
    assert str(lock) in result.stderr and "rm " in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert git(repo.path, "rev-parse", "HEAD") == head
    assert (repo.run_dir(run_id) / "journal.jsonl").read_bytes() == journal
    assert git(repo.path, "status", "--porcelain", "--untracked-files=all") == ""
    lock.unlink()
    assert run_cli(*_write_args(repo, run_id, "note", "now")).returncode == 0
    assert_consistent(repo, run_id, {"now"}, deep=True)


def test_an_index_lock_taken_after_the_journal_append_rolls_the_event_back(tmp_path, monkeypatch):
    """The old crash: git's lock appeared between the append and the commit."""
    repo, run_id = new_run(tmp_path)
    repo.lock_wait_seconds = 1.0
    lock = repo.git_dir / "index.lock"
    head = git(repo.path, "rev-parse", "HEAD")
    journal = (repo.run_dir(run_id) / "journal.jsonl").read_bytes()
    monkeypatch.setenv("PHASETUI_TEST_PAUSE_AT", "after-append")
    monkeypatch.setenv("PHASETUI_TEST_PAUSE_SECONDS", "0.3")
    taker = threading.Timer(0.1, lambda: lock.write_text(""))
    taker.start()
    with pytest.raises(UserError) as info:
        repo.note(run_id, "rolled back", who=ALICE)
    taker.join()
    assert str(lock) in info.value.message and "rm " in info.value.hint
    assert (repo.run_dir(run_id) / "journal.jsonl").read_bytes() == journal
    assert git(repo.path, "rev-parse", "HEAD") == head
    assert git(repo.path, "status", "--porcelain", "--untracked-files=all") == ""
    lock.unlink()
    monkeypatch.delenv("PHASETUI_TEST_PAUSE_AT")
    repo.note(run_id, "then written", who=ALICE)
    assert_consistent(repo, run_id, {"then written"}, deep=True)


def test_a_detached_head_is_refused_and_nothing_is_committed(tmp_path):
    repo, run_id = new_run(tmp_path)
    git(repo.path, "checkout", "-q", "--detach")
    head = git(repo.path, "rev-parse", "HEAD")
    journal = (repo.run_dir(run_id) / "journal.jsonl").read_bytes()
    result = run_cli(*_write_args(repo, run_id, "note", "off-branch"))
    assert result.returncode == 1
    assert "detached HEAD" in result.stderr
    assert f"git -C {repo.path} checkout main" in result.stderr, result.stderr
    assert git(repo.path, "rev-parse", "HEAD") == head
    assert git(repo.path, "rev-parse", "main") == head
    assert (repo.run_dir(run_id) / "journal.jsonl").read_bytes() == journal
    git(repo.path, "checkout", "-q", "main")
    assert run_cli(*_write_args(repo, run_id, "note", "on main")).returncode == 0
    assert_consistent(repo, run_id, {"on main"}, deep=True)


def test_a_branch_switched_while_open_is_refused(tmp_path):
    repo, run_id = new_run(tmp_path)
    git(repo.path, "checkout", "-q", "-b", "elsewhere")
    head = git(repo.path, "rev-parse", "HEAD")
    with pytest.raises(UserError) as info:
        repo.note(run_id, "off-branch", who=ALICE)
    assert "elsewhere" in info.value.message and "checkout main" in info.value.hint
    assert git(repo.path, "rev-parse", "HEAD") == head


def test_a_merge_in_progress_is_refused(tmp_path):
    repo, run_id = new_run(tmp_path)
    git(repo.path, "checkout", "-q", "-b", "side")
    (repo.path / "README.md").write_text("side\n")
    git(repo.path, "commit", "-qam", "side")
    git(repo.path, "checkout", "-q", "main")
    (repo.path / "README.md").write_text("main\n")
    git(repo.path, "commit", "-qam", "main")
    merge = subprocess.run(
        ["git", "-C", str(repo.path), "merge", "side"], capture_output=True, text=True
    )
    assert merge.returncode != 0  # a conflict: MERGE_HEAD is left
    head = git(repo.path, "rev-parse", "HEAD")
    with pytest.raises(UserError) as info:
        repo.note(run_id, "mid-merge", who=ALICE)
    assert "merge is in progress" in info.value.message
    assert "merge --abort" in info.value.hint
    assert git(repo.path, "rev-parse", "HEAD") == head


WRITER = """
import sys
from phasetui.audit.repo import AuditRepo
from phasetui.audit.run_state import ChecklistEntry
repo = AuditRepo.open(sys.argv[1])
if sys.argv[2] == "start":
    repo.start_run(runbook_id="second", title="Second", runbook_text="[runbook]\\n",
                   runbook_name="runbook.toml", checklist=[ChecklistEntry("a", "A")],
                   who="Bob <bob@example.org>", run_id="run-2")
else:
    repo.record_step_result(sys.argv[3], "backup-prod", "backup", ok=True, summary="2 GB",
                            files={"backup/backup-prod.json": '{"size": 2}\\n',
                                   "backup/log.txt": b"pg_dump ok\\n"},
                            who="Bob <bob@example.org>")
"""


def _killed_writer(repo: AuditRepo, point: str, *args: str) -> None:
    env = cli_env(PHASETUI_TEST_PAUSE_AT=point)
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(repo.path), *args],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_pause(proc, point)
    proc.kill()
    proc.wait(timeout=30)


@pytest.mark.parametrize("point", ["after-files", "mid-append", "after-render"])
def test_a_killed_start_run_and_evidence_write_are_settled(tmp_path, point):
    repo, run_id = new_run(tmp_path)
    survives = POINTS[point]
    _killed_writer(repo, point, "start")
    # Readers before any write: the interrupted line is pending, never "damaged".
    listing = run_cli("runs", "--audit-repo", str(repo.path))
    assert listing.returncode == 0 and "Traceback" not in listing.stderr
    assert "damaged" not in listing.stdout
    again = AuditRepo.open(repo.path, create=False)
    assert again.recover() and again.notices
    assert (repo.run_dir("run-2") / "journal.jsonl").exists() == survives
    assert repo.run_dir("run-2").exists() == survives
    assert git(repo.path, "status", "--porcelain", "--untracked-files=all") == ""

    _killed_writer(repo, point, "record", run_id)
    state = repo.state(run_id)
    assert state.pending and not state.damaged
    repo.note(run_id, "after the evidence", who=ALICE)
    evidence = repo.run_dir(run_id) / "backup"
    assert (evidence / "log.txt").exists() == survives
    assert (evidence / "backup-prod.json").exists() == survives
    assert (repo.state(run_id).evidence("item-1") is None) or survives
    kinds = [e.kind for e in repo.events(run_id)]
    assert kinds == ["run-started", *(["backup"] if survives else []), "note"]
    assert_consistent(repo, run_id, {"after the evidence"}, deep=True)
    if survives:
        shown = git(repo.path, "show", "--stat", "--format=%an|%s", "HEAD~1")
        assert shown.startswith(f"Bob|{run_id}: recovered event 2 (backup)")
        assert "backup/log.txt" in shown and "backup/backup-prod.json" in shown


def test_foreign_changes_after_a_kill_are_refused_untouched(tmp_path):
    repo, run_id = new_run(tmp_path)
    env = cli_env(PHASETUI_TEST_PAUSE_AT="after-append")
    proc = start_cli(*_write_args(repo, run_id, "note", "killed"), env=env)
    wait_for_pause(proc, "after-append")
    proc.kill()
    proc.wait(timeout=30)
    stray = repo.path / "draft.txt"
    stray.write_text("someone's work\n")
    with pytest.raises(UserError) as info:
        repo.note(run_id, "refused", who=ALICE)
    assert "draft.txt" in info.value.message and "interrupted write" in info.value.message
    assert stray.read_text() == "someone's work\n"
    stray.unlink()
    # Someone edits a file the interrupted write touched: that edit is not phasetui's.
    notes = repo.run_dir(run_id) / "notes.md"
    notes.write_text("hand edit\n")
    with pytest.raises(UserError) as info:
        repo.note(run_id, "refused again", who=ALICE)
    assert "notes.md" in info.value.message and "did not make" in info.value.message
    assert notes.read_text() == "hand edit\n"
    git(repo.path, "checkout", "--", f"runs/{run_id}/notes.md")
    repo.note(run_id, "now it works", who=ALICE)
    assert texts(journal_lines(repo, run_id)) == ["killed", "now it works"]
    assert_consistent(repo, run_id, {"now it works"}, deep=True)
