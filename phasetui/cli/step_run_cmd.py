"""``phasetui step run RUNBOOK STEP`` and ``phasetui run RUNBOOK --headless``: any step kind,
through the one runner the TUI uses."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

# Exit codes of `step run` and `run --headless`.
EXIT = {"done": 0, "skipped": 0, "failed": 1, "stopped": 3, "gated": 4, "needs-you": 4}

ANSWER_HELP = (
    "--yes answers yes/no questions (run a done step again, apply after a failed rehearsal, "
    "a manual check done); production asks for its name (--yes-i-mean-production NAME); "
    "a gate (lint errors, verify not holding) takes --override 'a written reason'."
)


def runner_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The flags that answer the runner's questions, and how it runs."""
    for decorate in reversed(
        (
            click.option("--env", "env", default=None, metavar="NAME",
                         help="The run's target environment (staging first, then production)."),
            click.option("--yes", is_flag=True, help="Answer yes to yes/no questions."),
            click.option("--yes-i-mean-production", "production", default=None,
                         metavar="ENV", help="Confirm a production environment by its name."),
            click.option("--override", default=None, metavar="REASON",
                         help="A written reason to pass a gate; recorded with the step."),
            click.option("--offline", is_flag=True,
                         help="Lint without reading the target's catalog."),
            click.option("--restart", is_flag=True,
                         help="Backfill: forget the checkpoint and start over."),
            click.option("--init", is_flag=True,
                         help="Create the audit repo if it does not exist."),
        )
    ):  # fmt: skip
        command = decorate(command)
    return command


def check_env_name(rb, env: str | None) -> None:  # noqa: ANN001 - a Runbook
    """An unknown --env is refused before any run is created, with the names it could be."""
    if env is None:
        return
    from phasetui.db.targets import config_environments
    from phasetui.errors import BadInput

    known_envs = {**config_environments(), **rb.environments}
    if env not in known_envs:
        names = ", ".join(sorted(known_envs)) or "none"
        raise BadInput(
            f"unknown environment {env!r}",
            f"known: {names} (the runbook's [environments] or phasetui.toml)",
        )


def check_target_given(rb, repo, env: str | None, run_id: str | None, new: bool) -> None:  # noqa: ANN001
    """A new run of a runbook whose steps name no environment needs --env (its target):
    refused before the run is created, not found out step by step."""
    if env is not None or run_id is not None or (not new and repo.open_run_for(rb.id)):
        return
    from phasetui.errors import BadInput
    from phasetui.runbook.kinds import KINDS

    if any(KINDS[s.kind].needs_env and not s.env for s in rb.steps() if s.kind in KINDS):
        names = ", ".join(rb.environments) or "see phasetui.toml"
        raise BadInput(
            f"a new run of {rb.id} needs its target: its steps name no environment",
            f"add --env NAME ({names}): staging first, then production",
        )


def make_runner(
    runbook: str,
    *,
    audit_repo: str | None,
    run_id: str | None,
    as_name: str | None,
    env: str | None,
    yes: bool,
    production: str | None,
    override: str | None,
    offline: bool,
    restart: bool,
    init: bool,
    new: bool = False,
    step_id: str | None = None,
):
    """Loads the runbook, checks the step and the environment before any run is created,
    opens the audit repo (``--init`` creates it) and the run, and builds the Runner.

    A wrong step, environment or audit repo is bad input (exit 2), as `step run` says."""
    from phasetui.audit.identity import resolve_person
    from phasetui.audit.repo import AuditRepo
    from phasetui.audit.runs import open_run
    from phasetui.cli.options import audit_path
    from phasetui.cli.prompts import CliOperator
    from phasetui.errors import BadInput
    from phasetui.ops.runner import Runner, RunnerOptions
    from phasetui.runbook.loader import load_runbook

    rb = load_runbook(runbook)
    if step_id is not None and rb.step(step_id) is None:
        known = ", ".join(s.id for s in rb.steps()) or "none"
        raise BadInput(f"runbook {rb.id!r} has no step {step_id!r}", f"steps: {known}")
    check_env_name(rb, env)
    path = audit_path(audit_repo)
    if not init and not (path / ".git").exists():
        raise BadInput(
            f"no audit repo at {path}",
            "give --audit-repo DIR of an existing one, or add --init to create it",
        )
    repo = AuditRepo.open(path, create=init)
    who = resolve_person(as_name)
    check_target_given(rb, repo, env, run_id, new)
    handle = open_run(repo, rb, run_id=run_id, who=who, new=new, env=env)
    if handle.created:
        click.echo(f"phasetui: started run {handle.run_id}", err=True)
    operator = CliOperator.from_flags(yes=yes, production=production, override=override)
    options = RunnerOptions(offline=offline, restart=restart)
    return Runner(rb, repo, handle.run_id, who, operator, options)


def print_result(result) -> None:  # noqa: ANN001 - a StepRun
    mark = {"done": "✓", "skipped": "·", "failed": "✗", "stopped": "‖"}.get(result.status, "!")
    click.echo(f"{mark} {result.line()}")


def next_hint(runner, result) -> str:  # noqa: ANN001
    """What to do after a step that did not finish."""
    again = f"phasetui step run {runner.runbook.path} {result.step_id} --run {runner.run_id}"
    if result.status == "gated":
        return f"answer it (--yes, --yes-i-mean-production NAME or --override 'why'): {again}"
    if result.status == "needs-you":
        return f"do it, then: {again} --yes"
    if result.status == "stopped":
        return f"resume: {again}"
    return f"fix it, then: {again}"


def run_one(runner, step_id: str) -> None:  # noqa: ANN001
    from phasetui.ops.backfill_run import stop_on_signals

    def interrupted(message: str) -> None:
        click.echo(message, err=True)

    with stop_on_signals(runner.operator.stop, interrupted):
        result = runner.run_step(step_id)
    print_result(result)
    if not result.finished:
        click.echo(f"next: {next_hint(runner, result)}", err=True)
    sys.exit(EXIT.get(result.status, 1))


def run_headless(runner, until: str | None) -> None:  # noqa: ANN001
    from phasetui.ops.backfill_run import stop_on_signals

    click.echo(f"run {runner.run_id} on {runner.target or 'the steps’ own environments'}")

    def interrupted(message: str) -> None:
        click.echo(message, err=True)

    with stop_on_signals(runner.operator.stop, interrupted):
        results = runner.run_all(until=until)
    for result in results:
        print_result(result)
    last = results[-1] if results else None
    if last is not None and not last.finished:
        click.echo(f"stopped at {last.step_id}: {last.status}", err=True)
        click.echo(f"next: {next_hint(runner, last)}", err=True)
        sys.exit(EXIT.get(last.status, 1))
    state = runner.state()
    done = sum(1 for e in state.checklist if state.evidence(e.id) and state.evidence(e.id).ok)
    evidence = f"{done} of {len(state.checklist)} checklist items have evidence"
    steps = runner.runbook.steps()
    if until is not None and steps and until != steps[-1].id:
        click.echo(
            f"stopped after {until}, as asked (--until), in run {runner.run_id}; {evidence}; "
            f"go on with: phasetui run {runner.runbook.path} --run {runner.run_id} --headless"
        )
        return
    click.echo(
        f"all steps done in run {runner.run_id}; {evidence}; close it with: "
        f"phasetui close --run {runner.run_id} --outcome done"
    )


@click.command("run")
@click.argument("runbook", type=click.Path(dir_okay=False))
@click.argument("step_id")
@click.option(
    "--audit-repo",
    "audit_repo",
    type=click.Path(file_okay=False),
    default=None,
    help="The git audit repo (default: $PHASETUI_AUDIT_REPO or the user data dir).",
)
@click.option("--run", "run_id", default=None, help="The run to record in (default: the open one).")
@click.option("--as", "as_name", default=None, metavar="NAME", help="Who is acting.")
@runner_options
@click.option(
    "--detach",
    is_flag=True,
    help="Run it as a job: a worker that outlives this terminal (see `phasetui jobs`).",
)
@click.option("--job", "job_id", default=None, hidden=True)  # the worker of a job
def step_run(runbook: str, step_id: str, audit_repo: str | None, run_id: str | None,
             as_name: str | None, detach: bool, job_id: str | None,
             **flags: Any) -> None:  # fmt: skip
    """Run STEP of RUNBOOK, whatever its kind, through every gate; record its evidence.

    With --detach the questions are asked now and the step runs as a job, detached from
    this terminal: it prints the job id, pid and log, and returns at once.

    Exit 0 done (or job started), 1 failed, 2 bad input, 3 stopped (run again to resume),
    4 waiting on you (a gate or a manual check)."""
    if detach and job_id:
        from phasetui.errors import UserError

        raise UserError("--detach and --job do not go together", "drop --job")
    runner = make_runner(
        runbook, audit_repo=audit_repo, run_id=run_id, as_name=as_name, step_id=step_id, **flags
    )
    if job_id:
        run_job_worker(runner, step_id, job_id)
    elif detach:
        from phasetui.cli.jobs_cmds import detach_step

        detach_step(runner, step_id, flags)
    else:
        run_one(runner, step_id)


def run_job_worker(runner, step_id: str, job_id: str) -> None:  # noqa: ANN001
    """The worker of a job: the same runner, answers from the flags given at its start."""
    from phasetui.jobs.worker import run_worker
    from phasetui.ops.backfill_run import stop_on_signals

    with stop_on_signals(runner.operator.stop, lambda m: click.echo(m, err=True)):
        result = run_worker(runner, step_id, job_id)
    sys.exit(EXIT.get(result.status, 1))
