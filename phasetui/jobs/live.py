"""What a job's live pane shows, read in one go (in a worker: disk and database reads).

For every job of a run: the worker's state (``state.json``, lost / elsewhere from
:mod:`phasetui.jobs.listing`), the last samples (rate over the last minutes), the log's
last lines, and — for a backfill — its row in the state table (rows, rate, ETA, batch size,
throttled and why, retries, last error): the same figures whoever started it, from any
host. For any job whose statements run on the target: phasetui's busy sessions there, with
what they wait on, an index build's progress and who blocks them.

The actions act through the same channels as the CLI: a backfill's pause / resume / stop /
batch size through its state table (so they work on a job started anywhere, by anyone),
another job's stop by SIGTERM to its worker (it finishes the current unit and records).
"""

from __future__ import annotations

import json
import os
import signal
from dataclasses import dataclass, field
from typing import Any

from phasetui.errors import UserError
from phasetui.jobs.listing import JobStatus, list_jobs

SAMPLES_KEPT = 120


@dataclass
class JobView:
    status: JobStatus
    env: str = ""
    backfill_name: str = ""
    progress: Any = None  # phasetui.backfill.progress.Progress of a backfill job
    sessions: list[Any] = field(default_factory=list)  # phasetui.db.activity.SessionActivity
    rates: list[float] = field(default_factory=list)  # rows/s of the last samples
    problem: str = ""  # why a live read failed (shown in the pane, the others go on)

    @property
    def job_id(self) -> str:
        return self.status.job.id

    @property
    def step_id(self) -> str:
        return self.status.job.step

    @property
    def running(self) -> bool:
        return self.status.state in ("running", "starting")

    def key(self) -> tuple:
        """Equal keys: nothing to redraw."""
        p = self.progress
        prog = (
            (p.state, p.rows_done, p.rate_rows_per_second, p.batch_size, p.throttle_reason,
             p.retries, p.last_error, p.control)
            if p is not None else None
        )  # fmt: skip
        sessions = tuple((s.pid, s.state, s.wait_event, len(s.blockers)) for s in self.sessions)
        return (self.status.state, self.status.line, tuple(self.status.log_tail[-3:]), prog,
                sessions, tuple(self.rates[-30:]), self.problem)  # fmt: skip


def _samples(path: Any, kept: int = SAMPLES_KEPT) -> list[dict[str, Any]]:
    from phasetui.jobs.model import tail

    out = []
    for line in tail(path, kept):
        try:
            sample = json.loads(line)
        except ValueError:
            continue
        if isinstance(sample, dict):
            out.append(sample)
    return out


def read_views(runner: Any) -> list[JobView]:
    """Every job of ``runner``'s run, newest first, with its live figures."""
    views = []
    for status in sorted(list_jobs(runner.repo, runner.run_id), key=lambda s: s.job.started,
                         reverse=True):  # fmt: skip
        views.append(_view(runner, status))
    return views


def _view(runner: Any, status: JobStatus) -> JobView:
    view = JobView(status)
    samples = _samples(status.job.samples_path)
    view.rates = [float(s["rate"]) for s in samples if isinstance(s.get("rate"), int | float)]
    step = runner.runbook.step(status.job.step)
    if step is None:
        view.problem = f"the runbook has no step {status.job.step!r} any more"
        return view
    try:
        env = runner.environment_of(step)
    except UserError as exc:
        view.problem = exc.message
        return view
    if env is None:
        return view
    view.env = env.name
    if not view.running and status.state not in ("lost", "running elsewhere"):
        return view
    from phasetui.db.environments import resolve_dsn

    try:
        dsn = resolve_dsn(env)
        if step.kind == "backfill":
            from phasetui.backfill.progress import read_progress

            view.backfill_name = f"{runner.runbook.id}.{step.id}"
            view.progress = read_progress(dsn, view.backfill_name)
        from phasetui.db.activity import read_activity

        prefix = f"phasetui backfill {view.backfill_name}" if view.backfill_name else "phasetui"
        view.sessions = read_activity(dsn, prefix[:63])
    except UserError as exc:
        view.problem = exc.message
    except Exception as exc:  # noqa: BLE001 - a pane shows why, the others go on
        from phasetui.redaction import redact

        view.problem = redact(f"{type(exc).__name__}: {exc}")
    return view


# -- actions ------------------------------------------------------------------------------


def backfill_action(runner: Any, view: JobView, action: str, *, factor: float = 1.0) -> str:
    """pause / resume / stop / batch (× ``factor``) of a backfill job, through its state
    table; returns what was done, in a sentence. Production's gate is the caller's."""
    from phasetui.backfill import control
    from phasetui.db.environments import resolve_dsn

    step = runner.runbook.step(view.step_id)
    if step is None or step.kind != "backfill" or not view.backfill_name:
        raise UserError(f"{view.step_id} is not a backfill: only stop applies to it")
    dsn = resolve_dsn(runner.environment_of(step))
    name = view.backfill_name
    if action == "pause":
        control.pause(dsn, name)
        return f"{name}: pause requested (after the current batch)"
    if action == "resume":
        control.resume(dsn, name)
        return f"{name}: resume requested"
    if action == "stop":
        control.stop(dsn, name)
        return f"{name}: stop requested (after the current batch; resumable)"
    if action == "batch":
        current = view.progress.batch_size if view.progress is not None else 0
        if not current:
            raise UserError(f"{name}: its batch size is not known yet")
        new = max(1, int(current * factor))
        control.set_settings(dsn, name, batch_size=new)
        return f"{name}: batch size {current:,} → {new:,}"
    raise UserError(f"unknown action {action!r}")


def stop_worker(view: JobView) -> str:
    """SIGTERM to a non-backfill job's worker on this host: it stops after the current unit
    and records the step as stopped."""
    job = view.status.job
    if view.status.alive is not True or job.pid is None:
        raise UserError(f"job {job.id} has no live worker on this host to stop")
    os.kill(job.pid, signal.SIGTERM)
    return f"job {job.id}: stop sent to worker {job.pid}"
