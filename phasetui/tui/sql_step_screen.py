"""One sql step: its SQL, lint findings for its phase, the lock rehearsal, and apply.

Every action runs in a thread worker and is recorded in the run (files + one commit), so
the screen shows exactly what a reviewer will later read in the audit repo. Apply waits
for a clean lint or a typed override reason, and production asks for its name typed back.
"""

from __future__ import annotations

from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.errors import UserError
from phasetui.ops.sql_step import SqlStep
from phasetui.redaction import mask_sql, redact
from phasetui.tui.lint_panel import LintPanel
from phasetui.tui.rehearsal_table import RehearsalTable
from phasetui.tui.text_dialog import TextDialog


class SqlStepScreen(Screen[None]):
    BINDINGS = [
        Binding("l", "lint", "Lint", id="step_lint"),
        Binding("r", "rehearse", "Rehearse", id="step_rehearse"),
        Binding("a", "apply", "Apply", id="step_apply"),
        Binding("escape", "back", "Back", id="step_back"),
    ]

    def __init__(self, step: SqlStep, repo: AuditRepo, run_id: str, who: Person) -> None:
        super().__init__(id="sql-step")
        self.step = step
        self.repo = repo
        self.run_id = run_id
        self.who = who
        self.report: Any = None
        self.rehearsal: Any = None
        self.applied: Any = None
        self.busy = False

    def compose(self) -> ComposeResult:
        env = self.step.environment
        title = Text.assemble(
            (self.step.step.label, "bold"),
            f"  phase {self.step.phase}  ",
            (f"env {env.name}", "bold red" if env.production else "bold"),
            ("  PRODUCTION" if env.production else "", "bold red"),
        )
        yield Static(title, id="step-title")
        with VerticalScroll(id="step-sql"):
            yield Static(self._sql_view(), id="step-sql-body")
        lint = LintPanel(id="step-lint")
        lint.border_title = "Lint"
        yield lint
        table = RehearsalTable(id="step-rehearsal")
        table.border_title = "Rehearsal (r)"
        yield table
        yield Static(Text(""), id="step-status")
        yield Footer()

    def _sql_view(self) -> Syntax | Text:
        try:
            return Syntax(
                mask_sql(self.step.sql().strip()),  # shown, never a password
                "sql",
                theme="ansi_dark",
                line_numbers=True,
                word_wrap=True,
            )
        except UserError as exc:
            return Text(str(exc), style="bold red")

    def on_mount(self) -> None:
        self.action_lint()

    def _status(self, text: str, style: str = "") -> None:
        self.query_one("#step-status", Static).update(Text(text, style=style))

    def _fail(self, exc: UserError) -> None:
        self.busy = False
        message = redact(exc.message + (f"\nfix: {exc.hint}" if exc.hint else ""))
        self._status(message, "bold red")
        self.notify(message, title="Not done", severity="error", timeout=12, markup=False)

    # -- lint -------------------------------------------------------------------------

    def action_lint(self) -> None:
        if not self.busy:
            self.busy = True
            self._status("Linting against the target's catalog…", "dim")
            self._lint()

    @work(thread=True, exit_on_error=False, group="step")
    def _lint(self) -> None:
        note = ""
        try:
            try:
                report = self.step.lint()
            except UserError as exc:  # no target: lint on assumed facts, and say so
                report = self.step.lint(connect=False)
                note = f"Linted offline (assuming large tables): {exc.message}"
            self.step.record_lint(self.repo, self.run_id, report, self.who)
        except UserError as exc:
            self.app.call_from_thread(self._fail, exc)
            return
        self.app.call_from_thread(self._lint_done, report, note)

    def _lint_done(self, report: Any, note: str = "") -> None:
        self.busy = False
        self.report = report
        self.query_one(LintPanel).show(report)
        errors = len(report.errors)
        self.query_one(
            "#step-lint"
        ).border_title = f"Lint: {errors} error(s), {len(report.warnings)} warning(s)"
        status = "Lint recorded in the run. r: rehearse, a: apply."
        self._status(
            f"{note}\n{status}" if note else status,
            "bold red" if errors else ("yellow" if note else "green"),
        )

    # -- rehearse ---------------------------------------------------------------------

    def action_rehearse(self) -> None:
        if not self.busy:
            self.busy = True
            env = self.step.rehearsal_environment().name
            self._status(f"Rehearsing on {env} in a transaction that will be rolled back…")
            self._rehearse()

    @work(thread=True, exit_on_error=False, group="step")
    def _rehearse(self) -> None:
        try:
            result = self.step.rehearse()
            self.step.record_rehearsal(self.repo, self.run_id, result, self.who)
        except UserError as exc:
            self.app.call_from_thread(self._fail, exc)
            return
        self.app.call_from_thread(self._rehearsal_done, result)

    def _rehearsal_done(self, result: Any) -> None:
        self.busy = False
        self.rehearsal = result
        self.query_one(RehearsalTable).show(result)
        verdict = "passed" if result.passed else "FAILED"
        self.query_one(RehearsalTable).border_title = f"Rehearsal on {result.target}: {verdict}"
        self._status(
            f"Rehearsal {verdict}; rolled back, recorded in the run.",
            "green" if result.passed else "bold red",
        )

    # -- apply ------------------------------------------------------------------------

    def action_apply(self) -> None:
        if self.busy:
            return
        if self.report is None:
            self._status("Lint first (l): apply waits for the lint verdict.", "yellow")
            return
        if self.report.errors:
            dialog = TextDialog(
                f"Lint found {len(self.report.errors)} error(s)",
                "Apply anyway? Type why this is safe (recorded in the audit journal).",
                allow_empty=False,
                dialog_id="override-dialog",
            )
            self.app.push_screen(dialog, lambda reason: reason and self._confirm_env(reason))
        else:
            self._confirm_env("")

    def _confirm_env(self, override: str) -> None:
        env = self.step.environment
        if not env.production:
            self._start_apply(override, None)
            return
        dialog = TextDialog(
            f"Apply on {env.name} (PRODUCTION)",
            f"Type {env.name} to apply with lock_timeout and retries.",
            allow_empty=False,
            dialog_id="confirm-dialog",
        )

        def typed(value: str | None) -> None:
            if value is None:
                return
            if value != env.name:
                self._status(f"Not applied: you typed {value!r}, not {env.name!r}.", "yellow")
                return
            self._start_apply(override, value)

        self.app.push_screen(dialog, typed)

    def _start_apply(self, override: str, confirm: str | None) -> None:
        self.busy = True
        self._status(f"Applying on {self.step.environment.name}…", "bold")
        self._apply(override, confirm)

    @work(thread=True, exit_on_error=False, group="step")
    def _apply(self, override: str, confirm: str | None) -> None:
        try:
            if override:
                self.step.record_lint(
                    self.repo, self.run_id, self.report, self.who, override=override
                )
            result = self.step.apply(confirm=confirm)
            self.step.record_apply(self.repo, self.run_id, result, self.who)
        except UserError as exc:
            self.app.call_from_thread(self._fail, exc)
            return
        self.app.call_from_thread(self._apply_done, result)

    def _apply_done(self, result: Any) -> None:
        self.busy = False
        self.applied = result
        if result.ok:
            tries = sum(s.tries for s in result.steps)
            self._status(f"Applied on {result.target} ({tries} tries); recorded.", "bold green")
        else:
            failed = result.failed_step
            self._status(f"Apply FAILED: {failed.error if failed else '?'} (recorded).", "bold red")

    def action_back(self) -> None:
        if self.busy:
            self.notify("Still working; the result will be recorded.", severity="warning")
        self.app.pop_screen()
        reload = getattr(self.app, "action_reload", None)
        if reload is not None:
            reload()
