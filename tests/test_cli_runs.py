"""Headless verbs: check, tick, note, runs — the same domain calls the TUI makes."""

from __future__ import annotations

import json
import subprocess

from click.testing import CliRunner

from phasetui.audit.repo import AuditRepo
from phasetui.audit.runs import open_run
from phasetui.cli import main
from phasetui.runbook.loader import load_runbook
from tests.helpers import SAMPLES, git, write


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_ok_and_errors_exit_codes(tmp_path):
    result = invoke("check", str(SAMPLES / "users_preferences.toml"))
    assert result.exit_code == 0 and "ok — Add users.preferences" in result.output
    bad = write(
        tmp_path / "bad.toml",
        '[runbook]\nid = "x"\ntitle = "t"\n[[phases]]\nid = "p"\n'
        '[[phases.steps]]\nid = "s"\nkind = "bogus"\n',
    )
    result = invoke("check", str(SAMPLES / "users_preferences.toml"), str(bad))
    assert result.exit_code == 2  # a runbook with problems is bad input, as for lint
    assert f"{bad}:8: unknown step kind 'bogus'" in result.output


def test_installed_entry_point_checks_a_runbook():
    out = subprocess.run(
        ["phasetui", "check", str(SAMPLES / "online_migration_checklist.az.md")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "Faza-faza" in out.stdout


def _run(tmp_path):
    repo = AuditRepo.open(tmp_path / "audit")
    rb = load_runbook(SAMPLES / "users_preferences.toml")
    return repo, open_run(repo, rb, who=None).run_id


def test_tick_note_and_runs(tmp_path):
    repo, run_id = _run(tmp_path)
    audit = str(repo.path)
    result = invoke(
        "tick",
        "--audit-repo",
        audit,
        "--run",
        run_id,
        "backup",
        "--note",
        "pre_users_preferences.dump, sha256 ab12",
        "--as",
        "Ana <ana@x.az>",
    )
    assert result.exit_code == 0 and f"ticked backup in {run_id}" in result.output
    assert git(repo.path, "log", "-1", "--format=%an <%ae>") == "Ana <ana@x.az>\n"
    result = invoke("note", "--audit-repo", audit, "--run", run_id, "window opens 02:00 UTC")
    assert result.exit_code == 0
    result = invoke("tick", "--audit-repo", audit, "--run", run_id, "backup", "--undo")
    assert "unticked backup" in result.output
    result = invoke("runs", "--audit-repo", audit, "--format", "json")
    [summary] = json.loads(result.output)
    assert summary["run_id"] == run_id and summary["events"] == 4 and summary["done"] == 0
    text = invoke("runs", "--audit-repo", audit).output
    assert run_id in text and "0/6 ticked" in text


def test_user_errors_are_messages_not_tracebacks(tmp_path):
    repo, run_id = _run(tmp_path)
    result = invoke("tick", "--audit-repo", str(repo.path), "--run", run_id, "nope")
    assert result.exit_code == 1
    assert "has no checklist item 'nope'" in result.output and "Traceback" not in result.output
    result = invoke("note", "--audit-repo", str(repo.path), "--run", "no-such-run", "x")
    assert result.exit_code == 1 and "no run 'no-such-run'" in result.output
    result = invoke("runs", "--audit-repo", str(tmp_path / "missing"))
    assert result.exit_code == 1 and "no audit repo" in result.output
    (repo.path / "stray.txt").write_text("x")
    result = invoke("note", "--audit-repo", str(repo.path), "--run", run_id, "x")
    assert result.exit_code == 1 and "stray.txt" in result.output and "fix:" in result.output
