"""The run's jobs, one live pane each: what a DBA watches through the change window.

Refreshes twice a second in a thread worker (state files, the backfill's state table, the
server's activity), never on the event loop; a pane redraws only what changed. Keys act on
the focused pane, through the same channels as the CLI, and each action is journaled.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from phasetui.errors import UserError
from phasetui.tui.actions import bindings
from phasetui.tui.job_pane import JobPane

REFRESH_SECONDS = 0.5


class JobsScreen(Screen[None]):
    CSS_PATH = "jobs.tcss"
    KEYS = "jobs"
    BINDINGS = bindings(KEYS)

    def __init__(self, runner: Any) -> None:
        super().__init__(id="jobs")
        self.runner = runner
        self.panes: dict[str, JobPane] = {}
        self.confirmed_production = False

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Jobs of run {self.runner.run_id}", style="bold"), id="jobs-title")
        yield VerticalScroll(id="jobs-panes")
        yield Static(Text("No jobs yet: enter on a long step starts one.", style="dim"),
                     id="jobs-empty")  # fmt: skip
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_views()
        self.set_interval(REFRESH_SECONDS, self.refresh_views)

    @work(thread=True, exclusive=True, exit_on_error=False, group="jobs-read")
    def refresh_views(self) -> None:
        from phasetui.jobs.live import read_views

        try:
            views = read_views(self.runner)
        except Exception as exc:  # noqa: BLE001 - shown; the next refresh tries again
            self.app.call_from_thread(self._problem, str(exc))
            return
        self.app.call_from_thread(self._show, views)

    def _problem(self, text: str) -> None:
        from phasetui.redaction import redact

        self.query_one("#jobs-empty", Static).update(Text(redact(text), style="bold red"))

    def _show(self, views: list[Any]) -> None:
        box = self.query_one("#jobs-panes", VerticalScroll)
        self.query_one("#jobs-empty", Static).display = not views
        seen = set()
        for view in views:
            seen.add(view.job_id)
            pane = self.panes.get(view.job_id)
            if pane is None:
                pane = JobPane(view, classes="job-pane")
                self.panes[view.job_id] = pane
                box.mount(pane)
                if len(self.panes) == 1:
                    pane.focus()
            else:
                pane.show(view)
        for job_id in list(self.panes):
            if job_id not in seen:
                self.panes.pop(job_id).remove()

    # -- actions on the focused pane ------------------------------------------------------

    def _focused(self) -> JobPane | None:
        focused = self.focused
        while focused is not None and not isinstance(focused, JobPane):
            focused = focused.parent if isinstance(focused.parent, JobPane) else None
        if isinstance(focused, JobPane):
            return focused
        return next(iter(self.panes.values()), None)

    def _may_execute(self) -> bool:
        allowed = getattr(self.app, "may_execute", None)
        if allowed is not None and not allowed():
            self.notify("You observe this run: only the driver may act on its jobs.",
                        severity="warning")  # fmt: skip
            return False
        return True

    def _with_production(self, pane: JobPane, then: Any) -> None:
        """A production backfill's controls write there: its name typed back, once."""
        env = self.runner.environments.get(pane.view.env)
        if env is None or not env.production or self.confirmed_production:
            then()
            return
        from phasetui.tui.text_dialog import TextDialog

        def typed(value: str | None) -> None:
            if value == env.name:
                self.confirmed_production = True
                then()
            elif value is not None:
                self.notify(f"Not done: you typed {value!r}, not {env.name!r}.",
                            severity="warning")  # fmt: skip

        self.app.push_screen(
            TextDialog(f"Act on {env.name} (PRODUCTION)", f"Type {env.name} to control its "
                       "jobs from this screen.", allow_empty=False,
                       dialog_id="confirm-dialog"), typed)  # fmt: skip

    def action_control(self, action: str) -> None:
        pane = self._focused()
        if pane is None or not self._may_execute():
            return
        self._with_production(pane, lambda: self._do(pane, action, 1.0))

    def action_batch(self, factor: float) -> None:
        pane = self._focused()
        if pane is None or not self._may_execute():
            return
        self._with_production(pane, lambda: self._do(pane, "batch", factor))

    def action_stop(self) -> None:
        pane = self._focused()
        if pane is None or not self._may_execute():
            return
        from phasetui.tui.confirm_dialog import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self._with_production(pane, lambda: self._do(pane, "stop", 1.0))

        self.app.push_screen(
            ConfirmDialog(f"Stop {pane.view.step_id}?", "It stops after the current batch "
                          "and can be resumed from its checkpoint.", "y: stop   n: keep it",
                          "job-stop-dialog"), answered)  # fmt: skip

    @work(thread=True, exit_on_error=False, group="jobs-act")
    def _do(self, pane: JobPane, action: str, factor: float) -> None:
        from phasetui.jobs.live import backfill_action, stop_worker

        view = pane.view
        try:
            if view.backfill_name:
                said = backfill_action(self.runner, view, action, factor=factor)
            elif action == "stop":
                said = stop_worker(view)
            else:
                raise UserError(f"{view.step_id} is a {view.status.job.kind} job: only s "
                                "(stop) applies to it")  # fmt: skip
            self.runner.repo.record(
                self.runner.run_id, "job-control",
                {"job": view.job_id, "step": view.step_id, "action": action, "summary": said},
                self.runner.who, summary=said[:120],
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - shown
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self.notify, said)
        self.refresh_views()

    def _failed(self, exc: Exception) -> None:
        from phasetui.redaction import redact

        text = exc.message if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        self.notify(redact(text), title="Not done", severity="error", timeout=12, markup=False)

    def action_resume_lost(self) -> None:
        pane = self._focused()
        if pane is None or not self._may_execute():
            return
        if not pane.view.status.lost:
            self.notify("Only a lost job (its worker gone) is resumed with R.")
            return
        self._resume(pane)

    @work(thread=True, exit_on_error=False, group="jobs-act")
    def _resume(self, pane: JobPane) -> None:
        from phasetui.jobs.start import resume

        try:
            job = resume(pane.view.status.job, pane.view.status)
        except Exception as exc:  # noqa: BLE001 - shown
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self.notify, f"Resumed as job {job.id} (pid {job.pid}).")
        self.refresh_views()

    def action_blocker(self, terminate: bool) -> None:
        pane = self._focused()
        if pane is None or not self._may_execute():
            return
        blocker = pane.first_blocker()
        if blocker is None:
            self.notify("Nothing blocks this job now.")
            return
        from phasetui.tui.confirm_dialog import ConfirmDialog

        verb = "Terminate the session of" if terminate else "Cancel the statement of"
        body = (f"pid {blocker.pid} ({blocker.user}, {blocker.application or '-'}, "
                f"{blocker.state}): {blocker.query[:300]}")  # fmt: skip

        def answered(yes: bool | None) -> None:
            if yes:
                self._signal(pane, blocker, terminate)

        self.app.push_screen(ConfirmDialog(f"{verb} pid {blocker.pid}?", body,
                                           "y: do it   n: leave it", "blocker-dialog"),
                             answered)  # fmt: skip

    @work(thread=True, exit_on_error=False, group="jobs-act")
    def _signal(self, pane: JobPane, blocker: Any, terminate: bool) -> None:
        from phasetui.db.activity import signal_backend
        from phasetui.db.environments import resolve_dsn

        try:
            env = self.runner.environment(pane.view.env)
            sent = signal_backend(resolve_dsn(env), blocker.pid, terminate=terminate)
            verb = "terminated" if terminate else "cancelled"
            said = (f"{verb} blocker pid {blocker.pid} ({blocker.user}, "
                    f"{blocker.application or '-'}) of {pane.view.step_id} on {env.name}"
                    + ("" if sent else ": the server did not send the signal"))  # fmt: skip
            self.runner.repo.record(
                self.runner.run_id, "blocker",
                {"job": pane.view.job_id, "step": pane.view.step_id, "pid": blocker.pid,
                 "terminate": terminate, "sent": sent, "blocker": blocker.to_dict(),
                 "summary": said},
                self.runner.who, summary=said[:120],
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - shown
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self.notify, said)

    def action_back(self) -> None:
        self.app.pop_screen()
