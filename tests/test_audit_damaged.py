"""A damaged journal line, a missing journal, a folder that is not an audit repo, a hostile run id.

Each damaged line is committed, as damage that reached history would be (uncommitted damage
is a change phasetui did not make, refused like any other). Reading names the file and
line and folds the rest; writing appends after the damage and never rewrites it.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from phasetui.audit.repo import AuditRepo
from phasetui.audit.runs import open_run
from phasetui.cli import main
from phasetui.errors import UserError
from phasetui.tui.app import PhaseApp
from phasetui.tui.audit_alert import AuditAlert
from tests.audit_support import cli_env, new_run, run_cli
from tests.helpers import git
from tests.tui_fixtures import ALICE, fixed_run

pytestmark = pytest.mark.faults

GOOD_5 = (
    '{"seq": 5, "time": "2026-01-01T02:05:00+00:00", "who": "Bob Pair <bob@example.org>", '
    '"kind": "tick", "payload": {"item": "drift", "text": "Config drift checked"}}'
)
DAMAGE = {
    "torn": b'{"seq": 4, "time": "2026-01-01T02:04:00+00:00", "who": "Alice", "kind": "no',
    "garbage": b"this is not json at all",
    "missing-seq": b'{"time": "2026-01-01T02:04:00+00:00", "who": "x", "kind": "note", '
    b'"payload": {"text": "no seq"}}',
    "nul": b"\x00" * 48,
    "non-utf8": b'{"seq": 4, "time": "2026-01-01T02:04:00+00:00", "who": "\xff\xfe", '
    b'"kind": "note", "payload": {"text": "x"}}',
    "not-an-object": b'[4, "note"]',
    "tick-without-item": b'{"seq": 4, "time": "2026-01-01T02:04:00+00:00", "who": "x", '
    b'"kind": "tick", "payload": {}}',
}


def damaged_run(tmp_path, kind: str):
    """fixed_run's three good lines, the damage at line 4, and (unless torn) a good line 5."""
    rb, repo, run_id = fixed_run(tmp_path)
    journal = repo.run_dir(run_id) / "journal.jsonl"
    raw = journal.read_bytes() + DAMAGE[kind]
    if kind != "torn":
        raw += b"\n" + GOOD_5.encode() + b"\n"
    journal.write_bytes(raw)
    git(repo.path, "commit", "-qam", f"test: damage line 4 ({kind})")
    return rb, repo, run_id, raw


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_reading_names_the_line_and_folds_the_rest(tmp_path, kind):
    rb, repo, run_id, _ = damaged_run(tmp_path, kind)
    other_repo, other = new_run(tmp_path / "x")  # noqa: F841 - a second, healthy repo
    state = repo.state(run_id)
    assert [(d.line, d.file) for d in state.damaged] == [(4, "journal.jsonl")]
    assert state.is_done("backup")  # line 2, before the damage
    assert any("Change window" in n.text for n in state.notes)  # line 3
    assert state.is_done("drift") == (kind != "torn")  # line 5, after it
    [summary] = repo.runs()
    assert summary.run_id == run_id and summary.damaged[0].startswith("journal.jsonl line 4")
    assert open_run(repo, rb).run_id == run_id  # what `phasetui run` calls


def _cli(*args: str):
    """The real CLI in this process (fast); a traceback would raise here."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_cli_lists_and_writes_after_the_damage_without_rewriting_it(tmp_path, kind):
    rb, repo, run_id, raw = damaged_run(tmp_path, kind)
    healthy = repo.start_run(
        runbook_id="other",
        title="Healthy run",
        runbook_text="[runbook]\n",
        runbook_name="runbook.toml",
        checklist=[],
        who=ALICE,
        run_id="healthy",
    )
    audit = str(repo.path)
    listing = _cli("runs", "--audit-repo", audit)
    assert listing.exit_code == 0, listing.output
    [line] = [ln for ln in listing.stdout.splitlines() if ln.startswith(run_id)]
    assert "damaged: journal.jsonl line 4" in line
    assert any(ln.startswith(healthy) for ln in listing.stdout.splitlines())
    assert "damaged journal lines" in listing.stderr
    as_json = _cli("runs", "--audit-repo", audit, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    by_id = {s["run_id"]: s for s in json.loads(as_json.stdout)}
    assert [d["line"] for d in by_id[run_id]["damaged"]] == [4]
    assert by_id[healthy]["damaged"] == []

    tick = _cli("tick", "--audit-repo", audit, "--run", run_id, "schema-diff")
    assert tick.exit_code == 0, tick.output
    assert "line 4" in tick.stderr
    note = _cli("note", "--audit-repo", audit, "--run", run_id, "after the damage")
    assert note.exit_code == 0, note.output
    now = (repo.run_dir(run_id) / "journal.jsonl").read_bytes()
    kept = raw + (b"\n" if kind == "torn" else b"")
    assert now.startswith(kept), "the damaged line must stay exactly as it was"
    new_lines = now[len(kept) :].decode().splitlines()
    total = len(now.splitlines())
    assert [json.loads(x)["seq"] for x in new_lines] == [total - 1, total]
    state = repo.state(run_id)
    assert state.is_done("schema-diff") and state.notes[-1].text == "after the damage"
    assert git(repo.path, "status", "--porcelain", "--untracked-files=all") == ""
    subject = git(repo.path, "log", "-1", "--format=%B")
    assert "line 4" in subject  # each commit to a damaged run says so


def test_the_installed_cli_lists_a_damaged_run(tmp_path):
    """End to end, as a user runs it: exit 0, the mark, no traceback."""
    rb, repo, run_id, _ = damaged_run(tmp_path, "nul")
    listing = run_cli("runs", "--audit-repo", str(repo.path))
    assert listing.returncode == 0 and "Traceback" not in listing.stderr
    assert "damaged: journal.jsonl line 4 (holds NUL bytes" in listing.stdout
    tick = run_cli("tick", "--audit-repo", str(repo.path), "--run", run_id, "drift")
    assert tick.returncode == 0 and "line 4" in tick.stderr, tick.stderr


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _alert(app: PhaseApp) -> str:
    alert = app.query_one(AuditAlert)
    return alert.text if alert.display and alert.region.height else ""


@pytest.mark.parametrize("kind", ["torn", "nul", "non-utf8", "missing-seq"])
async def test_tui_opens_a_damaged_run_shows_it_and_records(tmp_path, kind):
    rb, repo, run_id, _ = damaged_run(tmp_path, kind)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        assert app.state.is_done("backup")
        assert "journal.jsonl line 4" in _alert(app)
        await pilot.press("c", "down", "t", "enter")
        await _settle(pilot)
        assert app.state.is_done("schema-diff")
        assert "journal.jsonl line 4" in _alert(app)
    assert repo.state(run_id).is_done("schema-diff")


async def test_tui_polling_survives_a_damaged_line_written_while_open(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        assert _alert(app) == ""
        journal = repo.run_dir(run_id) / "journal.jsonl"
        journal.write_bytes(journal.read_bytes() + b"\xff\x00 garbage\n")
        git(repo.path, "commit", "-qam", "test: damage")
        for _ in range(50):
            await pilot.pause(0.1)
            if "line 2" in _alert(app):
                break
        assert "journal.jsonl line 2" in _alert(app)
        tick = run_cli(
            "tick", "--audit-repo", str(repo.path), "--run", run_id, "drift", env=cli_env()
        )
        assert tick.returncode == 0, tick.stderr
        for _ in range(50):
            await pilot.pause(0.1)
            if app.state.is_done("drift"):
                break
        assert app.state.is_done("drift") and app.is_running


async def test_tui_write_failure_stays_on_screen_until_a_write_succeeds(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    repo.lock_wait_seconds = 0.3
    lock = repo.path / ".git" / "index.lock"
    lock.write_text("")
    app = PhaseApp(rb, repo, run_id, ALICE, poll=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("n", *"lost?", "enter")
        await _settle(pilot)
        shown = _alert(app)
        assert "Not recorded" in shown and "index.lock" in shown and "fix:" in shown
        await pilot.pause(2.3)  # a poll re-reads the run; the alert stays
        assert "index.lock" in _alert(app)
        lock.unlink()
        await pilot.press("n", *"recorded", "enter")
        await _settle(pilot)
        assert "index.lock" not in _alert(app)
    notes = [n.text for n in repo.state(run_id).notes]
    assert notes == ["recorded"]


# -- not an audit repo, a missing journal, a run id with path characters -----------------


def test_a_git_repo_that_is_not_an_audit_repo_is_refused(tmp_path):
    project = tmp_path / "myapp"
    project.mkdir()
    git(project, "init", "-q", "-b", "main")
    (project / "app.py").write_text("print('hi')\n")
    git(project, "add", "app.py")
    git(project, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "app")
    head = git(project, "rev-parse", "HEAD")
    for args in (["runs"], ["run", "sample_runbooks/users_preferences.toml"]):
        result = run_cli(*args, "--audit-repo", str(project))
        assert result.returncode == 1, result.stdout
        assert "not a phasetui audit repo" in result.stderr and "fix:" in result.stderr
    assert git(project, "rev-parse", "HEAD") == head
    assert not (project / "runs").exists()


def test_an_empty_git_repo_becomes_an_audit_repo(tmp_path):
    folder = tmp_path / "fresh"
    folder.mkdir()
    git(folder, "init", "-q", "-b", "main")
    repo = AuditRepo.open(folder)
    assert (folder / "README.md").is_file() and repo.runs() == []
    assert git(folder, "status", "--porcelain") == ""
    assert AuditRepo.open(folder, create=False).runs() == []
    # An initialisation killed before its commit leaves only phasetui's README: adopted.
    killed = tmp_path / "killed"
    killed.mkdir()
    git(killed, "init", "-q", "-b", "main")
    (killed / "README.md").write_text("# phasetui audit repo\n\nhalf")
    AuditRepo.open(killed)
    assert git(killed, "status", "--porcelain") == ""
    assert git(killed, "log", "--format=%s") == "audit: initialise phasetui audit repo\n"
    (tmp_path / "theirs").mkdir()
    git(tmp_path / "theirs", "init", "-q")
    (tmp_path / "theirs" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not a phasetui audit repo"):
        AuditRepo.open(tmp_path / "theirs")


def test_a_run_whose_journal_is_missing(tmp_path):
    repo, run_id = new_run(tmp_path)
    git(repo.path, "rm", "-q", f"runs/{run_id}/journal.jsonl")
    git(repo.path, "commit", "-qm", "test: lose the journal")
    [summary] = repo.runs()
    assert summary.run_id == run_id and summary.damaged == ["no journal.jsonl"]
    listing = _cli("runs", "--audit-repo", str(repo.path))
    assert listing.exit_code == 0 and "damaged: no journal.jsonl" in listing.stdout
    for args in (["note", "x"], ["tick", "item-1"]):
        result = _cli(args[0], "--audit-repo", str(repo.path), "--run", run_id, *args[1:])
        assert result.exit_code == 1
        assert "has no journal.jsonl" in result.stderr and "fix:" in result.stderr
    assert git(repo.path, "status", "--porcelain", "--untracked-files=all") == ""


@pytest.mark.parametrize("bad", ["../run-1", "a/b", "..", ".", "/etc", "x\\y", "run 1", ""])
def test_a_run_id_with_path_characters_is_refused(tmp_path, bad):
    repo, run_id = new_run(tmp_path)
    head = git(repo.path, "rev-parse", "HEAD")
    with pytest.raises(UserError, match="run id"):
        repo.note(bad, "escape", who=ALICE)
    with pytest.raises(UserError, match="run id"):
        repo.state(bad)
    result = _cli("note", "--audit-repo", str(repo.path), "--run", bad, "escape")
    assert result.exit_code == 1 and "run id" in result.stderr
    assert git(repo.path, "rev-parse", "HEAD") == head
    assert git(repo.path, "status", "--porcelain", "--untracked-files=all") == ""
