"""The audit repo: one commit per event, authored by the DBA; nothing lost, nothing leaked."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from phasetui.audit.identity import Person, resolve_person
from phasetui.audit.repo import AuditRepo
from phasetui.audit.run_state import ChecklistEntry
from phasetui.errors import UserError
from tests.helpers import ROOT, git

ITEMS = [
    ChecklistEntry("backup", "Backup taken, file path recorded", "prepare", "backup-prod"),
    ChecklistEntry("diff", "Schema dump diff checked", "prepare"),
]
ALICE = Person("Alice DBA", "alice@example.org")


def new_run(tmp_path, **kw):
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = repo.start_run(
        runbook_id="users-preferences",
        title="Add prefs",
        runbook_text="[runbook]\n",
        runbook_name="runbook.toml",
        checklist=ITEMS,
        who=ALICE,
        **kw,
    )
    return repo, run_id


def test_start_run_freezes_the_runbook_and_commits(tmp_path):
    repo, run_id = new_run(tmp_path)
    folder = repo.run_dir(run_id)
    assert (folder / "runbook.toml").read_text() == "[runbook]\n"
    for name in ("journal.jsonl", "checklist.md", "notes.md"):
        assert (folder / name).is_file()
    assert git(repo.path, "status", "--porcelain") == ""
    log = git(repo.path, "log", "-1", "--format=%an|%ae|%s", "--name-only").split("\n")
    assert log[0] == f"Alice DBA|alice@example.org|{run_id}: start run of users-preferences"
    assert f"runs/{run_id}/runbook.toml" in log


def test_tick_appends_an_event_renders_and_commits_once(tmp_path):
    repo, run_id = new_run(tmp_path)
    before = int(git(repo.path, "rev-list", "--count", "HEAD"))
    event = repo.tick(run_id, "backup", note="/backups/pre.dump, 1.2 GB", who="Bob <bob@x.org>")
    assert event.seq == 2 and event.kind == "tick"
    assert int(git(repo.path, "rev-list", "--count", "HEAD")) == before + 1
    show = git(repo.path, "show", "--format=%an <%ae>|%s", "--name-only", "HEAD").splitlines()
    assert show[0] == f"Bob <bob@x.org>|{run_id}: tick backup"
    assert set(filter(None, show[1:])) == {
        f"runs/{run_id}/journal.jsonl",
        f"runs/{run_id}/checklist.md",
        f"runs/{run_id}/notes.md",
    }
    lines = (repo.run_dir(run_id) / "journal.jsonl").read_text().splitlines()
    last = json.loads(lines[-1])
    assert last["kind"] == "tick" and last["who"] == "Bob <bob@x.org>"
    assert last["payload"] == {
        "item": "backup",
        "text": ITEMS[0].text,
        "note": "/backups/pre.dump, 1.2 GB",
    }
    checklist = (repo.run_dir(run_id) / "checklist.md").read_text()
    assert "- [x] 1. Backup taken, file path recorded (`backup`) — ticked by Bob" in checklist
    assert "- [ ] 2. Schema dump diff checked" in checklist
    assert "/backups/pre.dump" in (repo.run_dir(run_id) / "notes.md").read_text()


def test_tick_by_number_untick_and_unknown_item(tmp_path):
    repo, run_id = new_run(tmp_path)
    repo.tick(run_id, "2", who=ALICE)
    assert repo.state(run_id).is_done("diff")
    repo.tick(run_id, "diff", done=False, who=ALICE)
    assert not repo.state(run_id).is_done("diff")
    with pytest.raises(UserError, match="no checklist item 'nope'"):
        repo.tick(run_id, "nope", who=ALICE)


def test_dirty_repo_is_refused_and_nothing_is_touched(tmp_path):
    repo, run_id = new_run(tmp_path)
    (repo.path / "someone-elses.txt").write_text("work in progress")
    journal = (repo.run_dir(run_id) / "journal.jsonl").read_text()
    head = git(repo.path, "rev-parse", "HEAD")
    with pytest.raises(UserError) as info:
        repo.note(run_id, "should not be written", who=ALICE)
    assert "uncommitted changes phasetui did not make: someone-elses.txt" in info.value.message
    assert "git status" in info.value.hint
    assert (repo.run_dir(run_id) / "journal.jsonl").read_text() == journal
    assert git(repo.path, "rev-parse", "HEAD") == head


def test_non_git_folder_with_files_is_refused(tmp_path):
    (tmp_path / "x.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty and is not a git repository"):
        AuditRepo.open(tmp_path)


def test_passwords_never_reach_journal_files_or_commit_messages(tmp_path):
    repo, run_id = new_run(tmp_path)
    secret = "postgresql://app:s3cr3t-pw@db.internal:5432/app"
    repo.note(run_id, f"connected with {secret}", who=ALICE)
    repo.record(
        run_id,
        "backup",
        {"dsn": "host=db password=s3cr3t-pw dbname=app"},
        ALICE,
        files={"backup/result.txt": f"dsn={secret}"},
        summary=f"backup via {secret}",
    )
    everything = git(repo.path, "log", "-p", "--all")
    assert "s3cr3t-pw" not in everything
    assert "postgresql://app:***@db.internal:5432/app" in everything


def test_two_processes_appending_at_once_lose_nothing(tmp_path):
    repo, run_id = new_run(tmp_path)
    code = (
        "import sys\nfrom phasetui.audit.repo import AuditRepo\n"
        "repo = AuditRepo.open(sys.argv[1])\n"
        "for n in range(15):\n    repo.note(sys.argv[2], f'{sys.argv[3]} {n}', who=sys.argv[3])\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(repo.path), run_id, who], cwd=ROOT)
        for who in ("alice", "bob")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    events = repo.events(run_id)
    assert [e.seq for e in events] == list(range(1, 32))
    texts = {e.payload["text"] for e in events if e.kind == "note"}
    assert texts == {f"{who} {n}" for who in ("alice", "bob") for n in range(15)}
    assert int(git(repo.path, "rev-list", "--count", "HEAD")) == 1 + 1 + 30
    assert git(repo.path, "status", "--porcelain") == ""


def test_runs_listing_and_open_run(tmp_path):
    repo, run_id = new_run(tmp_path)
    assert repo.open_run_for("users-preferences") == run_id
    repo.close_run(run_id, who=ALICE)
    assert repo.open_run_for("users-preferences") is None
    [summary] = repo.runs()
    assert summary.closed and summary.total == 2 and summary.events == 2


def test_preticked_items_from_a_guide(tmp_path):
    repo, run_id = new_run(tmp_path, preticked=["diff"])
    assert repo.state(run_id).is_done("diff")


def test_resolve_person_forms():
    assert resolve_person("Ana <ana@x.az>") == Person("Ana", "ana@x.az")
    assert resolve_person("ana").name == "ana"
    assert resolve_person(None).name


def test_step_results_are_evidence_for_checklist_items(tmp_path):
    repo, run_id = new_run(tmp_path)
    repo.record_step_result(
        run_id,
        "backup-prod",
        "backup",
        ok=True,
        summary="pre.dump 2.1 GB sha256 ab12",
        files={"backup/backup-prod.json": '{"size": 2100000000}\n'},
        who=ALICE,
    )
    state = repo.state(run_id)
    result = state.evidence("backup")
    assert result.ok and result.kind == "backup" and "sha256" in result.summary
    assert state.evidence("diff") is None
    assert (repo.run_dir(run_id) / "backup" / "backup-prod.json").is_file()
    checklist = (repo.run_dir(run_id) / "checklist.md").read_text()
    assert "evidence: step `backup-prod` ok (backup," in checklist
    subject = git(repo.path, "log", "-1", "--format=%s")
    assert subject.startswith(f"{run_id}: backup backup-prod ok: pre.dump")
    repo.record_step_result(
        run_id, "backup-prod", "backup", ok=False, summary="disk full", who=ALICE
    )
    assert not repo.state(run_id).evidence("backup").ok
