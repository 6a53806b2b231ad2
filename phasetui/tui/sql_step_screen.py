"""One sql step: its SQL, lint findings for its phase, the lock rehearsal, and apply.

Every action runs in a thread worker and is recorded in the run (files + one commit), so
the screen shows exactly what a reviewer will later read in the audit repo. Apply, in this
order: refuses SQL that lifts phasetui's timeouts; says so plainly when the latest
rehearsal of the step in this run failed, and asks whether to go on; waits for a clean
lint or a typed override reason (the one gate of every apply, ``apply_gate``); and on
production asks for the environment's name typed back.
"""

from __future__ import annotations

from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.errors import UserError
from phasetui.ops.sql_step import SqlStep, apply_gate, latest_rehearsal_failure
from phasetui.redaction import mask_sql, redact
from phasetui.tui.actions import bindings
from phasetui.tui.confirm_dialog import ConfirmDialog
from phasetui.tui.lint_panel import LintPanel
from phasetui.tui.override_dialog import OverrideDialog
from phasetui.tui.rehearsal_table import RehearsalTable
from phasetui.tui.text_dialog import TextDialog


class SqlStepScreen(Screen[None]):
    KEYS = "sql-step"
    BINDINGS = bindings(KEYS)

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
        allowed = getattr(self.app, "may_execute", None)
        if allowed is not None and not allowed():
            return
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
        allowed = getattr(self.app, "may_execute", None)
        if allowed is not None and not allowed():
            return
        if self.busy:
            return
        if self.report is None:
            self._status("Lint first (l): apply waits for the lint verdict.", "yellow")
            return
        if self._long_running() and hasattr(self.app, "start_job_worker"):
            # An index build or a VALIDATE can take hours: a job survives this TUI and the
            # SSH session; its gates are asked before it detaches, the jobs screen shows it.
            self._status("Long statements (CONCURRENTLY / VALIDATE): starting it as a job…")
            self.app.start_job_worker(self.step.step)
            return
        try:
            self.step.check_ceiling()  # not overridable: before any question
            failed = latest_rehearsal_failure(self.repo, self.run_id, self.step.step.id)
            unmet = self._unmet_verifies()
        except UserError as exc:
            self._fail(exc)
            return
        if unmet:
            self._verify_gate(unmet, failed)
            return
        self._after_verify_gate(failed)

    def _long_running(self) -> bool:
        import re

        try:
            sql = self.step.sql()
        except UserError:
            return False
        return bool(re.search(r"\bCONCURRENTLY\b|\bVALIDATE\s+CONSTRAINT\b", sql, re.I))

    def _unmet_verifies(self) -> list[str]:
        """The contract gate, as the runner applies it: every verify before this step in
        its phase must hold on this environment, in this run."""
        if self.step.phase != "contract":
            return []
        from phasetui.ops.runner import Runner

        runner = Runner(self.step.runbook, self.repo, self.run_id, self.who)
        return runner.unmet_verifies(self.step.step, self.step.environment)

    def _verify_gate(self, unmet: list[str], failed: str | None) -> None:
        from phasetui.ops.sql_step import acceptable_reason

        why = "; ".join(unmet)
        dialog = TextDialog(
            "Verify first",
            f"This contract step needs every verify before it to hold on "
            f"{self.step.environment.name}: {why}. Type a reason to override (recorded), "
            "or escape.",
            allow_empty=False,
            dialog_id="verify-gate-dialog",
        )

        def reasoned(reason: str | None) -> None:
            if not reason or not acceptable_reason(reason):
                self._status(f"Not applied: verify first ({why}).", "yellow")
                return
            self._record_verify_override(unmet, reason)
            self._after_verify_gate(failed)

        self.app.push_screen(dialog, reasoned)

    @work(thread=True, exit_on_error=False, group="step")
    def _record_verify_override(self, unmet: list[str], reason: str) -> None:
        try:
            from phasetui.ops.runner import Runner

            runner = Runner(self.step.runbook, self.repo, self.run_id, self.who)
            runner.record_verify_override(self.step.step, unmet, reason)
        except UserError as exc:
            self.app.call_from_thread(self._fail, exc)

    def _after_verify_gate(self, failed: str | None) -> None:
        if failed is None:
            self._gate("")
            return
        env = self.step.rehearsal_environment().name
        dialog = ConfirmDialog(
            "The last rehearsal FAILED",
            f"The latest rehearsal of this step in this run, on {env}, failed:\n{failed}",
            "Apply anyway?",
            dialog_id="rehearsal-failed-dialog",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._gate(failed)
            else:
                self._status("Not applied: the last rehearsal failed.", "yellow")

        self.app.push_screen(dialog, answered)

    def _gate(self, failed_rehearsal: str) -> None:
        """Lint errors need a typed reason (the override dialog) before the name prompt."""
        if not self.report.errors:
            self._confirm_env("", failed_rehearsal)
            return
        dialog = OverrideDialog(self.report.errors, self.step.step.label)

        def reasoned(reason: str | None) -> None:
            if reason:
                self._confirm_env(reason, failed_rehearsal)
            else:
                self._status("Not applied: lint errors need a reason to override.", "yellow")

        self.app.push_screen(dialog, reasoned)

    def _confirm_env(self, override: str, failed_rehearsal: str = "") -> None:
        env = self.step.environment
        if not env.production:
            self._start_apply(override, None, failed_rehearsal)
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
            self._start_apply(override, value, failed_rehearsal)

        self.app.push_screen(dialog, typed)

    def _start_apply(self, override: str, confirm: str | None, failed_rehearsal: str = "") -> None:
        self.busy = True
        self._status(f"Applying on {self.step.environment.name}…", "bold")
        self._apply(override, confirm, failed_rehearsal)

    @work(thread=True, exit_on_error=False, group="step")
    def _apply(self, override: str, confirm: str | None, failed_rehearsal: str = "") -> None:
        try:
            gate = apply_gate(self.report, override)  # the same gate as the CLI
            if gate.override:
                self.step.record_lint(
                    self.repo, self.run_id, self.report, self.who, override=gate.override
                )
            result = self.step.apply(confirm=confirm, gate=gate)
            self.step.record_apply(
                self.repo,
                self.run_id,
                result,
                self.who,
                after_failed_rehearsal=failed_rehearsal,
            )
        except UserError as exc:
            self.app.call_from_thread(self._fail, exc)
            return
        self.app.call_from_thread(self._apply_done, result)

    def _apply_done(self, result: Any) -> None:
        self.busy = False
        self.applied = result
        if result.ok:
            done = result.summary().removeprefix("applied ")
            self._status(f"Applied on {result.target}: {done}; recorded.", "bold green")
        else:
            self._status(f"Apply {result.summary()} (recorded).", "bold red")

    def action_toggle_warnings(self) -> None:
        self.query_one(LintPanel).action_toggle_warnings()

    def action_command(self) -> None:
        """This step's headless command line, whole, in a dialog that stays."""
        from phasetui.tui.command_dialog import CommandDialog
        from phasetui.tui.step_command import step_command

        env = self.step.environment
        built = step_command(
            self.step.runbook,
            self.step.step,
            audit_repo=self.repo.path,
            run_id=self.run_id,
            who=str(self.who),
            target=env.name,
            environments={env.name: env},
        )
        self.app.push_screen(
            CommandDialog(
                f"Command line of {self.step.step.label}",
                built.command,
                why=built.why,
                needs=built.needs,
                file_stem=built.file_stem,
            )
        )

    def action_back(self) -> None:
        if self.busy:
            self.notify("Still working; the result will be recorded.", severity="warning")
        self.app.pop_screen()
        reload = getattr(self.app, "action_reload", None)
        if reload is not None:
            reload()
