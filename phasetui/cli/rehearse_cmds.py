"""``phasetui rehearse`` and ``phasetui apply``: the lock rehearsal and the safe apply.

Thin: options → :mod:`phasetui.db.rehearse` / :mod:`phasetui.db.apply` → text, JSON or
Markdown. psycopg and rich load only when a verb runs, never for ``--help``.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from phasetui.cli.lint_cmds import PHASE_CHOICES
from phasetui.cli.options import as_option, audit_repo_option
from phasetui.errors import UserError

_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="markdown is the evidence the audit run keeps.",
)
_ENV = click.option("--env", "env", default=None, metavar="NAME", help="A named environment.")
_DSN = click.option(
    "--dsn", "dsn", default=None, metavar="DSN", help="A connection string (no password in it)."
)
_LOCK = click.option(
    "--lock-timeout", default="2s", show_default=True, help="Give up a lock wait after this."
)


def _settings(**kw: Any):
    from phasetui.db.session import ExecSettings, parse_duration

    values: dict[str, Any] = {}
    for key, value in kw.items():
        if value is None:
            continue
        if key in ("lock_timeout", "statement_timeout", "concurrent_statement_timeout"):
            values[key] = parse_duration(value, what="--" + key.replace("_", "-"))
        elif key == "backoff_base":
            values[key] = parse_duration(value, what="--backoff")
        else:
            values[key] = value
    return ExecSettings(**values)


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def _print_text(renderable: Any) -> None:
    _console().print(renderable)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@_ENV
@_DSN
@_LOCK
@click.option(
    "--statement-timeout",
    default="10min",
    show_default=True,
    help="Cancel a statement running longer (0: none).",
)
@click.option(
    "--no-stand-ins",
    is_flag=True,
    help="Do not run a non-concurrent twin of CONCURRENTLY statements in the rehearsal.",
)
@_FORMAT
def rehearse(
    file: str,
    env: str | None,
    dsn: str | None,
    lock_timeout: str,
    statement_timeout: str,
    no_stand_ins: bool,
    fmt: str,
) -> None:
    """Run FILE on a real database in one transaction that is always rolled back, and report
    per statement the locks taken, what they block, the time and any table rewrite.

    FILE is SQL or the output of `php artisan migrate --pretend`; statements are numbered
    and placed (#n, line) exactly as `phasetui lint` reports them.

    Exit 0 when every statement ran, 1 when one failed (the migration would fail too),
    2 for unreadable input.
    """
    from phasetui.db.rehearse import rehearse_file
    from phasetui.db.targets import resolve_target

    target = resolve_target(env=env, dsn=dsn)
    settings = _settings(lock_timeout=lock_timeout, statement_timeout=statement_timeout, retries=2)
    result = rehearse_file(
        file,
        dsn=target.dsn,
        environment=target.environment,
        settings=settings,
        stand_ins=not no_stand_ins,
        target_label=target.label,
    )
    if fmt == "json":
        click.echo(result.to_json())
    elif fmt == "markdown":
        click.echo(result.to_markdown(), nl=False)
    else:
        _print_text(_rehearsal_text(result))
        click.echo("")
        for line in _rehearsal_notes(result):
            click.echo(line)
    sys.exit(0 if result.passed else 1)


def _rehearsal_text(result: Any):
    """One block per statement, so it reads at 80 columns over SSH (a wide table does not)."""
    from rich.console import Group
    from rich.text import Text

    from phasetui.db.evidence import fmt_seconds
    from phasetui.db.locks import blocks_summary
    from phasetui.db.rehearse import pg_version_label

    parts: list[Any] = [
        Text(
            f"rehearsal of {result.source} on {result.target} "
            f"(PostgreSQL {pg_version_label(result.server_version)}), rolled back",
            style="bold",
        )
    ]
    for s in result.statements:
        head = Text(f"#{s.index} line {s.line}  ", style="bold")
        if s.migration:
            head.append(f"[{s.migration}] ")
        head.append(_one_line(s.sql, 200))
        parts.append(Text(""))
        parts.append(head)
        state = Text(f"   {s.status}", style="bold red" if s.status == "failed" else "")
        if s.duration_s is not None:
            state.append(f" in {fmt_seconds(s.duration_s)}")
        if s.rows is not None:
            state.append(f", {s.rows} rows")
        if s.rewritten:
            rewritten = ", ".join(r.relation for r in s.rewrites if r.relkind != "index")
            state.append(f"; REWRITES {rewritten}", style="bold")
        elif s.status == "rehearsed":
            state.append("; no rewrite")
        parts.append(state)
        for lock in s.lock_summary():
            line = Text(f"   {lock}")
            if not lock.startswith("("):
                mode = lock.split(" on ", 1)[0]
                line.append(f": blocks {blocks_summary(mode)}")
            parts.append(line)
        if s.documented_lock and not s.lock_summary():
            parts.append(Text(f"   documented lock: {s.documented_lock}"))
    return Group(*parts)


def _rehearsal_notes(result: Any) -> list[str]:
    out = []
    for s in result.statements:
        if s.reason:
            out.append(f"#{s.index} (line {s.line}): {s.reason}")
    verdict = "passed" if result.passed else "FAILED"
    out.append(f"rehearsal {verdict}; nothing was committed")
    return out


def _one_line(sql: str, width: int) -> str:
    one = " ".join(sql.split())
    return one if len(one) <= width else one[: width - 3] + "..."


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@_ENV
@_DSN
@click.option(
    "--phase",
    type=click.Choice(PHASE_CHOICES),
    default=None,
    help="The phase FILE belongs to, for the lint gate (default: [lint] phase, else any).",
)
@click.option(
    "--override",
    default="",
    metavar="REASON",
    help="Apply despite lint errors, for this written reason (recorded). Never lifts the timeouts.",
)
@_LOCK
@click.option(
    "--statement-timeout",
    default="1min",
    show_default=True,
    help="Cancel a transactional statement running longer (it holds its locks meanwhile).",
)
@click.option(
    "--concurrent-timeout",
    default="0",
    show_default=True,
    help="statement_timeout for CONCURRENTLY / VACUUM statements (0: none; they do not block).",
)
@click.option(
    "--retries", default=5, show_default=True, type=click.IntRange(0, 100), help="Per step."
)
@click.option(
    "--backoff", default="500ms", show_default=True, help="First wait; doubles per try, max 15s."
)
@click.option(
    "--cleanup-invalid/--no-cleanup-invalid",
    default=None,
    help="Drop INVALID indexes a failed CONCURRENTLY build leaves (default: ask on a terminal).",
)
@click.option(
    "--yes-i-mean-production",
    "confirm",
    default=None,
    metavar="ENVNAME",
    help="Confirm applying on a production environment by typing its name.",
)
@audit_repo_option
@click.option(
    "--run",
    "run_id",
    default=None,
    metavar="ID",
    help="Record the lint and the apply as events of this audit run (checked first).",
)
@as_option
@_FORMAT
def apply(
    file: str,
    env: str | None,
    dsn: str | None,
    phase: str | None,
    override: str,
    lock_timeout: str,
    statement_timeout: str,
    concurrent_timeout: str,
    retries: int,
    backoff: str,
    cleanup_invalid: bool | None,
    confirm: str | None,
    audit_repo: str | None,
    run_id: str | None,
    as_name: str | None,
    fmt: str,
) -> None:
    """Lint FILE for its phase, then apply it with lock_timeout and bounded retries:
    BEGIN … COMMIT blocks as one transaction, other statements one by one, CONCURRENTLY
    ones in autocommit.

    FILE is SQL or the output of `php artisan migrate --pretend` (each Laravel migration
    then runs as one transaction, as Laravel runs it). Lint errors stop it unless
    --override gives a reason; SQL that switches off or raises phasetui's lock_timeout or
    statement_timeout is refused whatever the reason.

    Exit 0 when every step is applied, 1 when a step failed (earlier steps stay applied)
    or the apply was refused, 2 for unreadable input.
    """
    from pathlib import Path

    from phasetui.db.apply import apply_sql, check_writable, lint_line, read_sql_file
    from phasetui.db.statements import check_sql_ceiling
    from phasetui.db.targets import resolve_target
    from phasetui.ops.sql_step import apply_gate, gate_and_record, lint_sql, record_apply

    target = resolve_target(env=env, dsn=dsn)
    settings = _settings(
        lock_timeout=lock_timeout,
        statement_timeout=statement_timeout,
        concurrent_statement_timeout=concurrent_timeout,
        retries=retries,
        backoff_base=backoff,
    )
    envir = target.environment
    sql = read_sql_file(file)
    # Refusals that need no database come first: the ceiling, a read-only environment,
    # and a run to record in that does not exist.
    check_sql_ceiling(
        sql,
        source=file,
        lock_timeout=settings.lock_timeout,
        statement_timeout=settings.statement_timeout,
        verb="apply",
    )
    check_writable(envir)
    journal = _audit_run(audit_repo, run_id, as_name)
    step_id = Path(file).name
    report = lint_sql(sql, file, phase=phase, dsn=target.dsn)
    if report.errors and fmt == "text":
        from phasetui.sql.formats import render_text

        click.echo(render_text(report), err=True)
    if journal is not None:
        repo, run, who = journal
        gate = gate_and_record(repo, run, step_id, report, who, override)
    else:
        gate = apply_gate(report, override)
    if fmt == "text":
        click.echo(lint_line(gate.to_dict()), err=True)
        if override.strip() and not gate.override:
            click.echo("note: --override ignored: the lint found no errors", err=True)
    interactive = sys.stdin.isatty()
    if envir is not None and envir.production and confirm is None and interactive:
        confirm = click.prompt(
            f"{envir.name} is PRODUCTION. Type its name to apply {file}",
            default="",
            show_default=False,
            err=True,
        )
    cleanup: Any = cleanup_invalid
    if cleanup is None:
        cleanup = _ask_cleanup if interactive else False

    def progress(step: Any) -> None:
        if fmt == "text":
            click.echo(
                f"step {step.number} (line {step.line}): {step.status} after {step.tries} "
                f"tr{'y' if step.tries == 1 else 'ies'}",
                err=True,
            )

    result = apply_sql(
        target.dsn,
        sql,
        source=file,
        environment=envir,
        confirm=confirm,
        settings=settings,
        cleanup_invalid=cleanup,
        target_label=target.label,
        on_step=progress,
        lint=gate.to_dict(),
    )
    if fmt == "json":
        click.echo(result.to_json())
    elif fmt == "markdown":
        click.echo(result.to_markdown(), nl=False)
    else:
        _print_text(_apply_table(result))
        for line in _apply_notes(result):
            click.echo(line)
    if journal is not None:
        repo, run, who = journal
        try:
            record_apply(repo, run, step_id, target.label, result, who)
        except UserError as exc:
            raise UserError(
                f"the apply above is done ({result.summary()}), but it could not be recorded "
                f"in run {run}: {exc.message}",
                exc.hint or "record it by hand: the evidence is the output above",
            ) from None
    sys.exit(0 if result.ok else 1)


def _audit_run(audit_repo: str | None, run_id: str | None, as_name: str | None):
    """(repo, run id, who) when the apply is to be recorded in a run; checked before any
    database is touched, so a typo never leaves an apply unrecorded."""
    if run_id is None and audit_repo is None:
        return None
    if run_id is None:
        raise UserError(
            "--audit-repo names where to record, but not the run",
            "add --run ID (list them with `phasetui runs --audit-repo DIR`), or drop --audit-repo",
        )
    from phasetui.audit.identity import resolve_person
    from phasetui.audit.repo import AuditRepo
    from phasetui.cli.options import audit_path

    repo = AuditRepo.open(audit_path(audit_repo), create=False)
    repo.events(run_id)  # UserError naming the run when it is not there
    return repo, run_id, resolve_person(as_name)


def _ask_cleanup(index: Any) -> bool:
    return click.confirm(
        f"the failed build left INVALID index {index.schema}.{index.name} on {index.table}; "
        f"run `{index.cleanup_sql}`?",
        default=True,
        err=True,
    )


def _apply_table(result: Any):
    from rich.table import Table
    from rich.text import Text

    from phasetui.db.evidence import fmt_seconds

    table = Table(title=Text(f"apply of {result.source} on {result.target}"))
    for col in ("step", "line", "mode", "statement", "status", "tries", "time"):
        table.add_column(col, overflow="fold")
    for st in result.steps:
        first = st.statements[0]["sql"] if st.statements else ""
        more = f" (+{len(st.statements) - 1} more)" if len(st.statements) > 1 else ""
        table.add_row(
            Text(str(st.number)),
            Text(str(st.line)),
            Text("autocommit" if st.autocommit else "transaction"),
            Text(_one_line(first, 60) + more),
            Text(st.status, style="bold red" if st.status in ("failed", "unknown") else ""),
            Text(str(st.tries)),
            Text(fmt_seconds(st.duration_s)),
        )
    return table


def _apply_notes(result: Any) -> list[str]:
    out = []
    for st in result.steps:
        for a in st.attempts:
            if a.outcome != "ok":
                out.append(f"step {st.number} try {a.number}: {a.outcome}: {a.message}")
        for i in st.invalid_indexes:
            state = "dropped" if i.cleaned else f"left INVALID; clean up with: {i.cleanup_sql};"
            out.append(f"step {st.number}: index {i.schema}.{i.name} on {i.table} {state}")
    for i in result.preexisting_invalid:
        out.append(f"note: index {i.schema}.{i.name} on {i.table} was INVALID before this apply")
    for st in result.steps:
        if st.note:
            out.append(f"step {st.number}: {st.note}")
    if result.override:
        out.append(f"lint errors overridden: {result.override}")
    if not result.ok:
        out += result.outcome_lines()
    out.append(result.summary())
    return out
