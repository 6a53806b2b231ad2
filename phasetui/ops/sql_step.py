"""A runbook ``sql`` step, end to end: lint for its phase, rehearse, apply, and record each.

The TUI and ``phasetui step`` call the same functions, so what a DBA does on screen and
what a script does headless leave the same evidence in the audit repo:
``lint/<step>.md``, ``rehearsal/<step>.md`` and ``apply/<step>.md`` (with ``.json`` beside
each), and one event each whose ``ok`` feeds the checklist item naming the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasetui.audit.events import Event
from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.db.environments import Environment, resolve_dsn
from phasetui.errors import UserError
from phasetui.runbook.model import Runbook, Step

if TYPE_CHECKING:  # pragma: no cover
    from phasetui.db.apply import ApplyResult
    from phasetui.db.rehearse import RehearsalResult
    from phasetui.db.session import ExecSettings
    from phasetui.sql.findings import LintReport

LINT_PHASES = {"expand": "expand", "backfill": "backfill", "contract": "contract"}


@dataclass(frozen=True)
class SqlStep:
    runbook: Runbook
    step: Step

    @classmethod
    def of(cls, runbook: Runbook, step_id: str) -> SqlStep:
        return cls(runbook, runbook.step_of_kind(step_id, "sql"))

    @property
    def source_name(self) -> str:
        return str(self.step.params.get("file") or f"{self.runbook.path.name}#{self.step.id}")

    def sql(self) -> str:
        """The step's SQL: inline, or its file relative to the runbook's folder."""
        if "sql" in self.step.params:
            return str(self.step.params["sql"])
        path = Path(self.step.params["file"])
        if not path.is_absolute():
            path = self.runbook.path.parent / path
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(
                f"step {self.step.id}: cannot read {path}: {exc.strerror}",
                f"fix `file` at {self.runbook.path}:{self.step.line}",
            ) from None

    @property
    def phase(self) -> str:
        """The lint phase: the kind of the phase holding the step (else ``any``)."""
        for phase in self.runbook.phases:
            if phase.id == self.step.phase:
                return LINT_PHASES.get(phase.kind, "any")
        return "any"

    @property
    def environment(self) -> Environment:
        env = self.runbook.environments.get(self.step.env or "")
        if env is None:
            raise UserError(f"step {self.step.id} names no known environment")
        return env

    def dsn(self) -> str:
        return resolve_dsn(self.environment)

    def settings(self) -> ExecSettings:
        from phasetui.db.session import ExecSettings, parse_duration

        params = self.step.params
        changes: dict[str, Any] = {}
        for key in ("lock_timeout", "statement_timeout"):
            if key in params:
                changes[key] = parse_duration(params[key], what=key)
        if "retries" in params:
            changes["retries"] = int(params["retries"])
        return ExecSettings(**changes)

    def rehearsal_environment(self) -> Environment:
        """The step's own environment where rehearsal is allowed there; else the first
        non-production environment that allows it (production is rehearsed on staging)."""
        env = self.environment
        if not env.production or env.rehearsal_allowed:
            return env
        for other in self.runbook.environments.values():
            if other.rehearsal_allowed and not other.production:
                return other
        return env

    # -- the three actions ------------------------------------------------------------

    def lint(self, *, connect: bool = True) -> LintReport:
        """Lints for the step's phase, with ``phasetui.toml``'s ``[lint]`` settings; with
        ``connect``, against the target's catalog facts."""
        from phasetui.config import load_config
        from phasetui.sql.lint import LintOptions, lint_text

        options = LintOptions.from_config(
            load_config().section("lint"),
            phase=self.phase,
            pg_version=self.step.params.get("pg_version") or self.runbook.pg_version,
            dsn=self.dsn() if connect else None,
        )
        # phasetui's own apply runs the step, statement by statement (its BEGIN … COMMIT
        # kept): a team's `wrapped = true` for its runner's files does not describe that.
        options.wrapped = False
        return lint_text(self.sql(), self.source_name, options)

    def rehearse(self) -> RehearsalResult:
        from phasetui.db.rehearse import rehearse_sql

        env = self.rehearsal_environment()
        return rehearse_sql(
            resolve_dsn(env),
            self.sql(),
            source=self.source_name,
            environment=env,
            settings=self.settings(),
            target_label=env.name,
        )

    def apply(self, *, confirm: str | None, cleanup_invalid: bool = True) -> ApplyResult:
        from phasetui.db.apply import apply_sql

        return apply_sql(
            self.dsn(),
            self.sql(),
            source=self.source_name,
            environment=self.environment,
            confirm=confirm,
            settings=self.settings(),
            cleanup_invalid=cleanup_invalid,
            target_label=self.environment.name,
        )

    # -- evidence ---------------------------------------------------------------------

    def record_lint(
        self, repo: AuditRepo, run_id: str, report: LintReport, who: Person, override: str = ""
    ) -> Event:
        errors, warnings = len(report.errors), len(report.warnings)
        summary = f"{errors} errors, {warnings} warnings ({report.phase}, PG {report.pg_version})"
        payload: dict[str, Any] = {
            "errors": errors,
            "warnings": warnings,
            "phase": report.phase,
            "rules": sorted({f.rule for f in report.findings}),
        }
        if override:
            payload["override"] = override
            summary += f"; overridden: {override}"
        return repo.record_step_result(
            run_id,
            self.step.id,
            "lint",
            ok=errors == 0 or bool(override),
            summary=summary,
            payload=payload,
            who=who,
            files={
                f"lint/{self.step.id}.md": report.to_markdown(),
                f"lint/{self.step.id}.json": report.to_json() + "\n",
            },
        )

    def record_rehearsal(
        self, repo: AuditRepo, run_id: str, result: RehearsalResult, who: Person
    ) -> Event:
        statements = len(result.statements)
        rewrites = sum(1 for s in result.statements if s.rewritten)
        env = result.target or self.environment.name
        summary = (
            f"{statements} statements on {env}, "
            f"{'passed' if result.passed else 'FAILED'}, {rewrites} rewrites"
        )
        return repo.record_step_result(
            run_id,
            self.step.id,
            "rehearsal",
            ok=result.passed,
            summary=summary,
            payload={
                "statements": statements,
                "rewrites": rewrites,
                "environment": env,
            },
            who=who,
            files={
                f"rehearsal/{self.step.id}.md": result.to_markdown(),
                f"rehearsal/{self.step.id}.json": result.to_json() + "\n",
            },
        )

    def record_apply(self, repo: AuditRepo, run_id: str, result: ApplyResult, who: Person) -> Event:
        tries = sum(len(s.attempts) for s in result.steps)
        failed = result.failed_step
        summary = (
            f"applied on {self.environment.name} in {len(result.steps)} units, {tries} tries"
            if result.ok
            else f"FAILED on {self.environment.name}: {failed.error if failed else '?'}"
        )
        return repo.record_step_result(
            run_id,
            self.step.id,
            "apply",
            ok=result.ok,
            summary=summary[:300],
            payload={
                "units": len(result.steps),
                "tries": tries,
                "environment": self.environment.name,
            },
            who=who,
            files={
                f"apply/{self.step.id}.md": result.to_markdown(),
                f"apply/{self.step.id}.json": result.to_json() + "\n",
            },
        )


def apply_gate(report: LintReport, override: str) -> None:
    """Apply waits for a clean lint, or for a typed reason that goes into the journal."""
    if report.errors and not override.strip():
        rules = ", ".join(sorted({f.rule for f in report.errors}))
        raise UserError(
            f"lint found {len(report.errors)} error(s) ({rules}); nothing was applied",
            'fix the SQL, or override with a reason (--override "why this is safe"), '
            "which is recorded in the audit journal",
        )
