"""The real app, driven with Pilot at 80x24 and 160x50, checked against the real audit repo."""

from __future__ import annotations

import subprocess
import sys

import pytest

from phasetui.tui.app import PhaseApp
from phasetui.tui.checklist_pane import ChecklistPane
from phasetui.tui.help_screen import HelpScreen
from phasetui.tui.phase_tree import PhaseTree
from phasetui.tui.text_dialog import TextDialog
from tests.helpers import ROOT, git
from tests.tui_fixtures import ALICE, BOB, fixed_run

SIZES = [(80, 24), (160, 50)]


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def cell(app: PhaseApp, item: str, column: str) -> str:
    table = app.query_one(ChecklistPane)
    return str(table.get_cell(item, column))


@pytest.mark.parametrize("size", SIZES)
async def test_tick_with_note_commits_as_the_dba(tmp_path, size):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("c", "down")  # second item: the schema diff
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"diff reviewed in schema/diff.md")
        await pilot.press("enter")
        await settle(pilot)
        assert app.state.is_done("schema-diff")
        assert cell(app, "schema-diff", "mark") == "[x]"
        if size == (160, 50):
            assert cell(app, "schema-diff", "by") == "Alice DBA"
        else:  # narrow: who and when are in the top pane for the highlighted item
            assert "ticked by Alice DBA" in str(app.query_one("#detail").render())
    log = git(repo.path, "log", "-1", "--format=%an <%ae>%n%s", "--name-only").splitlines()
    assert log[0] == "Alice DBA <alice@example.org>"
    assert log[1] == f"{run_id}: tick schema-diff"
    assert f"runs/{run_id}/journal.jsonl" in log and f"runs/{run_id}/checklist.md" in log
    checklist = (repo.run_dir(run_id) / "checklist.md").read_text()
    assert "- [x] 2. Schema dump diff checked" in checklist
    assert "diff reviewed in schema/diff.md" in checklist


async def test_escape_cancels_a_tick_and_writes_nothing(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    head = git(repo.path, "rev-parse", "HEAD")
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, TextDialog)
    assert git(repo.path, "rev-parse", "HEAD") == head


@pytest.mark.parametrize("size", SIZES)
async def test_help_opens_and_closes(tmp_path, size):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_resuming_a_run_shows_earlier_ticks_and_notes(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert cell(app, "backup", "mark") == "[x]"
        assert cell(app, "backup", "by") == "Bob Pair"
        assert cell(app, "backup", "when") == "01-01 02:01Z"
        assert app.query_one(ChecklistPane).border_title == "Checklist 1/6"
        notes = str(app.query_one("#notes-body").render())
        assert "Change window 02:00-04:00 UTC" in notes


async def test_adding_a_note(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, BOB, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("enter")  # empty: refused, dialog stays
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"[users] has 2.1M rows; WHERE id > 10")
        await pilot.press("enter")
        await settle(pilot)
    assert (
        git(repo.path, "log", "-1", "--format=%an|%s") == f"Bob Pair|{run_id}: note: [users] "
        "has 2.1M rows; WHERE id > 10\n"
    )
    assert "[users] has 2.1M rows" in (repo.run_dir(run_id) / "notes.md").read_text()


async def test_dirty_audit_repo_shows_an_error_and_keeps_running(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    (repo.path / "draft.txt").write_text("someone's edit")
    head = git(repo.path, "rev-parse", "HEAD")
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c", "t", "enter")
        await settle(pilot)
        assert not app.state.is_done("backup")
        messages = [n.message for n in app._notifications]
        assert any("draft.txt" in m and "fix:" in m for m in messages), messages
        assert app.is_running
    assert git(repo.path, "rev-parse", "HEAD") == head


async def test_a_pairing_partners_tick_appears(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "phasetui",
                "tick",
                "--audit-repo",
                str(repo.path),
                "--run",
                run_id,
                "drift",
                "--as",
                "Bob Pair <bob@example.org>",
            ],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        for _ in range(40):
            await pilot.pause(0.1)
            if app.state and app.state.is_done("drift"):
                break
        assert app.state.is_done("drift")
        assert cell(app, "drift", "mark") == "[x]"
        assert app.state.ticks["drift"].who.startswith("Bob Pair")


async def test_markdown_guide_runs_as_a_checklist(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path, "online_migration_checklist.az.md", ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.query_one(PhaseTree)
        assert len(tree.root.children) == 7
        assert str(tree.root.children[0].label).startswith("1. Hazırlıq mərhələsi")
        await pilot.press("c", "t", "enter")
        await settle(pilot)
        assert app.state.is_done("backup-alindi-fayl-yolu-qeyd-edildi")


async def test_selecting_a_step_shows_its_fields(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False, target="production")
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        for _ in range(7):  # down to the backfill step
            await pilot.press("down")
        await pilot.pause()
        detail = str(app.query_one("#detail").render())
        assert "backfill" in detail and "preferences IS NULL" in detail
        assert "PRODUCTION" in detail
