"""The runbook's ``[rollback]``, run as the guide's rollback scenario (section 6).

In order: show the backup the run recorded and its exact restore command (a rollback
without one asks first); take a ``rollback`` snapshot of the same tables; run the rollback
SQL through the same gates as any apply (the ceiling, lint for the contract phase — a
rollback drops what expand added — and production's name typed back); refresh the
migration-status capture; write the manual steps where the runbook says (the guide keeps
them in ``database-backups/README.md``) and into the run; close the run as rolled back.

Each part is its own event, so a rollback stopped half-way shows exactly how far it got.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasetui.errors import UserError
from phasetui.ops.runner import DONE, FAILED, GATED, StepRun

if TYPE_CHECKING:  # pragma: no cover
    from phasetui.db.environments import Environment
    from phasetui.ops.runner import Runner

ROLLBACK = "rollback"


@dataclass
class RollbackReport:
    """What the rollback did, part by part (each a StepRun), and whether the run closed."""

    parts: list[StepRun] = field(default_factory=list)
    closed: bool = False

    @property
    def ok(self) -> bool:
        return self.closed and all(p.status in (DONE, "skipped") for p in self.parts)


def recorded_backup(runner: Runner) -> dict[str, Any] | None:
    """The figures of the backup the rollback relies on: the ``[rollback] backup`` step's
    latest good one, else the latest good backup of the run (a rollback snapshot too)."""
    good = [
        dict(ev.payload)
        for ev in runner.state().events
        if ev.kind == "backup" and ev.payload.get("ok") is True
    ]
    wanted = runner.runbook.rollback.backup
    own = [p for p in good if p.get("step") == wanted] if wanted else []
    return (own or good or [None])[-1]


def rollback_sql(runner: Runner) -> str:
    rb = runner.runbook.rollback
    if rb.sql:
        return rb.sql
    if rb.file:
        path = Path(rb.file)
        if not path.is_absolute():
            path = runner.runbook.path.parent / path
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(
                f"[rollback] file {path}: {exc.strerror}", "fix `file` in the runbook"
            ) from None
    return ""


def run_rollback(runner: Runner, env: Environment, *, snapshot: bool = True) -> RollbackReport:
    """Runs the rollback on ``env`` (the run's target) and closes the run as rolled back
    when every part that was asked for succeeded."""
    report = RollbackReport()
    op = runner.operator
    state = runner.state()
    if state.closed:
        raise UserError(
            f"run {runner.run_id} is closed ({state.outcome}): nothing more runs in it",
            "roll back in the run that made the change, before closing it",
        )
    if env.read_only:
        raise UserError(f"{env.name} is read_only = true: phasetui never writes there")
    # Production's name comes first: nothing (not even the snapshot) runs unconfirmed.
    confirm = None
    if env.production:
        confirm = op.confirm_production(env.name, "roll back")
        if confirm != env.name:
            report.parts.append(
                StepRun(
                    ROLLBACK,
                    ROLLBACK,
                    GATED,
                    f"{env.name} is production: type its name to roll back "
                    f"(headless: --yes-i-mean-production {env.name}); nothing ran",
                    env.name,
                )
            )
            return report
    backup = recorded_backup(runner)
    if backup is None:
        if not op.confirm(f"no backup was recorded in run {runner.run_id}. Roll back anyway?"):
            report.parts.append(
                StepRun(ROLLBACK, "backup", GATED, "no backup recorded; nothing ran", env.name)
            )
            return report
        op.inform("no backup was recorded in this run: the rollback relies on its SQL alone")
    else:
        op.inform(f"backup: {backup.get('path')} ({backup.get('summary', '')})")
        op.inform(f"restore it with: {backup.get('restore_command')}")
    if snapshot:
        report.parts.append(_snapshot(runner, env, backup))
        if report.parts[-1].status == FAILED and not op.confirm(
            "the rollback snapshot failed. Go on without it?"
        ):
            return report
    sql = rollback_sql(runner)
    if sql.strip():
        part = _apply(runner, env, sql, confirm)
        report.parts.append(part)
        if part.status != DONE:
            return report
    if runner.runbook.rollback.refresh_status:
        for step in runner.runbook.steps():
            if step.kind == "migration-status":
                report.parts.append(_refresh_status(runner, step))
    report.parts.append(_write_notes(runner, env, backup, sql))
    if all(p.status == DONE for p in report.parts):
        runner.repo.close_run(
            runner.run_id,
            who=runner.who,
            reason=f"rolled back on {env.name}",
            outcome="rolled-back",
        )
        report.closed = True
    return report


def _snapshot(runner: Runner, env: Environment, backup: dict[str, Any] | None) -> StepRun:
    """A ``rollback`` backup of the tables the recorded one holds (the guide's
    ``backup-database.sh --name=rollback``), before anything is undone."""
    from phasetui.runbook.model import Step

    source = runner.runbook.step(runner.runbook.rollback.backup or "")
    params: dict[str, Any] = dict(source.params) if source is not None else {}
    params["name"] = "rollback"
    if backup and backup.get("tables"):
        params["tables"] = list(backup["tables"])
    step = Step("rollback-snapshot", "backup", "Snapshot before the rollback", "rollback",
                env.name, params)  # fmt: skip
    try:
        return runner._run_module(step, env)
    except UserError as exc:
        return StepRun(step.id, "backup", FAILED, exc.message, env.name)


def _apply(runner: Runner, env: Environment, sql: str, confirm: str | None) -> StepRun:
    from phasetui.db.apply import apply_sql
    from phasetui.db.statements import check_sql_ceiling
    from phasetui.ops.sql_step import acceptable_reason, apply_gate, lint_sql, record_lint

    source = f"{runner.runbook.path.name}#rollback"
    from phasetui.db.environments import resolve_dsn
    from phasetui.db.session import ExecSettings

    settings = ExecSettings()
    check_sql_ceiling(
        sql,
        source=source,
        lock_timeout=settings.lock_timeout,
        statement_timeout=settings.statement_timeout,
        verb="apply",
        runbook=True,
    )
    dsn = resolve_dsn(env)
    report = lint_sql(sql, source, phase="contract", dsn=None if runner.options.offline else dsn)
    override = ""
    if report.errors:
        rules = ", ".join(sorted({f.rule for f in report.errors}))
        override = (
            runner.operator.reason(
                f"lint found {len(report.errors)} error(s) in the rollback SQL ({rules}). "
                "Apply anyway? Give the written reason"
            )
            or ""
        )
    try:
        gate = apply_gate(report, override)
    except UserError as exc:
        record_lint(runner.repo, runner.run_id, ROLLBACK, report, runner.who)
        return StepRun(ROLLBACK, ROLLBACK, GATED, exc.message, env.name)
    record_lint(
        runner.repo,
        runner.run_id,
        ROLLBACK,
        report,
        runner.who,
        override if acceptable_reason(override) else "",
    )
    runner.operator.progress(f"applying the rollback SQL on {env.name}")
    result = apply_sql(
        dsn,
        sql,
        source=source,
        environment=env,
        confirm=confirm,
        settings=settings,
        cleanup_invalid=True,
        target_label=env.name,
        lint=gate.to_dict(),
    )
    verdict = "applied" if result.ok else "FAILED"
    summary = f"rollback SQL {verdict} on {env.name}: {result.summary()}"
    runner.repo.record_step_result(
        runner.run_id,
        ROLLBACK,
        ROLLBACK,
        ok=result.ok,
        summary=summary,
        payload={
            "env": env.name,
            "statements": result.statement_count,
            "retries": result.retries,
            "lint": gate.to_dict(),
        },
        files={"rollback/apply.md": result.to_markdown(), "rollback/apply.json": result.to_json()},
        who=runner.who,
    )
    return StepRun(ROLLBACK, ROLLBACK, DONE if result.ok else FAILED, summary, env.name)


def _refresh_status(runner: Runner, step: Any) -> StepRun:
    """The guide: "when a rollback is needed, refresh the migration-status diff files"."""
    try:
        return runner._run_module(step, None)
    except UserError as exc:
        return StepRun(step.id, step.kind, FAILED, exc.message)


def manual_steps_text(runner: Runner, env: Environment, backup: dict[str, Any] | None,
                      sql: str) -> str:  # fmt: skip
    rb = runner.runbook.rollback
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## Rollback of {runner.runbook.id} on {env.name} — run {runner.run_id}", ""]
    lines += [f"Rolled back at {when} by {runner.who}.", ""]
    if rb.description:
        lines += [rb.description.strip(), ""]
    if backup:
        lines += [
            "### Backup",
            "",
            f"- file: `{backup.get('path')}`",
            f"- sha256: `{backup.get('sha256')}`",
            "- restore:",
            "",
            "```sh",
            str(backup.get("restore_command")),
            "```",
            "",
        ]
    else:
        lines += ["**No backup was recorded in this run.**", ""]
    if sql.strip():
        lines += ["### Rollback SQL (applied by phasetui)", "", "```sql", sql.strip(), "```", ""]
    if rb.steps:
        lines += ["### Manual steps", ""]
        lines += [f"{n}. {text}" for n, text in enumerate(rb.steps, 1)]
        lines.append("")
    return "\n".join(lines)


def _write_notes(
    runner: Runner, env: Environment, backup: dict[str, Any] | None, sql: str
) -> StepRun:
    from phasetui.audit.durable import write_atomically
    from phasetui.redaction import redact

    text = redact(manual_steps_text(runner, env, backup, sql))
    files: dict[str, str | bytes] = {"rollback/README.md": text}
    written = ""
    notes_file = runner.runbook.rollback.notes_file
    if notes_file:
        path = Path(notes_file)
        if not path.is_absolute():
            path = runner.runbook.path.parent / path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            old = path.read_text(encoding="utf-8") if path.exists() else ""
            joined = (old.rstrip() + "\n\n" if old.strip() else "") + text
            write_atomically(path, joined.encode("utf-8"))
            written = str(path)
        except OSError as exc:
            return StepRun(
                "rollback-notes",
                ROLLBACK,
                FAILED,
                f"could not write {path}: {exc.strerror}",
                env.name,
            )
    summary = "manual steps written to the run" + (f" and to {written}" if written else "")
    runner.repo.record_step_result(
        runner.run_id,
        "rollback-notes",
        "rollback-notes",
        ok=True,
        summary=summary,
        payload={"notes_file": written or None, "env": env.name},
        files=files,
        who=runner.who,
    )
    return StepRun("rollback-notes", ROLLBACK, DONE, summary, env.name)


__all__ = ["RollbackReport", "recorded_backup", "rollback_sql", "run_rollback"]
