"""The full-screen app: phases and steps, the checklist, notes; every action is a commit.

The app only observes and commands. Reading and writing the audit repo (git) happens in
thread workers that report back with messages, so the screen never waits on disk or git.
Another process (a pairing partner's TUI, a headless ``phasetui tick``) may write the same
run: a poll of the journal's size picks that up within two seconds.

No write fails silently: whatever stops a tick, a note or a step's record (a UserError, or a
bug) is shown in the audit alert panel, which stays until a later write succeeds. A read that
fails keeps the poll going and says so in the same panel.
"""

from __future__ import annotations

from typing import Any

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Tree

from phasetui.audit.events import scrub
from phasetui.audit.identity import Person
from phasetui.audit.repo import JOURNAL, AuditRepo
from phasetui.audit.run_state import RunState
from phasetui.errors import UserError
from phasetui.runbook.model import Runbook, Step
from phasetui.tui.actions import KEYSETS, action_names, bindings
from phasetui.tui.audit_alert import AuditAlert
from phasetui.tui.checklist_pane import ChecklistPane, short_time
from phasetui.tui.key_bar import KeyBar
from phasetui.tui.messages import RunReadFailed, RunStateChanged, TickRequested
from phasetui.tui.notes_pane import NotesPane
from phasetui.tui.phase_tree import PhaseTree
from phasetui.tui.run_header import RunHeader
from phasetui.tui.step_detail import StepDetail

# A partner's tick, note or job state shows here within a second (a stat of the journal).
POLL_SECONDS = 0.5
LEASE_RENEW_SECONDS = 5.0
# Steps that run as jobs (a detached worker that survives the TUI and the SSH session).
JOB_KINDS = frozenset({"backfill", "backup", "shell"})


class PhaseApp(App[None]):
    CSS_PATH = "app.tcss"
    KEYS = "main"
    BINDINGS = bindings(KEYS) + bindings("app")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        runbook: Runbook,
        repo: AuditRepo,
        run_id: str,
        who: Person,
        *,
        poll: bool = True,
        lease: bool = False,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        # Pairing: with ``lease``, this TUI drives when it holds the run's lease and
        # observes otherwise; ``read_only`` observes always and never writes a database.
        self.use_lease = lease and not read_only
        self.read_only = read_only
        self.lease: Any = None
        self.lease_token = ""
        self.driver_text = ""
        self.open_jobs_on_start = False
        self.staging_state: RunState | None = None  # `phasetui attach`: straight to the jobs screen
        self.runbook = runbook
        self.repo = repo
        self.run_id = run_id
        self.who = who
        self.poll = poll
        self.state: RunState | None = None
        self._production = False
        self._journal_size = -1
        self.title = runbook.title
        self.sub_title = f"run {run_id} · {who.name}"
        self.running: dict[str, Any] = {}  # step id -> the TuiOperator of its worker

    def compose(self) -> ComposeResult:
        yield RunHeader(self.runbook.title, self.run_id, self.who.name, id="run-header")
        yield AuditAlert(id="audit-alert")
        with Horizontal(id="body"):
            tree = PhaseTree(self.runbook, id="phases")
            tree.border_title = "Phases"
            yield tree
            with Vertical(id="right"):
                yield StepDetail(self.runbook, id="detail")
                checklist = ChecklistPane(id="checklist")
                checklist.border_title = "Checklist"
                yield checklist
                notes = NotesPane(id="notes")
                notes.border_title = "Notes"
                yield notes
        yield KeyBar(self.KEYS, id="key-bar")

    MAIN_SCREEN_ACTIONS = action_names("main")

    APP_KEY_ACTIONS = frozenset({"help", "quit_key"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Run-screen keys do nothing (and leave the footer) while another screen is on top;
        ? and q do nothing in a dialog (ctrl+q still quits)."""
        if action in self.MAIN_SCREEN_ACTIONS and len(self.screen_stack) > 1:
            return False
        if action in self.APP_KEY_ACTIONS:
            keys = KEYSETS.get(getattr(self.screen, "KEYS", self.KEYS))
            return keys is None or keys.app_keys
        return True

    async def action_quit_key(self) -> None:
        await self.action_quit()

    def on_mount(self) -> None:
        if self.use_lease:  # after the first frame: taking it is a commit
            self.call_after_refresh(self.take_lease, True)
            self.set_interval(LEASE_RENEW_SECONDS, self.renew_lease)
        elif self.read_only:
            self._show_driver("read-only")
        self.call_after_refresh(self.look_for_jobs)
        if self.open_jobs_on_start:
            self.call_after_refresh(self.action_jobs)
        self.query_one(PhaseTree).focus()
        # The first frame is drawn before the run is read: reading it (git, the journal)
        # in a thread would compete with the first layout for the interpreter.
        self.call_after_refresh(self.load_state)

    # -- reading ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="read")
    def load_state(self) -> None:
        try:
            journal = self.repo.run_dir(self.run_id) / JOURNAL
            size = journal.stat().st_size if journal.exists() else -1
            state = self.repo.state(self.run_id)
            self._production = self._is_production(state.target)
            self.staging_state = self._staging_state() if self._production else None
        except Exception as exc:  # noqa: BLE001 - shown, and the poll goes on
            self._journal_size = -2  # re-read at the next poll
            self.post_message(RunReadFailed(_describe(exc)))
            return
        self._journal_size = size
        self.post_message(RunStateChanged(state))

    def _staging_state(self) -> RunState | None:
        """The latest staging run of this runbook: its results show beside each step."""
        run = self.runner().rehearsal_run()
        return self.repo.state(run) if run else None

    def _is_production(self, target: str) -> bool:
        """Whether the run's target is a production environment (runbook, then config)."""
        if not target:
            return False
        env = self.runbook.environments.get(target)
        if env is None:
            from phasetui.db.targets import config_environments

            env = config_environments().get(target)
        return bool(env and env.production)

    def _schedule_poll(self) -> None:
        if self.poll:
            self.set_timer(POLL_SECONDS, self._poll)

    def _poll(self) -> None:
        journal = self.repo.run_dir(self.run_id) / JOURNAL
        try:
            size = journal.stat().st_size
        except OSError:
            size = -1
        if size != self._journal_size:
            self.load_state()
        else:
            self._schedule_poll()

    def on_run_state_changed(self, message: RunStateChanged) -> None:
        first = self.state is None
        self.state = message.state
        detail = self.query_one(StepDetail)
        if detail.target != message.state.target:
            detail.target = message.state.target
            detail.show_step(detail.shown)
        self.query_one(ChecklistPane).show_state(message.state)
        self.query_one(NotesPane).show_state(message.state)
        self.query_one(AuditAlert).show_state(message.state)
        self.query_one(RunHeader).show_target(message.state.target, self._production)
        self.query_one(StepDetail).set_target(message.state.target)
        self.query_one(StepDetail).set_states(message.state, self.staging_state)
        done, total = message.state.done_count, len(message.state.checklist)
        self.query_one(ChecklistPane).border_title = f"Checklist {done}/{total}"
        if first or self.poll:
            self._schedule_poll()

    def on_run_read_failed(self, message: RunReadFailed) -> None:
        self.query_one(AuditAlert).failed_read(message.text)
        self._schedule_poll()

    # -- commands -----------------------------------------------------------------------

    @on(Tree.NodeHighlighted, "#phases")
    def _step_highlighted(self, event: Tree.NodeHighlighted) -> None:
        data = event.node.data
        self.query_one(StepDetail).show_step(data if isinstance(data, Step) else None)

    @on(Tree.NodeSelected, "#phases")
    def _step_selected(self, event: Tree.NodeSelected) -> None:
        step = event.node.data
        if not isinstance(step, Step):
            return
        if step.id in self.running:
            self.notify(f"{step.label} is running; its progress shows in the step pane.")
            return
        if step.kind != "schema-diff" and not self.may_execute():
            return
        if step.kind == "sql":
            from phasetui.ops.sql_step import SqlStep
            from phasetui.tui.sql_step_screen import SqlStepScreen

            try:
                target = self.runner().environment_of(step)
            except UserError as exc:
                self._show_error(exc)
                return
            self.push_screen(
                SqlStepScreen(SqlStep(self.runbook, step, target), self.repo, self.run_id, self.who)
            )
        elif step.kind == "schema-diff":
            self.notify(f"Capturing both sides of {step.label}…")
            self.capture_schema_diff(step)
        elif step.kind in JOB_KINDS:
            self.notify(f"Starting {step.label} as a job…")
            self.start_job_worker(step)
        else:
            self.notify(f"Running {step.label}…")
            self.run_step_worker(step)

    # -- jobs -------------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="steps")
    def start_job_worker(self, step: Step) -> None:
        """A long step as a job: the runner's questions are asked here, before the worker
        detaches (it cannot ask), then the jobs screen shows it live."""
        from phasetui.jobs.model import Answers
        from phasetui.jobs.preflight import ask_before_detaching
        from phasetui.jobs.start import start_step_job
        from phasetui.tui.tui_operator import TuiOperator

        operator = TuiOperator(self, lambda line: self._step_line(step, line))
        runner = self.runner(operator)
        try:
            answers = ask_before_detaching(runner, step.id, Answers())
            job = start_step_job(runner, step.id, answers)
        except Exception as exc:  # noqa: BLE001 - a refused start is never silent
            self.call_from_thread(self._show_error, exc)
            return
        self.call_from_thread(self._job_started, job)

    def _job_started(self, job: Any) -> None:
        self.notify(f"Job {job.id} started (pid {job.pid}); it goes on if this TUI quits.")
        self.action_jobs()

    def action_jobs(self) -> None:
        from phasetui.tui.jobs_screen import JobsScreen

        if not isinstance(self.screen, JobsScreen):
            self.push_screen(JobsScreen(self.runner()))

    @work(thread=True, exit_on_error=False, group="read")
    def look_for_jobs(self) -> None:
        """Re-attach: a run opened again says which of its jobs still run (or were lost)."""
        from phasetui.jobs.listing import list_jobs

        try:
            jobs = list_jobs(self.repo, self.run_id)
        except Exception:  # noqa: BLE001 - the jobs screen shows why
            return
        running = [j for j in jobs if j.state in ("running", "starting", "running elsewhere")]
        lost = [j for j in jobs if j.lost]
        if running or lost:
            parts = []
            if running:
                parts.append(f"{len(running)} job(s) running")
            if lost:
                parts.append(f"{len(lost)} lost (its worker is gone)")
            self.call_from_thread(
                self.notify, f"{', '.join(parts)} — j shows them", title="Jobs", timeout=15
            )

    # -- pairing: the driver's lease ------------------------------------------------------

    def may_execute(self) -> bool:
        """Only the driver runs steps; an observer is told who drives and how to take over."""
        if self.read_only:
            self.notify("--read-only: this TUI observes and never runs a step.",
                        severity="warning")  # fmt: skip
            return False
        if not self.use_lease or self.lease is not None:
            return True
        from phasetui.audit import lease as leases

        current = leases.driver(self.repo, self.run_id)
        who = f"{current.describe()} drives" if current else "nobody drives"
        self.notify(f"You observe: {who}. D takes the lease when it is free or expired.",
                    severity="warning")  # fmt: skip
        return False

    def _show_driver(self, text: str) -> None:
        self.driver_text = text
        header = self.query_one(RunHeader)
        show = getattr(header, "show_driver", None)
        if show is not None:
            show(text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lease")
    def take_lease(self, quiet: bool = False) -> None:
        from phasetui.audit import lease as leases

        if not self.lease_token:
            self.lease_token = leases._token()
        try:
            self.lease = leases.acquire(self.repo, self.run_id, self.who, token=self.lease_token)
        except Exception as exc:  # noqa: BLE001 - observing is a normal state
            current = leases.driver(self.repo, self.run_id)
            text = _drives(current)
            self.call_from_thread(self._show_driver, text)
            if not quiet:
                self.call_from_thread(self._show_error, exc)
            return
        self.call_from_thread(self._show_driver, "you drive")
        self.load_state()

    @work(thread=True, exclusive=True, exit_on_error=False, group="lease")
    def renew_lease(self) -> None:
        from phasetui.audit import lease as leases

        if self.lease is None:
            current = leases.driver(self.repo, self.run_id)
            text = _drives(current)
            if text != self.driver_text:
                self.call_from_thread(self._show_driver, text)
            return
        renewed = leases.renew(self.repo, self.run_id, self.lease)
        if renewed is None:
            self.lease = None
            current = leases.driver(self.repo, self.run_id)
            self.call_from_thread(self._show_driver, _drives(current))
            return
        self.lease = renewed

    def action_drive(self) -> None:
        if self.read_only:
            self.may_execute()
            return
        self.use_lease = True
        if self.lease is not None:
            self.notify("You drive already.")
            return
        self.take_lease()

    @work(thread=True, exclusive=True, exit_on_error=False, group="lease")
    def action_handover(self) -> None:
        from phasetui.audit import lease as leases

        if self.lease is None:
            self.call_from_thread(self.notify, "You do not drive: nothing to hand over.")
            return
        try:
            leases.hand_over(self.repo, self.run_id, self.lease, self.who)
        except Exception as exc:  # noqa: BLE001
            self.call_from_thread(self._show_error, exc)
            return
        self.lease = None
        self.call_from_thread(self._show_driver, _drives(None))
        self.load_state()

    def on_unmount(self) -> None:
        if self.lease is not None:
            from phasetui.audit import lease as leases

            try:
                leases.release(self.repo, self.run_id, self.lease)
            except Exception:  # noqa: BLE001, S110 - it expires on its own
                pass

    def action_close_run(self) -> None:
        if not self.may_execute():
            return
        from phasetui.tui.text_dialog import TextDialog

        dialog = TextDialog(
            "Close the run",
            "Type how it ended: done, rolled-back or abandoned (a note may follow after a "
            "colon: 'done: window closed 03:40').",
            allow_empty=False,
            dialog_id="close-dialog",
        )

        def typed(text: str | None) -> None:
            if not text:
                return
            outcome, _, note = text.partition(":")
            outcome = outcome.strip()
            if outcome not in ("done", "rolled-back", "abandoned"):
                self.notify(f"{outcome!r} is not done, rolled-back or abandoned; not closed.",
                            severity="warning")  # fmt: skip
                return
            self.write_close(outcome, note.strip())

        self.push_screen(dialog, typed)

    @work(thread=True, exit_on_error=False, group="write")
    def write_close(self, outcome: str, note: str) -> None:
        self._write(
            lambda: self.repo.close_run(self.run_id, who=self.who, reason=note, outcome=outcome),
            f"Run closed: {outcome}.",
        )

    def runner(self, operator: Any = None) -> Any:
        """The one step runner, as the CLI's: this run, this person, dialogs for questions."""
        from phasetui.ops.runner import Runner

        return Runner(self.runbook, self.repo, self.run_id, self.who, operator)

    def _step_line(self, step: Step, line: str) -> None:
        self.query_one(StepDetail).add_activity(step.id, line)

    @work(thread=True, exit_on_error=False, group="steps")
    def run_step_worker(self, step: Step) -> None:
        """Any step kind, through the runner; its questions become dialogs, its progress
        lines show in the step pane, its result is recorded like a headless run's."""
        from phasetui.tui.tui_operator import TuiOperator

        operator = TuiOperator(self, lambda line: self._step_line(step, line))
        self.running[step.id] = operator
        try:
            result = self.runner(operator).run_step(step.id)
        except Exception as exc:  # noqa: BLE001 - a failed step is never silent
            self.call_from_thread(self._show_error, exc)
            return
        finally:
            self.running.pop(step.id, None)
        self.call_from_thread(self._step_finished, step, result)

    def _step_finished(self, step: Step, result: Any) -> None:
        self.query_one(StepDetail).add_activity(step.id, f"{result.status}: {result.detail}")
        severity = {"done": "information", "skipped": "information", "failed": "error"}.get(
            result.status, "warning"
        )
        self.notify(
            f"{step.label}: {result.status} — {result.detail.split(' → ')[0]}",
            title=f"{step.kind} {result.status}",
            severity=severity,
            timeout=15,
            markup=False,
        )
        self.load_state()

    @on(ChecklistPane.RowHighlighted, "#checklist")
    def _item_highlighted(self, event: ChecklistPane.RowHighlighted) -> None:
        checklist = self.query_one(ChecklistPane)
        if self.state is not None and event.row_key.value and checklist.has_focus:
            self.query_one(StepDetail).show_item(self.state, str(event.row_key.value))

    def action_focus(self, widget_id: str) -> None:
        self.query_one(f"#{widget_id}").focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The top pane follows the focus: the highlighted step, or the highlighted item."""
        if isinstance(event.widget, PhaseTree):
            node = event.widget.cursor_node
            data = node.data if node is not None else None
            self.query_one(StepDetail).show_step(data if isinstance(data, Step) else None)
        elif isinstance(event.widget, ChecklistPane) and self.state is not None:
            item = event.widget.selected_item
            if item:
                self.query_one(StepDetail).show_item(self.state, item)

    def action_help(self) -> None:
        """The keys of the screen on top, from the one registry."""
        from phasetui.tui.help_screen import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(getattr(self.screen, "KEYS", self.KEYS)))

    def action_command(self) -> None:
        """The highlighted step's headless command line, whole, in a dialog that stays."""
        from phasetui.tui.command_dialog import CommandDialog
        from phasetui.tui.step_command import step_command

        node = self.query_one(PhaseTree).cursor_node
        step = node.data if node is not None else None
        if not isinstance(step, Step):
            self.notify("Highlight a step in the phases pane (p) first.", severity="warning")
            return
        try:
            environments = self.runner().environments
        except UserError as exc:
            self._show_error(exc)
            return
        built = step_command(
            self.runbook,
            step,
            audit_repo=self.repo.path,
            run_id=self.run_id,
            who=str(self.who),
            target=self.state.target if self.state else "",
            environments=environments,
        )
        self.push_screen(
            CommandDialog(
                f"Command line of {step.label}",
                built.command,
                why=built.why,
                needs=built.needs,
                file_stem=built.file_stem,
            )
        )

    def action_reload(self) -> None:
        self.load_state()

    def action_tick(self) -> None:
        """Ticks what is visibly highlighted: from another pane, the checklist gets the focus
        first (its cursor shows) and the dialog names the item, so escape is an easy no."""
        checklist = self.query_one(ChecklistPane)
        item = checklist.selected_item
        if item is None:
            self.notify("The checklist is empty.", severity="warning")
            return
        if not checklist.has_focus:
            checklist.focus()
        self._ask_tick(item)

    def on_tick_requested(self, message: TickRequested) -> None:
        self._ask_tick(message.item_id)

    def _ask_tick(self, item_id: str) -> None:
        if self.state is None:
            return
        entry = self.state.item(item_id)
        if entry is None:
            return
        done = self.state.is_done(item_id)
        verb = "Untick" if done else "Tick"
        number = [e.id for e in self.state.checklist].index(item_id) + 1
        tick = self.state.ticks.get(item_id)
        now = f"Ticked by {tick.who}, {short_time(tick.time)}. " if tick and tick.done else ""
        from phasetui.tui.text_dialog import TextDialog

        dialog = TextDialog(
            f"{verb} item {number} of {len(self.state.checklist)}: {entry.text}",
            f"{now}Note (optional): what was checked, where the evidence is.",
            allow_empty=True,
            placeholder="e.g. backup at /backups/pre_users_preferences.dump",
            dialog_id="tick-dialog",
        )

        def save(note: str | None) -> None:
            if note is not None:
                self.write_tick(item_id, not done, note)

        self.push_screen(dialog, save)

    def action_note(self) -> None:
        from phasetui.tui.text_dialog import TextDialog

        dialog = TextDialog(
            "Add a note",
            "Note for the run (kept in notes.md and the journal).",
            allow_empty=False,
            dialog_id="note-dialog",
        )

        def save(text: str | None) -> None:
            if text:
                self.write_note(text)

        self.push_screen(dialog, save)

    # -- writing (threads: git commits must not block the screen) -----------------------

    @work(thread=True, exit_on_error=False, group="write")
    def write_tick(self, item_id: str, done: bool, note: str) -> None:
        verb = "Ticked" if done else "Unticked"
        self._write(
            lambda: self.repo.tick(self.run_id, item_id, done=done, note=note, who=self.who),
            f"{verb} {item_id}: committed to the audit repo.",
        )

    @work(thread=True, exit_on_error=False, group="write")
    def write_note(self, text: str) -> None:
        self._write(
            lambda: self.repo.note(self.run_id, text, who=self.who),
            "Note committed to the audit repo.",
        )

    def _write(self, write, done: str) -> bool:  # noqa: ANN001 - a closure over the repo
        """Runs one audit write in a worker thread; every outcome reaches the screen."""
        try:
            write()
            notices = self.repo.notices
            state = self.repo.state(self.run_id)
        except Exception as exc:  # noqa: BLE001 - a failed write is never silent
            self.call_from_thread(self._show_error, exc)
            return False
        self.post_message(RunStateChanged(state))
        self.call_from_thread(self._write_succeeded, done, notices)
        return True

    @work(thread=True, exit_on_error=False, group="write")
    def capture_schema_diff(self, step: Step) -> None:
        from phasetui.ops.schema_step import SchemaDiffStep

        diff_step = SchemaDiffStep(self.runbook, step)
        try:
            result = diff_step.capture()
            diff_step.record_capture(self.repo, self.run_id, result, self.who)
        except Exception as exc:  # noqa: BLE001 - a failed write is never silent
            self.call_from_thread(self._show_error, exc)
            return
        self.call_from_thread(self._write_succeeded, "", self.repo.notices)
        self.call_from_thread(self._show_schema_diff, diff_step, result)

    def _show_schema_diff(self, diff_step, result) -> None:  # noqa: ANN001 - domain objects
        from phasetui.tui.schema_diff_screen import SchemaDiffScreen

        def reviewed(done: bool | None) -> None:
            if done:
                self.record_schema_review(diff_step, result)

        title = f"{diff_step.step.label}: {result.summary}"
        self.push_screen(SchemaDiffScreen(result.diff, title=title), reviewed)
        self.load_state()

    @work(thread=True, exit_on_error=False, group="write")
    def record_schema_review(self, diff_step, result) -> None:  # noqa: ANN001
        self._write(
            lambda: diff_step.record_review(self.repo, self.run_id, result, self.who),
            "Schema diff marked reviewed: evidence recorded.",
        )

    def _write_succeeded(self, done: str, notices: list[str]) -> None:
        self.query_one(AuditAlert).write_succeeded()
        for notice in notices:
            self.notify(notice, title="Audit repo", severity="warning", timeout=20, markup=False)
        if done:
            self.notify(done)

    def _show_error(self, exc: Exception) -> None:
        body = _describe(exc)
        self.query_one(AuditAlert).failed_write(body)
        self.notify(body, title="Not recorded", severity="error", timeout=20, markup=False)


def _drives(lease: Any) -> str:
    """The header's word on pairing, short enough for 80 columns after the run id and the
    target: "Alice drives" (you observe), or "nobody drives (D)"; the full name and host
    are in the message an observer gets when a key is refused."""
    if lease is None:
        return "nobody drives (D)"
    first = lease.holder.split(" <")[0].split()[0] if lease.holder.strip() else "someone"
    return f"{first} drives"


def _describe(exc: Exception) -> str:
    """One message and its fix; an unexpected error says so (no password ever shown)."""
    if isinstance(exc, UserError):
        text = exc.message + (f"\nfix: {exc.hint}" if exc.hint else "")
    else:
        text = (
            f"unexpected {type(exc).__name__}: {exc}\nfix: this is a bug in phasetui; what "
            "the journal holds is kept — check the audit repo with git status and report it"
        )
    return str(scrub(text))
