"""Running a backfill, for every face: ``phasetui backfill run``, ``phasetui step backfill``
and (next) the TUI all go through :func:`run_backfill_job` and the checks beside it.

What a face adds is only how it shows things (a rich bar, JSON lines, a Textual pane) and
how it asks (a prompt on a terminal, a dialog). Everything that decides is here:

- :func:`check_write_allowed` — the production / read-only gate of every verb that writes
  (run, pause, resume, stop, set, forget), the same decision as ``apply``;
- :func:`result_destination` / :func:`step_destination` — where the result will be recorded
  (audit repo, run, step file inside the run's folder), checked **before the first batch**,
  so a typo never costs a whole table update whose record then fails;
- :func:`run_backfill_job` — prepare, run (batched or external), report progress through
  callbacks, stop on an Event, return the :class:`BackfillResult`;
- :func:`stop_on_signals` — SIGINT/SIGTERM: the first stops after the current batch, the
  second quits at once (still safe: every committed batch is in the checkpoint);
- :func:`exit_code` — 0 done, 1 failed or incomplete, 3 stopped / interrupted / paused.

No click, no rich, no Textual here.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasetui.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from phasetui.audit.repo import AuditRepo
    from phasetui.backfill.progress import Progress
    from phasetui.backfill.result import BackfillResult
    from phasetui.backfill.spec import BackfillSpec
    from phasetui.db.environments import Environment

EXIT_DONE = 0
EXIT_FAILED = 1
EXIT_RESUMABLE = 3
RESUMABLE_STATES = frozenset({"stopped", "interrupted", "paused"})
INTERRUPT_MESSAGE = "stopping after the current batch (Ctrl-C again to quit now)"


# -- the production / read-only gate ------------------------------------------------------


def check_write_allowed(environment: Environment | None, confirm: str | None, action: str) -> None:
    """Refuses ``action`` (e.g. "run a backfill", "pause a backfill") on a read-only
    environment, and on a production one unless ``confirm`` is its name typed back.

    The decision is apply's own (``phasetui.db.apply.check_apply_allowed``), so a backfill
    verb never allows what apply would refuse; only the words name the backfill's action.
    ``--dsn`` (no environment) is not gated, as for apply."""
    from phasetui.db.apply import check_apply_allowed

    try:
        check_apply_allowed(environment, confirm)
    except UserError as refused:
        if environment is None:
            raise
        if environment.read_only:
            raise UserError(
                f"refusing to {action} on {environment.name!r}: the environment is read-only",
                "use an environment that is allowed to write",
            ) from None
        if environment.production:
            raise UserError(
                f"{environment.name!r} is a production environment: it takes an explicit "
                f"confirmation to {action} there",
                f"pass --yes-i-mean-production {environment.name} (or type the name when "
                "asked on a terminal)",
            ) from None
        raise refused


def needs_confirmation(environment: Environment | None, confirm: str | None) -> bool:
    """Whether a face should ask for the environment's name (production, not yet given)."""
    return bool(
        environment is not None
        and environment.production
        and not environment.read_only
        and confirm is None
    )


# -- where the result will be recorded ----------------------------------------------------

_SAFE_STEP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SAFE_RUN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class ResultDestination:
    """An audit run and step file the result is recorded in, checked to be writable."""

    repo: AuditRepo
    run_id: str
    step_id: str

    def record(self, result: BackfillResult, who: Any) -> Any:
        from phasetui.backfill.result import record_result

        return record_result(self.repo, self.run_id, self.step_id, result, str(who or ""))


def safe_step_id(name: str) -> str:
    """A file-safe step id made from a backfill name (``"50% off".v`` → ``50-off-.v``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "backfill"
    return cleaned if _SAFE_STEP.match(cleaned) else f"b-{cleaned}"


def result_destination(
    audit_repo: str | Path | None, run_id: str | None, step_id: str | None, default_step: str
) -> ResultDestination | None:
    """``--audit-repo`` / ``--run-id`` / ``--step`` of ``backfill run``, checked: both or
    neither of the first two (``--step`` needs them), an existing repo and run, a step id
    that names a file inside the run's folder. None when nothing is to be recorded."""
    if audit_repo is None and run_id is None:
        if step_id is not None:
            raise UserError(
                "--step names where to record the result, but no --audit-repo and --run-id "
                "were given",
                "add --audit-repo DIR --run-id ID (see `phasetui runs`), or drop --step",
            )
        return None
    if audit_repo is None or run_id is None:
        given, missing = ("--run-id", "--audit-repo") if audit_repo is None else (
            "--audit-repo", "--run-id"
        )  # fmt: skip
        raise UserError(
            f"{given} without {missing}: the result would be recorded nowhere",
            "give both --audit-repo DIR and --run-id ID (list runs with `phasetui runs "
            "--audit-repo DIR`), or neither",
        )
    from phasetui.audit.repo import AuditRepo

    repo = AuditRepo.open(audit_repo, create=False)
    return step_destination(repo, run_id, step_id or safe_step_id(default_step))


def step_destination(repo: AuditRepo, run_id: str, step_id: str) -> ResultDestination:
    """Checks that ``backfill/<step_id>.json`` of run ``run_id`` can be written now."""
    from phasetui.audit.repo import JOURNAL

    if not _SAFE_RUN.match(run_id) or not (repo.run_dir(run_id) / JOURNAL).is_file():
        known = repo.run_ids()
        raise UserError(
            f"no run {run_id!r} in the audit repo {repo.path}: the result could not be recorded",
            f"runs: {', '.join(known[-5:])}" if known else "start one with `phasetui run`",
        )
    check_step_id(step_id)
    folder = repo.run_dir(run_id).resolve()
    target = (folder / "backfill" / f"{step_id}.json").resolve()
    if folder not in target.parents:
        raise UserError(
            f"the result's file {target} would be outside the run's folder {folder}",
            f"check {folder / 'backfill'} (a link pointing elsewhere?)",
        )
    try:
        repo.check_writable()
    except UserError as exc:
        raise UserError(
            f"{exc.message}: the result could not be recorded, so nothing was run", exc.hint
        ) from None
    return ResultDestination(repo, run_id, step_id)


def check_step_id(step_id: str) -> None:
    """A step id names the file ``backfill/<step_id>.json``: no path, no surprise."""
    if not _SAFE_STEP.match(step_id):
        raise UserError(
            f"step id {step_id!r} cannot name the result's file: it may hold only letters, "
            "digits, '.', '_' and '-' (and start with a letter or digit); nothing was run",
            "give the step a plain id such as fill-prefs",
        )


def check_result_file(path: str | Path | None) -> None:
    """``--result FILE``: its folder must exist before the run, not be found missing after."""
    if path is None:
        return
    folder = Path(path).expanduser().resolve().parent
    if not folder.is_dir():
        raise UserError(f"--result {path}: the folder {folder} does not exist; nothing was run")


# -- running ------------------------------------------------------------------------------


def run_backfill_job(
    dsn: str,
    spec: BackfillSpec,
    *,
    stop: threading.Event | None = None,
    restart: bool = False,
    kill_on_stall: bool = False,
    workers: int | None = None,
    progress_interval: float | None = None,
    on_lint: Callable[[str], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_external_progress: Callable[[dict[str, Any]], None] | None = None,
    on_output: Callable[[str], None] | None = None,
) -> BackfillResult:
    """Prepares (or resumes) and runs ``spec`` on ``dsn`` until done, stopped (``stop``
    set, or `backfill stop` from any session), interrupted or failed.

    Batched mode reports ``on_lint`` (each lint warning, before the first batch) and
    ``on_progress`` (a Progress every ``progress_interval`` s, default 1); external mode
    ``on_output`` (each line of the command) and ``on_external_progress`` (a dict, every
    ``progress_interval`` s, default 5). UserError (ServerUnavailable: exit 3) for what
    stops it before the first batch."""
    stop = stop or threading.Event()
    if spec.command:
        from phasetui.backfill.external import ExternalJob

        job = ExternalJob(dsn, spec, kill_on_stall=kill_on_stall)
        return job.run(
            stop=stop,
            on_line=on_output,
            on_progress=on_external_progress,
            progress_interval=progress_interval if progress_interval is not None else 5.0,
        )
    from phasetui.backfill.engine import BackfillEngine

    engine = BackfillEngine(dsn, spec)
    engine.prepare(restart=restart)
    for warning in engine.lint:
        if on_lint is not None:
            on_lint(warning)
    return engine.run(
        workers=workers,
        stop=stop,
        on_progress=on_progress,
        progress_interval=progress_interval if progress_interval is not None else 1.0,
    )


def window_notice(spec: BackfillSpec, now: Any = None) -> str | None:
    """ "outside its run window 22:00-06:00 (now 14:03): the first batch waits until 22:00",
    or None: said before the first batch, so nobody takes a waiting backfill for a hung one."""
    from datetime import datetime

    window = spec.run_window
    if window is None:
        return None
    now = now or datetime.now().astimezone()
    local = window.local_time(now)
    if window.contains(local):
        return None
    return (
        f"outside its run window {window} (now {local:%H:%M}): the first batch waits until "
        f"{window.start:%H:%M}; the backfill state says so meanwhile"
    )


def exit_code(result: BackfillResult) -> int:
    """0 done, 3 resumable (stopped, interrupted, paused: run the same command again),
    1 anything else (failed; incomplete: rows still match the WHERE)."""
    if result.state == "done":
        return EXIT_DONE
    return EXIT_RESUMABLE if result.state in RESUMABLE_STATES else EXIT_FAILED


@contextmanager
def stop_on_signals(
    stop: threading.Event, on_first: Callable[[str], None] | None = None
) -> Iterator[threading.Event]:
    """While inside: the first SIGINT or SIGTERM sets ``stop`` (workers finish their batch,
    the run returns) and calls ``on_first`` with a message; the second raises
    KeyboardInterrupt (the engine still joins its workers). Outside the main thread, where
    Python cannot take signals, it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        if on_first is not None:
            on_first(INTERRUPT_MESSAGE)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
