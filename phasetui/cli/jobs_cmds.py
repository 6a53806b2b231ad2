"""``phasetui jobs``: the detached workers of a run (state, pid, host, log), resume a lost
one, stop one; and the starting side of ``phasetui step run --detach``."""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

import click

from phasetui.cli.options import audit_path, audit_repo_option, format_option
from phasetui.errors import UserError


def _git_dir(audit_repo: str | None):  # noqa: ANN202 - a Path
    from phasetui.audit.repo import AuditRepo

    path = audit_path(audit_repo)
    if not (path / ".git").exists():
        raise UserError(f"no audit repo at {path}", "give --audit-repo DIR of an existing one")
    return AuditRepo.open(path, create=False).git_dir


def _repo_flag(repo_path: Any) -> str:
    from pathlib import Path

    from phasetui.paths import default_audit_repo

    same = Path(repo_path).resolve() == default_audit_repo().expanduser().resolve()
    return "" if same else f" --audit-repo {repo_path}"


# -- starting: `phasetui step run RUNBOOK STEP --detach` ---------------------------------


def detach_step(runner: Any, step_id: str, flags: dict[str, Any]) -> None:
    """Asks what the worker would ask (or takes the flags that answer it), starts the job,
    says where to follow it. Nothing starts when a question stays unanswered."""
    from phasetui.jobs.model import Answers
    from phasetui.jobs.preflight import ask_before_detaching
    from phasetui.jobs.start import start_step_job

    given = Answers(
        yes=flags["yes"],
        production=flags["production"],
        override=flags["override"],
        offline=flags.get("offline", False),
        restart=flags.get("restart", False),
    )
    job = start_step_job(runner, step_id, ask_before_detaching(runner, step_id, given))
    _started(job, runner.repo.path)


def _started(job: Any, repo_path: Any) -> None:
    click.echo(
        f"job {job.id} started: {job.step} ({job.kind}) in run {job.run_id}, "
        f"pid {job.pid} on {job.host}"
    )
    click.echo(f"log: {job.log}")
    click.echo(f"follow: phasetui jobs --run {job.run_id}{_repo_flag(repo_path)}")
    click.echo(f"        tail -f {job.log}")


# -- `phasetui jobs` ----------------------------------------------------------------------


def _when(iso: str | None) -> str:
    if not iso:
        return "?"
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso


def _print_status(status: Any, repo_flag: str) -> None:
    job = status.job
    click.echo(f"{job.id}  {status.state.upper()}")
    click.echo(f"  step {job.step} ({job.kind}) in run {job.run_id}")
    click.echo(f"  pid {job.pid} on {job.host}, started {_when(job.started)} by {job.user}")
    if status.line:
        click.echo(f"  last: {status.line}")
    if status.detail:
        click.echo(f"  result: {status.detail}")
    click.echo(f"  log: {job.log}")
    if status.lost:
        click.echo(f"  lost: its worker (pid {job.pid}) is gone and recorded no end; log tail:")
    elif status.log_tail:
        click.echo("  log tail:")
    for line in status.log_tail:
        click.echo(f"    | {line}")
    if status.lost or (status.state in ("stopped", "failed") and not job.resumed_by):
        click.echo(f"  fix: phasetui jobs resume {job.id}{repo_flag}")
    if job.resumed_by:
        click.echo(f"  resumed by: {job.resumed_by}")


@click.group("jobs", invoke_without_command=True)
@audit_repo_option
@click.option("--run", "run_id", default=None, help="Only this run's jobs (default: all).")
@format_option
@click.pass_context
def jobs(ctx: click.Context, audit_repo: str | None, run_id: str | None, fmt: str) -> None:
    """List detached jobs: state, pid, host, started, step, last line, log path.

    A job whose worker is gone without recording an end is LOST: its log tail is shown and
    `phasetui jobs resume JOB` goes on from the checkpoint."""
    ctx.obj = {"audit_repo": audit_repo}
    if ctx.invoked_subcommand is not None:
        return
    from phasetui.jobs.listing import list_jobs

    git_dir = _git_dir(audit_repo)
    found = list_jobs(git_dir, run_id)
    if fmt == "json":
        click.echo(json.dumps([s.to_dict() for s in found], indent=2, default=str))
        return
    if not found:
        where = f"run {run_id}" if run_id else "this audit repo"
        click.echo(f"no jobs in {where} (start one: phasetui step run RUNBOOK STEP --detach)")
        return
    repo_flag = _repo_flag(git_dir.parent)
    for status in found:
        _print_status(status, repo_flag)


def _find(ctx: click.Context, audit_repo: str | None, job_id: str):  # noqa: ANN202
    from phasetui.jobs.listing import find_job, job_status

    git_dir = _git_dir(audit_repo or (ctx.obj or {}).get("audit_repo"))
    job = find_job(git_dir, job_id)
    return git_dir, job, job_status(job)


@jobs.command("resume")
@click.argument("job_id")
@audit_repo_option
@click.pass_context
def resume_cmd(ctx: click.Context, job_id: str, audit_repo: str | None) -> None:
    """Start a new worker for a lost, stopped or failed job (a backfill goes on from its
    checkpoint), with the answers given when the job started."""
    from phasetui.jobs.start import resume

    git_dir, job, status = _find(ctx, audit_repo, job_id)
    new = resume(job, status)
    click.echo(f"job {job.id} ({status.state}) resumed by:")
    _started(new, git_dir.parent)


@jobs.command("stop")
@click.argument("job_id")
@audit_repo_option
@click.pass_context
def stop_cmd(ctx: click.Context, job_id: str, audit_repo: str | None) -> None:
    """Ask a running job's worker to stop (SIGTERM): a backfill finishes its batch and
    records itself stopped; `phasetui jobs resume JOB` goes on later."""
    _, job, status = _find(ctx, audit_repo, job_id)
    if status.alive is None:
        raise UserError(f"job {job.id} runs on {job.host}, not here", f"stop it from {job.host}")
    if not status.alive:
        raise UserError(f"job {job.id} is {status.state}: no worker to stop")
    os.kill(job.pid, signal.SIGTERM)
    click.echo(f"asked job {job.id} (pid {job.pid}) to stop after its current unit of work")


@jobs.command("log")
@click.argument("job_id")
@click.option("-n", "lines", default=20, show_default=True, help="How many lines.")
@audit_repo_option
@click.pass_context
def log_cmd(ctx: click.Context, job_id: str, lines: int, audit_repo: str | None) -> None:
    """The last lines of a job's log."""
    from phasetui.jobs.model import tail

    _, job, _ = _find(ctx, audit_repo, job_id)
    for line in tail(job.log, lines):
        click.echo(line)
    sys.stdout.flush()
