"""Pilot tests of the lint panel and the override dialog, hosted in a small app."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Static

from phasetui.sql.lint import LintOptions, lint_text
from phasetui.tui.lint_panel import LintPanel
from phasetui.tui.override_dialog import OverrideDialog

SQL = """-- phasetui: allow drop-column unused since v3 [ticket 12]
ALTER TABLE "users[old]" DROP COLUMN legacy;
CREATE INDEX users_email_idx ON users (email);
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users ADD COLUMN payload json;
"""


class Host(App[None]):
    BINDINGS = [Binding("o", "override", "Override", id="host_override")]

    def __init__(self, report) -> None:
        super().__init__()
        self.report = report
        self.reasons: list[str | None] = []
        self.selected: list = []

    def compose(self) -> ComposeResult:
        yield LintPanel(self.report, id="lint")
        yield Footer()

    def action_override(self) -> None:
        self.push_screen(
            OverrideDialog(self.report.errors, "expand / add email"), self.reasons.append
        )

    def on_lint_panel_finding_selected(self, message: LintPanel.FindingSelected) -> None:
        self.selected.append(message.finding)


@pytest.fixture
def report():
    return lint_text(SQL, "m.sql", LintOptions(phase="any"))


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_panel_lists_findings_and_shows_the_selected_one(report, size):
    app = Host(report)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        panel = app.query_one(LintPanel)
        table = app.query_one("#lint-table", DataTable)
        assert table.row_count == len(report.findings) == 5
        # errors first
        assert [f.severity for f in panel.rows[:2]] == ["error", "error"]
        summary = str(app.query_one("#lint-summary", Static).render())
        assert "2 error(s), 2 warning(s), 1 suppressed" in summary
        detail = str(app.query_one("#lint-detail-body", Static).render())
        assert "create-index-not-concurrent" in detail
        assert "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);" in detail
        table.focus()
        await pilot.press("down")
        await pilot.pause()
        assert panel.selected.rule == "set-not-null"
        assert app.selected[-1].rule == "set-not-null"
        detail = str(app.query_one("#lint-detail-body", Static).render())
        assert "assuming `users` is large and `email` is nullable" in detail
        # the suppressed finding, whose text holds [brackets], renders as written
        await pilot.press("down", "down", "down")
        await pilot.pause()
        assert panel.selected.suppressed == "unused since v3 [ticket 12]"
        detail = str(app.query_one("#lint-detail-body", Static).render())
        assert 'ALTER TABLE "users[old]" DROP COLUMN legacy' in detail
        assert "allowed: unused since v3 [ticket 12]" in detail


async def test_warnings_toggle(report):
    app = Host(report)
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#lint-table").focus()
        await pilot.press("w")
        await pilot.pause()
        assert app.query_one("#lint-table", DataTable).row_count == 3  # errors (incl. allowed)
        await pilot.press("w")
        await pilot.pause()
        assert app.query_one("#lint-table", DataTable).row_count == 5


async def test_clean_report_says_so():
    app = Host(lint_text("SET lock_timeout = '2s';\nALTER TABLE t ADD COLUMN a int;\n"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.query_one("#lint-table", DataTable).row_count == 0
        assert "No findings." in str(app.query_one("#lint-detail-body", Static).render())
        assert "0 error(s)" in str(app.query_one("#lint-summary", Static).render())


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_override_dialog_needs_a_typed_reason(report, size):
    app = Host(report)
    async with app.run_test(size=size) as pilot:
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OverrideDialog)
        listing = str(app.screen.query_one("#override-errors", Static).render())
        assert "create-index-not-concurrent" in listing and "set-not-null" in listing
        assert app.screen.query_one(Input).has_focus
        await pilot.press("o", "k", "enter")  # too short: refused, dialog stays
        await pilot.pause()
        assert isinstance(app.screen, OverrideDialog) and app.reasons == []
        app.screen.query_one(Input).value = ""
        await pilot.press(*"users has 300 rows in production, checked today")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, OverrideDialog)
        assert app.reasons == ["users has 300 rows in production, checked today"]


async def test_override_dialog_escape_cancels(report):
    app = Host(report)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, OverrideDialog)
        assert app.reasons == [None]
