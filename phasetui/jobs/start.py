"""Starting a job: a ``phasetui step run … --job ID`` worker in its own session.

The worker is the normal runner (``phasetui step run``) with an operator whose answers were
given before it detached: no terminal, stdin from /dev/null, output to the job's log. The
environment is inherited, so a DSN stays in its variable: nothing here writes one.
"""

from __future__ import annotations

import getpass
import os
import secrets
import socket
import subprocess
import sys
import threading
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from phasetui.errors import UserError
from phasetui.jobs.model import RESUMED, Answers, Job, job_dir
from phasetui.redaction import redact


def new_job_id(step_id: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{step_id}-{stamp}-{secrets.token_hex(2)}"


def worker_argv(job: Job, answers: Answers) -> list[str]:
    return [
        sys.executable, "-m", "phasetui", "step", "run", job.runbook, job.step,
        "--run", job.run_id, "--audit-repo", job.audit_repo, "--as", job.who,
        "--job", job.id, *answers.flags(),
    ]  # fmt: skip


def start_job(
    git_dir: Any,
    *,
    audit_repo: Path,
    runbook: Path,
    run_id: str,
    step_id: str,
    kind: str,
    who: str,
    answers: Answers,
    resumes: str | None = None,
    env: dict[str, str] | None = None,
) -> Job:
    """Writes ``job.json``, starts the worker detached, records its pid; returns the Job.

    ``git_dir`` is the audit repo's git directory (or the AuditRepo)."""
    job_id = new_job_id(step_id)
    folder = job_dir(git_dir_of(git_dir), run_id, job_id)
    folder.mkdir(parents=True, exist_ok=False)
    job = Job(
        id=job_id,
        run_id=run_id,
        step=step_id,
        kind=kind,
        runbook=str(Path(runbook).resolve()),
        audit_repo=str(Path(audit_repo).resolve()),
        who=who,
        host=socket.gethostname(),
        user=getpass.getuser(),
        started=datetime.now(UTC).isoformat(timespec="seconds"),
        dir=str(folder),
        answers=asdict(answers),
        resumes=resumes,
    )
    argv = worker_argv(job, answers)
    job.argv = [redact(a) for a in argv]
    job.save()  # before the worker exists: a reader sees "starting", never nothing
    child_env = {**(env if env is not None else os.environ), "PYTHONUNBUFFERED": "1"}
    with open(job.log, "ab") as log:
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                env=child_env,
            )
        except OSError as exc:
            raise UserError(
                f"could not start the job's worker: {exc.strerror or exc}",
                f"check that {sys.executable} can run phasetui",
            ) from None
    job.pid = proc.pid
    job.pid_created = _created(proc.pid)
    job.state = "started"
    job.save()
    # Reap it when it ends (a long-lived parent such as the TUI would keep a zombie).
    threading.Thread(target=proc.wait, name=f"reap-{job_id}", daemon=True).start()
    return job


def start_step_job(runner: Any, step_id: str, answers: Answers) -> Job:
    """Starts ``step_id`` of ``runner`` (a :class:`phasetui.ops.runner.Runner`) as a job
    with ``answers`` (see :func:`phasetui.jobs.preflight.ask_before_detaching`)."""
    step = runner.runbook.step(step_id)
    if step is None:
        raise UserError(f"runbook {runner.runbook.id!r} has no step {step_id!r}")
    return start_job(
        runner.repo.git_dir,
        audit_repo=runner.repo.path,
        runbook=runner.runbook.path,
        run_id=runner.run_id,
        step_id=step_id,
        kind=step.kind,
        who=str(runner.who),
        answers=answers,
    )


def git_dir_of(repo: Any) -> Path:
    """An AuditRepo's git directory, or the path given (a git dir already)."""
    return Path(getattr(repo, "git_dir", repo))


def _created(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def resume(job: Job, status: Any) -> Job:
    """Starts a new worker for ``job``'s step with its answers (never ``--restart``: a
    backfill resumes from its checkpoint). ``status`` is the job's :class:`JobStatus`; only
    a lost, stopped or failed job is resumed."""
    if status.state not in ("lost", "stopped", "failed"):
        raise UserError(
            f"job {job.id} is {status.state}: only a lost, stopped or failed job is resumed",
            "see `phasetui jobs --run " + job.run_id + "`",
        )
    if job.resumed_by:
        raise UserError(f"job {job.id} was already resumed by {job.resumed_by}")
    answers = replace(Answers(**job.answers), restart=False)
    new = start_job(
        Path(job.path).parents[2].parent,  # <git dir>/phasetui/jobs/<run>/<job>
        audit_repo=Path(job.audit_repo),
        runbook=Path(job.runbook),
        run_id=job.run_id,
        step_id=job.step,
        kind=job.kind,
        who=job.who,
        answers=answers,
        resumes=job.id,
    )
    job.resumed_by = new.id
    job.state = RESUMED
    job.save()
    return new
