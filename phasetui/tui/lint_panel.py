"""The lint findings of one sql step: a table of findings and the selected one in full.

Everything shown comes from the database or the user's SQL, so it is rendered as
``rich.text.Text`` (never markup): a ``[`` in a statement prints as written.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from phasetui.tui.actions import bindings

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}


def finding_text(f: Any) -> Text:
    """One finding in full: message, statement, lock, assumptions, the safe rewrite."""
    text = Text()
    state = " (suppressed)" if f.suppressed else ""
    text.append(f"{f.severity}{state} ", _SEVERITY_STYLE.get(f.severity, ""))
    text.append(f"[{f.rule}] ", "bold")
    where = f"{f.file}:{f.line}:{f.column}" + (f" ({f.migration})" if f.migration else "")
    text.append(where + "\n", "dim")
    text.append(f.message + "\n")
    text.append("statement: ", "bold")
    text.append(" ".join(f.statement.split()) + "\n")
    if f.lock:
        text.append("lock: ", "bold")
        text.append(f"{f.lock} on {f.relation or '?'}, blocks {f.blocks}, for {f.duration}\n")
    elif f.duration:
        text.append("effect: ", "bold")
        text.append(f.duration + "\n")
    for assumption in f.assumptions:
        text.append(f"note: {assumption}\n", "italic")
    if f.suppressed:
        text.append(f"allowed: {f.suppressed}\n", "italic")
    if f.rewrite:
        text.append("safe rewrite:\n", "bold")
        for step in f.rewrite:
            text.append(f"  {step.phase:<8} ", "bold cyan")
            text.append(step.sql)
            if step.note:
                text.append(f"  -- {step.note}", "dim")
            text.append("\n")
    return text


class LintPanel(Vertical):
    """Shows a ``LintReport``: ``panel.show(report)``; posts ``FindingSelected``."""

    DEFAULT_CSS = """
    LintPanel { height: 1fr; }
    LintPanel > #lint-summary { height: auto; padding: 0 1; }
    LintPanel > #lint-table { height: 1fr; min-height: 4; }
    LintPanel > #lint-detail { height: 1fr; min-height: 5; border-top: solid $primary; }
    LintPanel > #lint-detail > #lint-detail-body { padding: 0 1; }
    """

    # w as on the SQL step screen (the one key registry); here for a panel hosted alone.
    BINDINGS = [
        Binding(b.key, b.action, b.description, show=b.show, id="lint_toggle_warnings")
        for b in bindings("sql-step")
        if b.id == "step_warnings"
    ]

    class FindingSelected(Message):
        def __init__(self, finding: Any) -> None:
            super().__init__()
            self.finding = finding

    def __init__(self, report: Any = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.report = report
        self.show_warnings = True
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static(Text("No lint yet.", style="dim"), id="lint-summary")
        table: DataTable = DataTable(id="lint-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("sev", "rule", "line", "relation", "lock", "blocks", "for")
        yield table
        with VerticalScroll(id="lint-detail"):
            yield Static(Text(""), id="lint-detail-body")

    def on_mount(self) -> None:
        if self.report is not None:
            self.show(self.report)

    @property
    def selected(self) -> Any:
        table = self.query_one("#lint-table", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def show(self, report: Any) -> None:
        """Fills the table from a LintReport (errors first, then by position)."""
        self.report = report
        findings = sorted(
            report.findings,
            key=lambda f: (f.suppressed is not None, f.severity != "error", f.file, f.line),
        )
        if not self.show_warnings:
            findings = [f for f in findings if f.severity == "error"]
        self.rows = findings
        table = self.query_one("#lint-table", DataTable)
        table.clear()
        for f in findings:
            sev = Text(
                f.severity + ("*" if f.suppressed else ""),
                style=_SEVERITY_STYLE.get(f.severity, ""),
            )
            table.add_row(
                sev,
                Text(f.rule),
                Text(str(f.line)),
                Text(f.relation or ""),
                Text(f.lock or ""),
                Text(f.blocks if f.lock else ""),
                Text(f.duration or ""),
            )
        summary = Text()
        errors, warnings = len(report.errors), len(report.warnings)
        summary.append(f"{errors} error(s)", "bold red" if errors else "green")
        summary.append(f", {warnings} warning(s), {len(report.suppressed)} suppressed — ")
        facts = f"catalog of {report.catalog}" if report.catalog else "no catalog (assumed)"
        summary.append(f"phase {report.phase}, PostgreSQL {report.pg_version}, {facts}", "dim")
        self.query_one("#lint-summary", Static).update(summary)
        self._show_detail(findings[0] if findings else None)

    def _show_detail(self, finding: Any) -> None:
        body = self.query_one("#lint-detail-body", Static)
        if finding is None:
            body.update(Text("No findings." if self.report is not None else "", style="green"))
            return
        body.update(finding_text(finding))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        finding = self.selected
        self._show_detail(finding)
        if finding is not None:
            self.post_message(self.FindingSelected(finding))

    def action_toggle_warnings(self) -> None:
        self.show_warnings = not self.show_warnings
        if self.report is not None:
            self.show(self.report)
