"""Which jobs a run has and whether their workers still live.

A job whose ``state.json`` says running (or that never wrote one) while its pid is gone — or
now belongs to another process, told by the process start time — is **lost**: the worker
died (kill -9, OOM, a reboot) without recording an end. Its log tail says what it was doing;
:func:`phasetui.jobs.start.resume` starts a new worker that goes on from the checkpoint.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasetui.errors import UserError
from phasetui.jobs.model import (
    ELSEWHERE,
    ENDED,
    JOB_FILE,
    LOST,
    RESUMED,
    RUNNING,
    STARTING,
    Job,
    jobs_root,
    tail,
)

# A worker that has not written state.json this long after starting is not starting.
START_GRACE_SECONDS = 30.0
PID_TIME_TOLERANCE = 1.0


@dataclass
class JobStatus:
    """A job as a reader sees it now: ``state`` is the worker's own (state.json) unless the
    worker is gone (lost), elsewhere, or the job was resumed."""

    job: Job
    state: str
    alive: bool | None  # None: another host's worker, not checkable from here
    line: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    updated: str | None = None
    log_tail: list[str] = field(default_factory=list)

    @property
    def lost(self) -> bool:
        return self.state == LOST

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.job.to_dict(),
            "state": self.state,
            "alive": self.alive,
            "line": self.line,
            "figures": self.figures,
            "detail": self.detail,
            "updated": self.updated,
            "log_tail": self.log_tail,
        }


def worker_alive(job: Job) -> bool | None:
    """True while the job's own worker process runs; None when it runs on another host."""
    if job.host != socket.gethostname():
        return None
    if job.pid is None:
        return False
    import psutil

    try:
        proc = psutil.Process(job.pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        created = proc.create_time()
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return None  # not ours to look at (another user): cannot tell
    return job.pid_created is None or abs(created - job.pid_created) <= PID_TIME_TOLERANCE


def job_status(job: Job, tail_lines: int = 10) -> JobStatus:
    state_file = job.read_state()
    worker_state = state_file.get("state") or STARTING
    status = JobStatus(
        job=job,
        state=worker_state,
        alive=None,
        line=state_file.get("line", ""),
        figures=state_file.get("figures", {}),
        detail=state_file.get("detail", ""),
        updated=state_file.get("updated"),
    )
    if worker_state in ENDED:
        status.alive = False
    else:
        status.alive = worker_alive(job)
        if status.alive is None:
            status.state = ELSEWHERE
        elif not status.alive and (job.pid is not None or _older_than_grace(job)):
            status.state = LOST
        elif status.alive:
            status.state = worker_state if worker_state in (RUNNING, STARTING) else RUNNING
    if job.resumed_by and status.state in (LOST, "stopped", "failed"):
        status.state = RESUMED
    if status.state in (LOST, RESUMED, "failed", "stopped"):
        status.log_tail = tail(job.log, tail_lines)
    return status


def _older_than_grace(job: Job) -> bool:
    from datetime import datetime

    try:
        started = datetime.fromisoformat(job.started)
    except ValueError:
        return True
    return (datetime.now(started.tzinfo) - started).total_seconds() > START_GRACE_SECONDS


def _job_folders(git_dir: Path, run_id: str | None) -> list[Path]:
    root = jobs_root(git_dir)
    runs = [root / run_id] if run_id else sorted(p for p in root.glob("*") if p.is_dir())
    return sorted(
        (f for run in runs for f in run.glob("*") if (f / JOB_FILE).is_file()),
        key=lambda f: f.name,
    )


def list_jobs(repo: Any, run_id: str | None = None) -> list[JobStatus]:
    """Every job of ``run_id`` (all runs when None), oldest first, with its state now.
    ``repo``: an AuditRepo or its git directory."""
    from phasetui.jobs.start import git_dir_of

    out = []
    for folder in _job_folders(git_dir_of(repo), run_id):
        try:
            out.append(job_status(Job.load(folder)))
        except UserError:
            continue  # a folder whose job.json was never completed: nothing to show
    out.sort(key=lambda s: (s.job.started, s.job.id))
    return out


def find_job(repo: Any, job_id: str) -> Job:
    """The job called ``job_id`` in any run (or the only one starting with it)."""
    from phasetui.jobs.start import git_dir_of

    folders = _job_folders(git_dir_of(repo), None)
    exact = [f for f in folders if f.name == job_id]
    found = exact or [f for f in folders if f.name.startswith(job_id)]
    if len(found) == 1:
        return Job.load(found[0])
    if not found:
        known = ", ".join(f.name for f in folders[-5:]) or "none"
        raise UserError(f"no job {job_id!r} in this audit repo", f"jobs: {known} (phasetui jobs)")
    names = ", ".join(f.name for f in found[:5])
    raise UserError(f"{job_id!r} names several jobs: {names}", "give the whole job id")
