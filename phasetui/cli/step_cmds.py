"""``phasetui step lint|rehearse|apply RUNBOOK STEP``: a runbook's sql step, headless.

The same calls as the TUI's step screen, recorded in the same way in the run's folder.
"""

from __future__ import annotations

import click

from phasetui.cli.options import as_option, audit_path, audit_repo_option


def _context(
    runbook: str, step_id: str, audit_repo: str | None, run_id: str | None, as_name: str | None
):
    from phasetui.audit.identity import resolve_person
    from phasetui.audit.repo import AuditRepo
    from phasetui.audit.runs import open_run
    from phasetui.ops.sql_step import SqlStep
    from phasetui.runbook.loader import load_runbook

    rb = load_runbook(runbook)
    step = SqlStep.of(rb, step_id)
    repo = AuditRepo.open(audit_path(audit_repo))
    who = resolve_person(as_name)
    handle = open_run(repo, rb, run_id=run_id, who=who)
    return step, repo, handle.run_id, who


run_option = click.option(
    "--run", "run_id", default=None, help="The run to record in (default: the runbook's open run)."
)


@click.group()
def step() -> None:
    """Lint, rehearse or apply one sql step of a runbook, recording the evidence."""


@step.command("lint")
@click.argument("runbook", type=click.Path(dir_okay=False))
@click.argument("step_id")
@audit_repo_option
@run_option
@click.option("--offline", is_flag=True, help="Do not read the target's catalog.")
@as_option
def lint_step(
    runbook: str,
    step_id: str,
    audit_repo: str | None,
    run_id: str | None,
    offline: bool,
    as_name: str | None,
) -> None:
    """Lint STEP for its phase; write lint/STEP.md to the run."""
    from phasetui.sql.formats import render_text

    sql_step, repo, run, who = _context(runbook, step_id, audit_repo, run_id, as_name)
    report = sql_step.lint(connect=not offline)
    click.echo(render_text(report))
    sql_step.record_lint(repo, run, report, who)
    raise SystemExit(report.exit_code)


@step.command("rehearse")
@click.argument("runbook", type=click.Path(dir_okay=False))
@click.argument("step_id")
@audit_repo_option
@run_option
@as_option
def rehearse_step(
    runbook: str, step_id: str, audit_repo: str | None, run_id: str | None, as_name: str | None
) -> None:
    """Rehearse STEP in a rolled-back transaction; write rehearsal/STEP.md to the run."""
    sql_step, repo, run, who = _context(runbook, step_id, audit_repo, run_id, as_name)
    result = sql_step.rehearse()
    click.echo(result.to_markdown())
    sql_step.record_rehearsal(repo, run, result, who)
    raise SystemExit(0 if result.passed else 1)


@step.command("apply")
@click.argument("runbook", type=click.Path(dir_okay=False))
@click.argument("step_id")
@audit_repo_option
@run_option
@click.option(
    "--override",
    default="",
    metavar="REASON",
    help="Apply despite lint errors; the reason is recorded.",
)
@click.option(
    "--yes-i-mean-production",
    "confirm",
    default=None,
    metavar="ENV",
    help="Confirm a production environment by typing its name.",
)
@as_option
def apply_step(
    runbook: str,
    step_id: str,
    audit_repo: str | None,
    run_id: str | None,
    override: str,
    confirm: str | None,
    as_name: str | None,
) -> None:
    """Lint, then apply STEP with lock_timeout and retries; record both in the run."""
    from phasetui.ops.sql_step import apply_gate

    sql_step, repo, run, who = _context(runbook, step_id, audit_repo, run_id, as_name)
    report = sql_step.lint()
    sql_step.record_lint(repo, run, report, who, override=override if report.errors else "")
    apply_gate(report, override)
    env = sql_step.environment
    if env.production and confirm is None:
        confirm = click.prompt(
            f"Type {env.name!r} to apply on production", default="", show_default=False
        )
    result = sql_step.apply(confirm=confirm)
    sql_step.record_apply(repo, run, result, who)
    click.echo(result.to_markdown())
    raise SystemExit(0 if result.ok else 1)


@step.command("backfill")
@click.argument("runbook", type=click.Path(dir_okay=False))
@click.argument("step_id")
@audit_repo_option
@run_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A progress bar, or JSON lines for cron logs.",
)
@click.option("--restart", is_flag=True, help="Forget the checkpoint and start over.")
@click.option(
    "--yes-i-mean-production",
    "confirm",
    default=None,
    metavar="ENV",
    help="Confirm a production environment by typing its name.",
)
@as_option
def backfill_step(
    runbook: str,
    step_id: str,
    audit_repo: str | None,
    run_id: str | None,
    fmt: str,
    restart: bool,
    confirm: str | None,
    as_name: str | None,
) -> None:
    """Run (or resume) backfill STEP; record its figures as backfill/STEP.json in the run."""
    from phasetui.audit.identity import resolve_person
    from phasetui.audit.repo import AuditRepo
    from phasetui.audit.runs import open_run
    from phasetui.backfill.result import record_result
    from phasetui.backfill.spec import BackfillSpec
    from phasetui.cli.backfill_cmds import execute, finish
    from phasetui.db.apply import check_apply_allowed
    from phasetui.db.environments import resolve_dsn
    from phasetui.errors import UserError
    from phasetui.runbook.loader import load_runbook

    rb = load_runbook(runbook)
    st = rb.step(step_id)
    if st is None or st.kind != "backfill":
        known = ", ".join(s.id for s in rb.steps() if s.kind == "backfill") or "none"
        raise UserError(
            f"runbook {rb.id!r} has no backfill step {step_id!r}", f"backfill steps: {known}"
        )
    env = rb.environments[st.env or ""]
    if env.production and confirm is None and not env.read_only:
        confirm = click.prompt(
            f"Type {env.name!r} to backfill on production", default="", show_default=False
        )
    check_apply_allowed(env, confirm)
    spec = BackfillSpec.from_mapping({"name": f"{rb.id}.{st.id}", **st.params})
    repo = AuditRepo.open(audit_path(audit_repo))
    who = resolve_person(as_name)
    run = open_run(repo, rb, run_id=run_id, who=who).run_id
    result = execute(resolve_dsn(env), spec, fmt=fmt, restart=restart)
    record_result(repo, run, st.id, result, str(who))
    finish(result, fmt)


@step.command("schema-diff")
@click.argument("runbook", type=click.Path(dir_okay=False))
@click.argument("step_id")
@audit_repo_option
@run_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True
)
@click.option(
    "--reviewed", is_flag=True, help="Also record that you reviewed the diff (checklist evidence)."
)
@as_option
def schema_diff_step(
    runbook: str,
    step_id: str,
    audit_repo: str | None,
    run_id: str | None,
    fmt: str,
    reviewed: bool,
    as_name: str | None,
) -> None:
    """Capture both sides of schema-diff STEP into the run; print the semantic diff."""
    from phasetui.audit.identity import resolve_person
    from phasetui.audit.repo import AuditRepo
    from phasetui.audit.runs import open_run
    from phasetui.ops.schema_step import SchemaDiffStep
    from phasetui.runbook.loader import load_runbook
    from phasetui.schema.render import render

    rb = load_runbook(runbook)
    diff_step = SchemaDiffStep.of(rb, step_id)
    repo = AuditRepo.open(audit_path(audit_repo))
    who = resolve_person(as_name)
    run = open_run(repo, rb, run_id=run_id, who=who).run_id
    result = diff_step.capture()
    diff_step.record_capture(repo, run, result, who)
    if reviewed:
        diff_step.record_review(repo, run, result, who)
    click.echo(render(result.diff, fmt))
