"""Runbook and run verbs: check, run, runs, tick, note."""

from __future__ import annotations

import json
import sys

import click

from phasetui.cli.options import as_option, audit_path, audit_repo_option, format_option


@click.command()
@click.argument("runbooks", nargs=-1, required=True, type=click.Path(dir_okay=False))
def check(runbooks: tuple[str, ...]) -> None:
    """Validate RUNBOOKS (.toml or Markdown guides); print file:line: message per problem.

    The SQL of sql and verify steps is parsed too, and a statement that does not parse is
    reported at the runbook's own line. Exit 0: every runbook is valid; 2: a runbook has
    problems (bad input, as for `lint`)."""
    from phasetui.runbook.errors import RunbookError
    from phasetui.runbook.loader import load_runbook
    from phasetui.runbook.sql_check import check_step_sql

    failed = False
    for path in runbooks:
        try:
            rb = load_runbook(path)
        except RunbookError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        sql_problems = check_step_sql(rb)
        if sql_problems:
            failed = True
            for problem in sql_problems:
                click.echo(str(problem), err=True)
            continue
        click.echo(
            f"{path}: ok — {rb.title} ({len(rb.phases)} phases, {len(rb.steps())} steps, "
            f"{len(rb.checklist)} checklist items)"
        )
    sys.exit(RunbookError.exit_code if failed else 0)


def _runner_options(command):  # noqa: ANN001, ANN202 - click decorators
    from phasetui.cli.step_run_cmd import runner_options

    return runner_options(command)


@click.command()
@click.argument("runbook", type=click.Path(dir_okay=False))
@audit_repo_option
@click.option("--run", "run_id", default=None, help="Open this run instead of the open one.")
@click.option("--new", is_flag=True, help="Start a new run even if one is open.")
@click.option("--headless", is_flag=True, help="No TUI: run the steps in order, print results.")
@click.option("--until", default=None, metavar="STEP", help="Headless: stop after STEP.")
@click.option(
    "--read-only",
    "read_only",
    is_flag=True,
    help="Observe: never run a step or write to a database (ticks and notes still work).",
)
@as_option
@_runner_options
def run(
    runbook: str,
    audit_repo: str | None,
    run_id: str | None,
    new: bool,
    headless: bool,
    until: str | None,
    read_only: bool,
    as_name: str | None,
    **flags,  # noqa: ANN003
) -> None:
    """Open the TUI on RUNBOOK (a new run for --env, or the open run), or run it --headless.

    A run is for one target environment: `--env staging` is the dress rehearsal, then
    `--env production` the window. Headless runs the steps in order and stops at the first
    that fails, waits on a gate or on you, printing what to do next (exit 0 all done,
    1 failed, 3 stopped, 4 waiting on you)."""
    from phasetui.audit.identity import resolve_person
    from phasetui.audit.repo import AuditRepo
    from phasetui.audit.runs import open_run
    from phasetui.errors import UserError
    from phasetui.runbook.loader import load_runbook

    if headless:
        from phasetui.cli.step_run_cmd import make_runner, run_headless

        flags["init"] = True  # `run` creates its audit repo, headless or not
        runner = make_runner(
            runbook, audit_repo=audit_repo, run_id=run_id, as_name=as_name, new=new, **flags
        )
        run_headless(runner, until)
        return
    env = flags.get("env")
    rb = load_runbook(runbook)
    from phasetui.cli.step_run_cmd import check_env_name

    check_env_name(rb, env)
    repo = AuditRepo.open(audit_path(audit_repo))
    try:  # settle a write that was interrupted; if it cannot be, the TUI shows why
        for notice in repo.recover():
            click.echo(f"phasetui: {notice}", err=True)
    except UserError as exc:
        click.echo(f"phasetui: warning: {exc.message}", err=True)
    who = resolve_person(as_name)
    from phasetui.cli.step_run_cmd import check_target_given

    check_target_given(rb, repo, env, run_id, new)
    handle = open_run(repo, rb, run_id=run_id, who=who, new=new, env=env)
    from phasetui.tui.launch import launch

    launch(rb, repo, handle.run_id, who, read_only=read_only)


@click.command()
@click.argument("run_id")
@audit_repo_option
@click.option(
    "--runbook",
    "runbook",
    default=None,
    type=click.Path(dir_okay=False),
    help="The runbook file (default: the one the run was started from).",
)
@click.option(
    "--read-only",
    "read_only",
    is_flag=True,
    help="Observe: never run a step or write to a database.",
)
@as_option
def attach(run_id: str, audit_repo: str | None, runbook: str | None, read_only: bool,
           as_name: str | None) -> None:  # fmt: skip
    """Open run RUN_ID again on its jobs screen: running jobs as if nothing happened, lost
    ones with their log tail (R resumes). With a partner driving, you observe."""
    from phasetui.audit.identity import resolve_person
    from phasetui.audit.repo import AuditRepo
    from phasetui.errors import UserError
    from phasetui.runbook.loader import load_runbook
    from phasetui.tui.launch import launch

    repo = AuditRepo.open(audit_path(audit_repo), create=False)
    state = repo.state(run_id)
    started = next((ev for ev in state.events if ev.kind == "run-started"), None)
    path = runbook or (started.payload.get("runbook_path") if started else None)
    from pathlib import Path

    if not path or not Path(path).is_file():
        frozen = repo.run_dir(run_id) / ("runbook.toml" if (repo.run_dir(run_id) /
                                          "runbook.toml").is_file() else "runbook.md")  # fmt: skip
        if not frozen.is_file():
            raise UserError(f"run {run_id} names no runbook file that exists",
                            "give --runbook PATH")  # fmt: skip
        click.echo(f"phasetui: the runbook {path or '?'} is gone; using the run's frozen copy "
                   f"{frozen} (give --runbook PATH for its own files)", err=True)  # fmt: skip
        path = str(frozen)
    rb = load_runbook(path)
    if state.runbook_id and rb.id != state.runbook_id:
        raise UserError(f"{path} is runbook {rb.id!r}; run {run_id} is of {state.runbook_id!r}",
                        "give --runbook with the run's own runbook")  # fmt: skip
    launch(rb, repo, run_id, resolve_person(as_name), read_only=read_only, jobs=True)


@click.command()
@audit_repo_option
@format_option
def runs(audit_repo: str | None, fmt: str) -> None:
    """List the runs recorded in the audit repo."""
    from phasetui.audit.repo import AuditRepo

    repo = AuditRepo.open(audit_path(audit_repo), create=False)
    summaries = repo.runs()
    if fmt == "json":
        click.echo(json.dumps([s.to_json() for s in summaries], indent=2, ensure_ascii=False))
        return
    if not summaries:
        click.echo(f"no runs in {repo.path}")
        return
    for s in summaries:
        state = (s.outcome or "closed") if s.closed else "open"
        target = f"on {s.target}  " if s.target else ""
        line = (
            f"{s.run_id}  {state:11}  {target}{s.done}/{s.total} ticked  {s.events} events  "
            f"started by {s.started_by}  — {s.title}"
        )
        if s.problems:
            line += "  [damaged: " + "; ".join(_damage(p) for p in s.problems) + "]"
        if s.pending:
            line += "  [interrupted write pending]"
        click.echo(line)
    damaged = [s.run_id for s in summaries if s.problems]
    if damaged:
        click.echo(
            f"phasetui: {len(damaged)} run(s) have damaged journal lines, kept as they are: "
            "their state is folded from the other lines; `git -C "
            f"{repo.path} log -p -- runs/RUN/journal.jsonl` shows where the damage came from",
            err=True,
        )


def _damage(problem) -> str:  # noqa: ANN001 - a DamagedLine
    return f"{problem.where} ({problem.reason})" if problem.line else problem.reason


def _report(repo) -> None:  # noqa: ANN001 - an AuditRepo
    """What the write recovered or found (an interrupted write, damaged lines): on stderr."""
    for notice in repo.notices:
        click.echo(f"phasetui: {notice}", err=True)


def _interrupted(exc, run_id: str) -> None:  # noqa: ANN001 - RecordedThenInterrupted
    click.echo(
        f"phasetui: interrupted, but event {exc.event.seq} was recorded in {run_id} and "
        "committed before stopping",
        err=True,
    )
    sys.exit(130)


@click.command()
@audit_repo_option
@click.option("--run", "run_id", required=True, help="The run id (see `phasetui runs`).")
@click.argument("item")
@click.option("--note", default="", help="A note kept with the tick.")
@click.option("--undo", is_flag=True, help="Untick the item instead.")
@as_option
def tick(
    audit_repo: str | None, run_id: str, item: str, note: str, undo: bool, as_name: str | None
) -> None:
    """Tick checklist ITEM (its id or its number) of a run; one commit in the audit repo."""
    from phasetui.audit.identity import resolve_person
    from phasetui.audit.repo import AuditRepo, RecordedThenInterrupted

    repo = AuditRepo.open(audit_path(audit_repo), create=False)
    try:
        event = repo.tick(run_id, item, done=not undo, note=note, who=resolve_person(as_name))
    except RecordedThenInterrupted as exc:
        _report(repo)
        _interrupted(exc, run_id)
    _report(repo)
    verb = "unticked" if undo else "ticked"
    click.echo(f"{verb} {event.payload['item']} in {run_id} (event {event.seq})")


@click.command()
@audit_repo_option
@click.option("--run", "run_id", required=True, help="The run id (see `phasetui runs`).")
@click.argument("text")
@as_option
def note(audit_repo: str | None, run_id: str, text: str, as_name: str | None) -> None:
    """Add a note to a run; one commit in the audit repo."""
    from phasetui.audit.identity import resolve_person
    from phasetui.audit.repo import AuditRepo, RecordedThenInterrupted

    repo = AuditRepo.open(audit_path(audit_repo), create=False)
    try:
        event = repo.note(run_id, text, who=resolve_person(as_name))
    except RecordedThenInterrupted as exc:
        _report(repo)
        _interrupted(exc, run_id)
    _report(repo)
    click.echo(f"noted in {run_id} (event {event.seq})")


@click.command()
@audit_repo_option
@click.option("--run", "run_id", required=True, help="The run id (see `phasetui runs`).")
@click.option(
    "--outcome",
    type=click.Choice(["done", "rolled-back", "abandoned"]),
    required=True,
    help="How the run ended.",
)
@click.option("--note", default="", help="Why, in a sentence: kept with the close.")
@as_option
def close(
    audit_repo: str | None, run_id: str, outcome: str, note: str, as_name: str | None
) -> None:
    """End a run as done, rolled back or abandoned; `runs` shows it. One commit."""
    from phasetui.audit.identity import resolve_person
    from phasetui.audit.repo import AuditRepo

    repo = AuditRepo.open(audit_path(audit_repo), create=False)
    event = repo.close_run(run_id, who=resolve_person(as_name), reason=note, outcome=outcome)
    _report(repo)
    click.echo(f"closed {run_id}: {outcome} (event {event.seq})")
