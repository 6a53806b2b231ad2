"""``phasetui backfill``: run, watch and command batched online backfills.

Thin: options → :mod:`phasetui.ops.backfill_run` (the gate, where the result is recorded,
the run itself, the signals, the exit codes) → a rich progress bar, or JSON lines for cron
logs (``--format json``). psycopg and rich load only when a verb runs, never for ``--help``.
Ctrl-C stops cleanly after the current batch (a second Ctrl-C quits at once — still safe:
every committed batch is in the checkpoint); running the same command again resumes.

Every verb that writes (run, pause, resume, stop, set, forget) honours the environment's
``read_only`` and ``production`` exactly as ``apply`` does: read-only refuses, production
needs ``--yes-i-mean-production NAME`` or the name typed at a prompt (on a terminal).

Exit codes: 0 done, 1 failed or incomplete, 2 bad input, 3 stopped / interrupted / paused
or the server restarting (resumable).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

import click

_ENV = click.option("--env", "env", default=None, metavar="NAME", help="A named environment.")
_DSN = click.option(
    "--dsn", "dsn", default=None, metavar="DSN", help="A connection string (no password in it)."
)
_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object per line (for cron logs).",
)
_CONFIRM = click.option(
    "--yes-i-mean-production",
    "confirm",
    default=None,
    metavar="ENV",
    help="Confirm a production environment by typing its name.",
)


def _target(env: str | None, dsn: str | None):
    from phasetui.db.targets import resolve_target

    return resolve_target(env=env, dsn=dsn)


def confirm_write(environment, confirm: str | None, action: str) -> None:  # noqa: ANN001
    """The gate of every writing verb: asks for a production environment's name on a
    terminal when no --yes-i-mean-production was given, then lets the domain decide."""
    from phasetui.ops.backfill_run import check_write_allowed, needs_confirmation

    if needs_confirmation(environment, confirm) and sys.stdin.isatty():
        confirm = click.prompt(
            f"{environment.name} is PRODUCTION. Type its name to {action}",
            default="",
            show_default=False,
            err=True,
        )
    check_write_allowed(environment, confirm, action)


def _writable_target(env: str | None, dsn: str | None, confirm: str | None, action: str) -> str:
    target = _target(env, dsn)
    confirm_write(target.environment, confirm, action)
    return target.dsn


def _emit(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, default=str, sort_keys=True))


def _fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _wal_rate(p) -> str:
    """``WAL 12.3 MB/s  `` — what replicas and the WAL archive must keep up with."""
    from phasetui.backfill.footprint import human_bytes

    rate = p.detail.get("wal_bytes_per_second")
    return f"WAL {human_bytes(rate)}/s  " if rate is not None else ""


def _progress_line(p) -> dict[str, Any]:
    return {
        "event": "progress",
        "name": p.name,
        "state": p.state,
        "rows_done": p.rows_done,
        "rows_total_estimate": p.rows_total_estimate,
        "percent": round(100 * p.fraction, 2),
        "rate_rows_per_second": round(p.rate_rows_per_second or 0.0, 1),
        "eta_seconds": round(p.eta_seconds, 1) if p.eta_seconds is not None else None,
        "batches": p.batches,
        "retries": p.retries,
        "throttled_seconds": round(p.throttled_seconds, 1),
        "throttle_reason": p.throttle_reason,
        "workers": p.live_workers,
        "wal_bytes_per_second": p.detail.get("wal_bytes_per_second"),
        "table_bytes": p.detail.get("table_bytes"),
        "last_error": p.last_error,
    }


@click.group()
def backfill() -> None:
    """Batched online backfills: resumable, throttled, controllable from any session."""


@backfill.command()
@_ENV
@_DSN
@click.option("--table", required=True, help="The table (schema-qualified if needed).")
@click.option("--set", "sets", multiple=True, metavar='"COL = EXPR"', help="Repeatable.")
@click.option(
    "--where", default=None, help='Filter that makes re-runs idempotent, e.g. "x IS NULL".'
)
@click.option("--key", default=None, help="Key columns, comma-separated (default: primary key).")
@click.option("--name", default=None, help="Backfill name (default: TABLE.FIRST_SET_COLUMN).")
@click.option("--batch-size", type=int, default=None, help="Initial rows (key span) per batch.")
@click.option("--target-batch-seconds", default=None, help="Adapt the batch size to this (0: off).")
@click.option("--pause", "pause_seconds", default=None, help="Sleep between batches, e.g. 50ms.")
@click.option("--workers", type=int, default=None, help="Workers in this process.")
@click.option("--lock-timeout", default=None, help="Per statement (default 2s).")
@click.option("--statement-timeout", default=None, help="Per statement (default 30s).")
@click.option("--max-retries", type=int, default=None, help="Failed batches in a row (default 10).")
@click.option("--max-replica-lag", "max_replica_lag_seconds", default=None, help="Throttle above.")
@click.option("--throttle-query", default=None, help="Throttle while this SELECT returns true.")
@click.option(
    "--window",
    default=None,
    metavar="'HH:MM-HH:MM [ZONE]'",
    help="Run only in this window (host's local time, or an IANA zone: '22:00-06:00 UTC').",
)
@click.option("--sync-commit", is_flag=True, help="Keep synchronous_commit on (default off).")
@click.option("--command", default=None, help="External job mode: run this command instead.")
@click.option("--progress-query", default=None, help="External mode: SELECT rows still to do.")
@click.option("--stall-seconds", default=None, help="External mode: flag a stall after this.")
@click.option("--kill-on-stall", is_flag=True, help="External mode: stop the command on a stall.")
@click.option("--restart", is_flag=True, help="Forget the checkpoint and start over.")
@click.option("--interval", type=float, default=None, help="Seconds between progress lines.")
@click.option("--result", "result_path", type=click.Path(dir_okay=False), default=None,
              help="Write the final figures (JSON) to this file.")  # fmt: skip
@click.option("--audit-repo", default=None, type=click.Path(file_okay=False),
              help="Record the result in this audit repo (with --run-id and --step).")  # fmt: skip
@click.option("--run-id", default=None, help="The audit run to record the result in.")
@click.option("--step", "step_id", default=None, help="The runbook step id (backfill/STEP.json).")
@click.option("--as", "as_name", default=None, help="Who is acting (for the audit event).")
@_CONFIRM
@_FORMAT
def run(
    env: str | None,
    dsn: str | None,
    fmt: str,
    interval: float | None,
    result_path: str | None,
    restart: bool,
    kill_on_stall: bool,
    sync_commit: bool,
    audit_repo: str | None,
    run_id: str | None,
    step_id: str | None,
    as_name: str | None,
    confirm: str | None,
    **options: Any,
) -> None:
    """Run (or resume) a backfill until it is done, stopped, or Ctrl-C."""
    from phasetui.backfill.spec import BackfillSpec
    from phasetui.ops.backfill_run import check_result_file, result_destination

    mapping = {k: v for k, v in options.items() if v not in (None, ())}
    if "sets" in mapping:
        mapping["set"] = list(mapping.pop("sets"))
    if sync_commit:
        mapping["synchronous_commit"] = True
    spec = BackfillSpec.from_mapping(mapping)
    # Where the result goes is checked before anything runs: a typo must not cost a table.
    destination = result_destination(audit_repo, run_id, step_id, spec.default_name)
    check_result_file(result_path)
    target = _writable_target(env, dsn, confirm, "run a backfill")
    result = execute(
        target, spec, fmt=fmt, interval=interval, restart=restart, kill_on_stall=kill_on_stall
    )
    if result_path:
        with open(result_path, "w", encoding="utf-8") as fh:
            fh.write(result.to_json())
    if destination is not None:
        destination.record(result, as_name)
    finish(result, fmt)


def execute(
    target: str,
    spec,
    *,
    fmt: str = "text",
    interval: float | None = None,
    restart: bool = False,
    kill_on_stall: bool = False,
):
    """Runs a spec to its end with progress on the terminal; Ctrl-C stops after a batch.
    Shared by `backfill run` and a runbook's backfill step (`phasetui step backfill`)."""
    from phasetui.ops.backfill_run import stop_on_signals

    def interrupted(message: str) -> None:
        if fmt == "json":
            _emit({"event": "interrupt", "message": message})
        else:
            click.echo(message, err=True)

    from phasetui.ops.backfill_run import window_notice

    with stop_on_signals(threading.Event(), interrupted) as stop:
        notice = window_notice(spec)
        if notice:
            if fmt == "json":
                _emit({"event": "throttled", "reason": notice})
            else:
                click.echo(f"backfill {spec.default_name}: {notice}", err=True)
        if spec.command:
            return _run_external(target, spec, stop, fmt, interval, kill_on_stall)
        if fmt == "json":
            return _run_json(target, spec, stop, interval, restart)
        return _run_bar(target, spec, stop, interval, restart)


def finish(result, fmt: str) -> None:
    """Prints the result and exits with the backfill exit codes (0 done, 1 failed or
    incomplete, 3 resumable)."""
    from phasetui.ops.backfill_run import RESUMABLE_STATES, exit_code

    if fmt == "json":
        _emit({"event": "result", **result.to_dict()})
    else:
        click.echo(result.summary())
        if result.last_error and result.state != "done":
            click.echo(f"last error: {result.last_error}", err=True)
        if result.state in RESUMABLE_STATES:
            click.echo("run the same command again to resume", err=True)
    code = exit_code(result)
    if code:
        sys.exit(code)


def _lint_line(fmt: str):
    def on_lint(warning: str) -> None:
        if fmt == "json":
            _emit({"event": "lint", "severity": "warning", "finding": warning})
        else:
            click.echo(f"lint warning: {warning}", err=True)

    return on_lint


def _run_json(target: str, spec, stop, interval: float | None, restart: bool):
    from phasetui.ops.backfill_run import run_backfill_job

    every = interval if interval is not None else 10.0
    last = [0.0]

    def on_progress(p) -> None:
        now = time.monotonic()
        if now - last[0] >= every:
            last[0] = now
            _emit(_progress_line(p))

    return run_backfill_job(
        target, spec, stop=stop, restart=restart, progress_interval=1.0,
        on_lint=_lint_line("json"), on_progress=on_progress,
    )  # fmt: skip


def _run_bar(target: str, spec, stop, interval: float | None, restart: bool):
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from phasetui.ops.backfill_run import run_backfill_job

    console = Console(stderr=True, highlight=False)
    columns = (
        TextColumn("{task.fields[label]}", markup=False),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[figures]}", markup=False),
    )
    bar: Progress | None = None
    task: Any = None

    def on_lint(warning: str) -> None:  # before the first batch: before the bar
        click.echo(f"lint warning: {warning}", err=True)

    def on_progress(p) -> None:
        nonlocal bar, task
        if bar is None:
            bar = Progress(*columns, console=console, transient=False, refresh_per_second=4)
            bar.start()
            task = bar.add_task("backfill", total=1.0, label=p.name, figures="starting")
        total = f"{p.rows_total_estimate:,}" if p.rows_total_estimate is not None else "?"
        figures = (
            f"{p.rows_done:,}/{total} rows  {p.rate_rows_per_second or 0:,.0f}/s  "
            f"ETA {_fmt_eta(p.eta_seconds)}  {_wal_rate(p)}{p.state}"
        )
        if p.throttle_reason:
            figures += f" ({p.throttle_reason})"
        bar.update(task, completed=p.fraction, label=f"{p.name} [{p.live_workers}w]",
                   figures=figures)  # fmt: skip

    try:
        return run_backfill_job(
            target, spec, stop=stop, restart=restart, progress_interval=interval or 0.5,
            on_lint=on_lint, on_progress=on_progress,
        )  # fmt: skip
    finally:
        if bar is not None:
            bar.stop()


def _run_external(target: str, spec, stop, fmt: str, interval: float | None, kill: bool):
    from phasetui.ops.backfill_run import run_backfill_job

    name = spec.default_name

    def on_line(line: str) -> None:
        if fmt == "json":
            _emit({"event": "output", "line": line})
        else:
            click.echo(line)

    def on_progress(d: dict) -> None:
        if fmt == "json":
            _emit({"event": "progress", "name": name, **d})
        else:
            rem = d.get("remaining")
            click.echo(
                f"[phasetui] {name}: {d['rows_done']:,} rows done"
                + (f", {rem:,} to go" if rem is not None else "")
                + (" — STALLED" if d.get("stalled") else "")
                + (" — paused" if d.get("paused") else ""),
                err=True,
            )

    return run_backfill_job(
        target, spec, stop=stop, kill_on_stall=kill, progress_interval=interval,
        on_output=on_line, on_external_progress=on_progress,
    )  # fmt: skip


@backfill.command()
@click.argument("name", required=False)
@_ENV
@_DSN
@_FORMAT
def status(name: str | None, env: str | None, dsn: str | None, fmt: str) -> None:
    """List the backfills in a database, or show one in detail."""
    from phasetui.backfill.progress import list_backfills, read_progress

    target = _target(env, dsn).dsn
    items = [read_progress(target, name)] if name else list_backfills(target)
    if fmt == "json":
        for p in items:
            _emit(p.to_dict())
        return
    if not items:
        click.echo("no backfills in this database")
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False)
    for col in ("name", "state", "done", "rows", "est. total", "rate/s", "ETA", "workers", "error"):
        table.add_column(col, justify="right" if col in ("done", "rows", "rate/s") else "left")
    for p in items:
        total = f"{p.rows_total_estimate:,}" if p.rows_total_estimate is not None else "?"
        table.add_row(
            Text(p.name),
            Text(p.state),
            f"{100 * p.fraction:.1f}%",
            f"{p.rows_done:,}",
            total,
            f"{p.rate_rows_per_second or 0:,.0f}",
            _fmt_eta(p.eta_seconds if p.state == "running" else None),
            str(p.live_workers),
            Text((p.last_error or "")[:60]),
        )
    console = Console(highlight=False)
    console.print(table)
    if name:
        p = items[0]
        console.print(
            Text(
                f"table {p.table} key ({', '.join(p.key)}), chunks {p.chunks_done}/"
                f"{p.chunks_total}, batches {p.batches:,}, retries {p.retries}, throttled "
                f"{p.throttled_seconds:.1f}s, batch size {p.batch_size}, pause "
                f"{p.pause_seconds}s, workers setting {p.workers_setting}"
            )
        )
        if p.detail.get("batch_form"):
            console.print(Text(f"batches run as: {p.detail['batch_form']}"))
        console.print(Text(_footprint_line(p)))
        for w in p.workers:
            if w.live:
                console.print(
                    Text(
                        f"  {w.worker}: {w.state} chunk {w.chunk} range {w.range_lo}.."
                        f"{w.range_hi} size {w.batch_size} last {w.last_batch_ms or 0:.0f} ms"
                    )
                )


def _footprint_line(p) -> str:
    from phasetui.backfill.footprint import human_bytes

    d = p.detail
    line = f"server WAL {human_bytes(d.get('wal_bytes_per_second'))}/s" + (
        f" ({human_bytes(d.get('wal_bytes_this_run'))} this run)"
        if d.get("wal_bytes_this_run") is not None
        else ""
    )
    return line + (
        f"; table {human_bytes(d.get('table_bytes_before'))} before, "
        f"{human_bytes(d.get('table_bytes'))} now; indexes "
        f"{human_bytes(d.get('index_bytes_before'))} before, "
        f"{human_bytes(d.get('index_bytes'))} now"
    )


_CONTROL_HELP = {
    "pause": "Pause a backfill (workers idle after their current batch).",
    "resume": "Resume a paused backfill.",
    "stop": "Stop every worker after its batch; `run` again resumes.",
}


def _control(verb: str):
    @backfill.command(name=verb, help=_CONTROL_HELP[verb])
    @click.argument("name")
    @_ENV
    @_DSN
    @_CONFIRM
    def command(name: str, env: str | None, dsn: str | None, confirm: str | None) -> None:
        from phasetui.backfill import control

        target = _writable_target(env, dsn, confirm, f"{verb} a backfill")
        row = getattr(control, verb)(target, name)
        click.echo(f"{row.name}: control = {row.control} (takes effect within one batch)")

    return command


pause = _control("pause")
resume = _control("resume")
stop = _control("stop")


@backfill.command(name="set")
@click.argument("name")
@_ENV
@_DSN
@click.option("--batch-size", type=int, default=None)
@click.option("--pause", "pause_seconds", default=None, help="Sleep between batches, e.g. 100ms.")
@click.option("--workers", type=int, default=None, help="Workers per running process.")
@click.option("--target-batch-seconds", default=None, help="0 turns adaptive sizing off.")
@_CONFIRM
def set_(name: str, env: str | None, dsn: str | None, confirm: str | None, **changes: Any) -> None:
    """Change a running backfill's settings live."""
    from phasetui.backfill import control

    target = _writable_target(env, dsn, confirm, "change a backfill's settings")
    row = control.set_settings(target, name, **changes)
    click.echo(
        f"{row.name}: batch size {row.batch_size}, pause {row.pause_seconds}s, workers "
        f"{row.workers}, target {row.target_batch_seconds}s (version {row.settings_version})"
    )


@backfill.command()
@click.argument("name")
@_ENV
@_DSN
@click.option("--yes", is_flag=True, help="Do not ask (production still needs its name).")
@_CONFIRM
def forget(name: str, env: str | None, dsn: str | None, yes: bool, confirm: str | None) -> None:
    """Delete a backfill's checkpoint from the database (after it is done)."""
    from phasetui.backfill import control

    target = _writable_target(env, dsn, confirm, "forget a backfill's checkpoint")
    if not yes:
        click.confirm(f"forget the checkpoint of {name}?", abort=True)
    control.forget(target, name)
    click.echo(f"{name}: checkpoint deleted")
