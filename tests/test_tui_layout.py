"""The screens at 80x24 and 160x50, read as the user reads them (the rendered frame).

Nothing a decision needs is cut: the run id in the header, every checklist item's text and
evidence mark, the schema diff's two sides, the rehearsal's blocks/rewrite/ms; no pane
needs horizontal scrolling; at 160x50 the notes get the rows the checklist does not need.
"""

from __future__ import annotations

import re

import psycopg
import pytest
from rich.cells import get_character_cell_size

from phasetui.schema.diff import diff_models
from phasetui.schema.dump_loader import load_dump
from phasetui.tui.app import PhaseApp
from phasetui.tui.checklist_pane import ChecklistPane
from phasetui.tui.rehearsal_table import RehearsalTable
from phasetui.tui.sql_step_screen import SqlStepScreen
from phasetui.tui.text_dialog import TextDialog
from tests.test_schema_viewer import A_TEXT, B_TEXT, ViewerApp
from tests.test_step_sql import USERS
from tests.tui_fixtures import ALICE, RUN_ID, fixed_run, screen_text

SIZES = [(80, 24), (160, 50)]


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def cells(line: str) -> list[str]:
    """One entry per terminal cell (a wide character takes two, the second empty)."""
    out: list[str] = []
    for ch in line:
        out.append(ch)
        out.extend([""] * (get_character_cell_size(ch) - 1))
    return out


def crop(app, widget, x: int = 0, width: int | None = None) -> list[str]:
    """The frame's lines inside ``widget``'s content region (from column ``x`` of it)."""
    r = widget.content_region
    lines = screen_text(app).splitlines()[r.y : r.y + r.height]
    start = r.x + x
    end = r.x + (r.width if width is None else x + width)
    return ["".join(cells(line)[start:end]) for line in lines]


def flat(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


@pytest.mark.parametrize("size", SIZES)
async def test_run_id_items_and_evidence_marks_are_whole(tmp_path, size):
    rb, repo, run_id = fixed_run(tmp_path)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        header = screen_text(app).splitlines()[0]
        assert f"run {RUN_ID}" in header and "PRODUCTION" in header
        checklist = app.query_one(ChecklistPane)
        assert checklist.max_scroll_x == 0  # nothing off to the right
        lines = crop(app, checklist)
        x = sum(checklist.columns[k].get_render_width(checklist) for k in ("mark", "ev"))
        item = checklist.columns["item"].get_render_width(checklist)
        shown = flat(crop(app, checklist, x, item))  # the item column alone
        for n, entry in enumerate(app.state.checklist, 1):
            assert f"{n}. {' '.join(entry.text.split())}" in shown, entry.text
            if entry.evidence:  # its mark, at the left of its first line
                (row,) = [line for line in lines if re.search(rf"\s{n}\. ", line)]
                assert re.search(rf"\[[ x]\]\s+[…✓✗]\s+{n}\. ", row), row


async def test_the_top_pane_gives_the_highlighted_item_whole(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        detail = flat(crop(app, app.query_one("#detail")))
        assert "Backup taken, file path recorded" in detail
        assert "evidence: step backup-prod" in detail and "not recorded yet" in detail
        assert "ticked by Bob Pair, 01-01 02:01Z" in detail
        assert "/backups/pre_users_preferences.dump (2.1 GB)" in detail
        await pilot.press("p", "down")  # back on the phases: the top pane shows the step
        await settle(pilot)
        assert "Capture migration status" in flat(crop(app, app.query_one("#detail")))


async def test_at_160x50_the_notes_get_the_rows_the_checklist_does_not_need(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        checklist = app.query_one(ChecklistPane)
        rows = sum(checklist.rows[key].height for key in checklist.rows)
        assert checklist.content_region.height <= rows + 1  # + the column header
        assert app.query_one("#notes").region.height >= 20


@pytest.mark.parametrize("size", SIZES)
async def test_t_from_the_phases_pane_shows_and_names_the_item(tmp_path, size):
    rb, repo, run_id = fixed_run(tmp_path)
    head = repo.events(run_id)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        assert app.query_one("#phases").has_focus
        await pilot.press("t")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, TextDialog)
        title = str(dialog.query_one(".dialog-title").render())
        assert title == "Untick item 1 of 6: Backup taken, file path recorded"
        assert "Ticked by Bob Pair" in str(dialog.query_one(".dialog-prompt").render())
        await pilot.press("escape")
        await settle(pilot)
        checklist = app.query_one(ChecklistPane)
        assert checklist.has_focus and checklist.selected_item == "backup"  # now visible
    assert repo.events(run_id) == head  # escape: nothing written


@pytest.mark.parametrize("size", SIZES)
async def test_the_schema_diff_header_names_both_sides_whole(size):
    a_source = "postgres@staging-db.internal:5432/app (PHASETUI_STAGING_DSN)"
    b_source = "postgres@production-db.internal:5432/app (PHASETUI_PRODUCTION_DSN)"
    diff = diff_models(load_dump(A_TEXT, source=a_source), load_dump(B_TEXT, source=b_source))
    app = ViewerApp(diff)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        header = crop(app, app.screen.query_one("#schema-header"))
        assert not any(line.rstrip().endswith(("A:", "B:")) for line in header)
        shown = flat(header)
        assert f"A: {a_source}" in shown and f"B: {b_source}" in shown


@pytest.fixture
def envs(make_db, monkeypatch):
    staging, production = make_db("staging"), make_db("production")
    for dsn in (staging, production):
        with psycopg.connect(dsn) as conn:
            conn.execute(USERS)
    monkeypatch.setenv("PHASETUI_STAGING_DSN", staging)
    monkeypatch.setenv("PHASETUI_PRODUCTION_DSN", production)


@pytest.mark.parametrize("size", SIZES)
async def test_the_rehearsal_shows_blocks_rewrite_and_ms(tmp_path, envs, size):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for _ in range(5):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SqlStepScreen)
        await pilot.press("r")
        await settle(pilot)
        table = app.screen.query_one(RehearsalTable)
        assert table.row_count == 2 and table.max_scroll_x == 0
        lines = crop(app, table)
        assert all(word in lines[0] for word in ("status", "ms", "rewrite", "blocks", "locks"))
        shown = flat(lines)
        assert "reads and writes" in shown and "ACCESS EXCLUSIVE on users" in shown
        ms = table.result.statements[1].duration_s * 1000
        assert re.search(rf"\brehearsed\s+{ms:.0f}\s+no\s+reads and", shown), shown
