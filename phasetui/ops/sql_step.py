"""A runbook ``sql`` step, end to end: lint for its phase, rehearse, apply, and record each.

The TUI and ``phasetui step`` call the same functions, so what a DBA does on screen and
what a script does headless leave the same evidence in the audit repo:
``lint/<step>.md``, ``rehearsal/<step>.md`` and ``apply/<step>.md`` (with ``.json`` beside
each), and one event each whose ``ok`` feeds the checklist item naming the step.

:func:`apply_gate` is the one lint gate of every apply (``phasetui apply``, ``phasetui step
apply``, the TUI): lint errors stop it unless a written reason overrides them, and the
reason travels into the apply's evidence and the journal.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
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
# An override reason must tell a reviewer something: "ok" or "x" is not a reason.
MIN_REASON = 10


@dataclass(frozen=True)
class LintGate:
    """The lint verdict an apply went ahead on: what lint found, and why it was overridden."""

    phase: str
    errors: int
    warnings: int
    rules: tuple[str, ...]  # the rules with errors
    override: str = ""  # the reason, when errors were overridden
    catalog: str | None = None  # whose catalog facts the lint used (redacted label)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rules"] = list(self.rules)
        d["override"] = self.override or None
        return d


def override_reason(text: str | None) -> str:
    """The reason as recorded: whitespace folded; empty when none was given."""
    return " ".join((text or "").split())


def acceptable_reason(text: str | None) -> bool:
    return len(override_reason(text)) >= MIN_REASON


def apply_gate(report: LintReport, override: str | None = "") -> LintGate:
    """Apply waits for a clean lint, or for a written reason that goes into the evidence and
    the journal; UserError (nothing applied) otherwise."""
    rules = tuple(sorted({f.rule for f in report.errors}))
    gate = LintGate(
        phase=report.phase,
        errors=len(report.errors),
        warnings=len(report.warnings),
        rules=rules,
        catalog=report.catalog,
    )
    if not report.errors:
        return gate
    reason = override_reason(override)
    if not reason:
        raise UserError(
            f"lint found {len(report.errors)} error(s) ({', '.join(rules)}); nothing was applied",
            'fix the SQL, or override with a reason (--override "why this is safe"), '
            "which is recorded in the evidence and the audit journal",
        )
    if len(reason) < MIN_REASON:
        raise UserError(
            f"the override reason {reason!r} does not say why applying despite "
            f"{len(report.errors)} lint error(s) ({', '.join(rules)}) is safe; nothing was "
            "applied",
            f"write the reason a reviewer needs, at least {MIN_REASON} characters "
            '(e.g. --override "table has 40 rows, verified on staging")',
        )
    return LintGate(
        phase=gate.phase,
        errors=gate.errors,
        warnings=gate.warnings,
        rules=rules,
        override=reason,
        catalog=gate.catalog,
    )


def gate_and_record(
    repo: AuditRepo,
    run_id: str,
    step_id: str,
    report: LintReport,
    who: Person,
    override: str | None,
) -> LintGate:
    """The gate, with the lint recorded either way: refused (not ok, no override) or passed
    (ok, with the override reason when there were errors). Raises when refused."""
    try:
        gate = apply_gate(report, override)
    except UserError:
        record_lint(repo, run_id, step_id, report, who)
        raise
    record_lint(repo, run_id, step_id, report, who, gate.override)
    return gate


def lint_sql(
    sql: str,
    source: str,
    *,
    phase: str | None = None,
    dsn: str | None = None,
    pg_version: int | None = None,
) -> LintReport:
    """Lints ``sql`` as phasetui's apply runs it, with ``phasetui.toml``'s ``[lint]``
    settings (``phase`` None: its ``phase``, else any); with ``dsn``, on the target's
    catalog facts."""
    from phasetui.config import load_config
    from phasetui.sql.lint import LintOptions, lint_text

    options = LintOptions.from_config(
        load_config().section("lint"), phase=phase, pg_version=pg_version, dsn=dsn
    )
    # phasetui's own apply runs the file statement by statement (its BEGIN … COMMIT kept):
    # a team's `wrapped = true` for its runner's files does not describe that.
    options.wrapped = False
    return lint_text(sql, source, options)


def record_lint(
    repo: AuditRepo,
    run_id: str,
    step_id: str,
    report: LintReport,
    who: Person,
    override: str = "",
) -> Event:
    """lint/<step>.md and .json, and one event; an acceptable override makes it ok."""
    errors, warnings = len(report.errors), len(report.warnings)
    summary = f"{errors} errors, {warnings} warnings ({report.phase}, PG {report.pg_version})"
    payload: dict[str, Any] = {
        "errors": errors,
        "warnings": warnings,
        "phase": report.phase,
        "rules": sorted({f.rule for f in report.findings}),
    }
    reason = override_reason(override) if errors and acceptable_reason(override) else ""
    if reason:
        payload["override"] = reason
        summary += f"; overridden: {reason}"
    return repo.record_step_result(
        run_id,
        step_id,
        "lint",
        ok=errors == 0 or bool(reason),
        summary=summary,
        payload=payload,
        who=who,
        files={
            f"lint/{step_id}.md": report.to_markdown(),
            f"lint/{step_id}.json": report.to_json() + "\n",
        },
    )


def record_apply(
    repo: AuditRepo,
    run_id: str,
    step_id: str,
    environment: str,
    result: ApplyResult,
    who: Person,
    after_failed_rehearsal: str = "",
) -> Event:
    """apply/<step>.md and .json, and one event: "N statements, M retries", the override
    reason, and a failed rehearsal the DBA applied after."""
    if result.ok:  # "applied on production: 3 statements, 1 retry"
        summary = f"applied on {environment}: {result.summary().removeprefix('applied ')}"
    else:
        summary = f"FAILED on {environment}: {result.summary()}"
    payload: dict[str, Any] = {
        "statements": result.statement_count,
        "retries": result.retries,
        "units": len(result.steps),
        "environment": environment,
        "outcome": result.outcome(),
    }
    if result.override:
        payload["override"] = result.override
        summary += f"; lint overridden: {result.override}"
    if after_failed_rehearsal:
        payload["after_failed_rehearsal"] = after_failed_rehearsal
    return repo.record_step_result(
        run_id,
        step_id,
        "apply",
        ok=result.ok,
        summary=summary[:300],
        payload=payload,
        who=who,
        files={
            f"apply/{step_id}.md": result.to_markdown(),
            f"apply/{step_id}.json": result.to_json() + "\n",
        },
    )


def latest_rehearsal_failure(repo: AuditRepo, run_id: str, step_id: str) -> str | None:
    """Why the latest rehearsal of ``step_id`` in the run failed; None when it passed or
    none was recorded."""
    for event in reversed(repo.events(run_id)):
        if event.kind == "rehearsal" and event.payload.get("step") == step_id:
            if event.payload.get("ok", True):
                return None
            return str(event.payload.get("failure") or event.payload.get("summary") or "")
    return None


@dataclass(frozen=True)
class SqlStep:
    runbook: Runbook
    step: Step
    # The run's target, for a step that names no environment of its own.
    target: Environment | None = None

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
        if not self.step.env and self.target is not None:
            return self.target
        env = self.runbook.environments.get(self.step.env or "")
        if env is None and self.step.env:
            from phasetui.db.targets import config_environments

            env = config_environments().get(self.step.env)
        if env is None:
            known = ", ".join(self.runbook.environments) or "none"
            if self.step.env:
                raise UserError(
                    f"step {self.step.id} names environment {self.step.env!r}, which is not "
                    "defined",
                    f"known: {known} (the runbook's [environments] or phasetui.toml)",
                )
            raise UserError(
                f"step {self.step.id} names no environment and the run has no target",
                "open the run for one: phasetui run RUNBOOK --env NAME (" + known + ")",
            )
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
        non-production environment that allows it (for `phasetui step rehearse` only: in a
        production run the staging run's own rehearsal and apply are the evidence, since a
        rehearsal on staging of a later step needs the earlier steps applied there)."""
        env = self.environment
        if not env.production or env.rehearsal_allowed:
            return env
        for other in self.runbook.environments.values():
            if other.rehearsal_allowed and not other.production:
                return other
        return env

    def can_rehearse_on_target(self) -> bool:
        env = self.environment
        return not env.read_only and (not env.production or env.rehearsal_allowed)

    def rehearse_on(self, env: Environment) -> RehearsalResult:
        from phasetui.db.rehearse import rehearse_sql

        return rehearse_sql(
            resolve_dsn(env),
            self.sql(),
            source=self.source_name,
            environment=env,
            settings=self.settings(),
            target_label=env.name,
        )

    # -- the three actions ------------------------------------------------------------

    def lint(self, *, connect: bool = True) -> LintReport:
        """Lints for the step's phase, with ``phasetui.toml``'s ``[lint]`` settings; with
        ``connect``, against the target's catalog facts."""
        return lint_sql(
            self.sql(),
            self.source_name,
            phase=self.phase,
            dsn=self.dsn() if connect else None,
            pg_version=self.step.params.get("pg_version") or self.runbook.pg_version,
        )

    def check_ceiling(self) -> None:
        """Refuses (UserError) SQL that would lift the step's timeouts: before any prompt."""
        from phasetui.db.statements import check_sql_ceiling

        settings = self.settings()
        check_sql_ceiling(
            self.sql(),
            source=self.source_name,
            lock_timeout=settings.lock_timeout,
            statement_timeout=settings.statement_timeout,
            verb="apply",
            runbook=True,
        )

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

    def apply(
        self, *, confirm: str | None, cleanup_invalid: bool = True, gate: LintGate | None = None
    ) -> ApplyResult:
        """Applies the step; ``gate`` (from :func:`apply_gate`) goes into the evidence."""
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
            lint=gate.to_dict() if gate else None,
        )

    # -- evidence ---------------------------------------------------------------------

    def record_lint(
        self, repo: AuditRepo, run_id: str, report: LintReport, who: Person, override: str = ""
    ) -> Event:
        return record_lint(repo, run_id, self.step.id, report, who, override)

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
                "failure": rehearsal_failure(result),
            },
            who=who,
            files={
                f"rehearsal/{self.step.id}.md": result.to_markdown(),
                f"rehearsal/{self.step.id}.json": result.to_json() + "\n",
            },
        )

    def record_apply(
        self,
        repo: AuditRepo,
        run_id: str,
        result: ApplyResult,
        who: Person,
        after_failed_rehearsal: str = "",
    ) -> Event:
        return record_apply(
            repo,
            run_id,
            self.step.id,
            self.environment.name,
            result,
            who,
            after_failed_rehearsal,
        )


def rehearsal_failure(result: RehearsalResult) -> str | None:
    """``#3 (line 7): relation "x" does not exist``: the first statement that failed."""
    if result.passed:
        return None
    for s in result.statements:
        if s.status in ("failed", "not-run"):
            return f"#{s.index} (line {s.line}): {s.reason or s.status}"
    return "a statement failed"
