"""The one way a runbook step runs, for every face (``step run``, ``run --headless``, the TUI).

For one step the runner: resolves its environment (its own ``env``, else the run's target),
says so when it already succeeded and asks before doing it again, applies the gates (read-only,
production's name typed back, lint errors, verify before contract, a failed rehearsal), runs
the step kind, and records what it produced — evidence files under names that never overwrite
an earlier attempt, one journal event, one commit. A face only shows progress and answers the
:class:`~phasetui.ops.operator.Operator`'s questions.

A step that stops at a gate records nothing it did not do: ``gated`` means nothing ran.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasetui.errors import BadInput, UserError
from phasetui.ops.operator import Operator
from phasetui.ops.outcome import StepContext, StepOutcome

if TYPE_CHECKING:  # pragma: no cover
    from phasetui.audit.identity import Person
    from phasetui.audit.repo import AuditRepo
    from phasetui.audit.run_state import RunState, StepResult
    from phasetui.db.environments import Environment
    from phasetui.runbook.model import Runbook, Step

# The event kind whose ok result means "this step is done".
DONE_KIND = {
    "sql": "apply",
    "backfill": "backfill",
    "schema-diff": "schema-diff",
    "check": "check",
    "verify": "verify",
    "migration-status": "migration-status",
    "backup": "backup",
    "drift": "drift",
    "shell": "shell",
    "report": "report",
}
# Step kinds run by a module's ``run_step(ctx) -> StepOutcome``.
KIND_MODULES = {
    "verify": "phasetui.ops.verify",
    "migration-status": "phasetui.ops.status",
    "backup": "phasetui.ops.backup",
    "drift": "phasetui.ops.drift",
    "shell": "phasetui.ops.shell",
    "report": "phasetui.ops.report_step",
}
# Kinds that change the target database: refused on a read-only environment, and production
# asks for its name typed back.
WRITES = frozenset({"sql", "backfill"})
# Kinds with one environment (their own or the run's); the others name theirs in `envs`.
ONE_ENV = frozenset({"sql", "backfill", "verify", "backup", "shell"})

DONE, FAILED, GATED, NEEDS_YOU, SKIPPED, STOPPED = (
    "done",
    "failed",
    "gated",
    "needs-you",
    "skipped",
    "stopped",
)


@dataclass
class StepRun:
    """What happened to one step in this call: ``done`` (ran and holds), ``failed`` (ran, or
    could not run, and did not succeed), ``gated`` (a gate refused: nothing ran),
    ``needs-you`` (a person must act: a manual check), ``skipped`` (already done and not
    run again), ``stopped`` (stopped on request; resumable)."""

    step_id: str
    kind: str
    status: str
    detail: str = ""
    env: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status in (DONE, SKIPPED)

    def line(self) -> str:
        where = f" on {self.env}" if self.env else ""
        return f"{self.step_id} ({self.kind}{where}): {self.status} — {self.detail}"


@dataclass
class RunnerOptions:
    offline: bool = False  # lint without reading the target's catalog
    restart: bool = False  # backfill: forget the checkpoint
    reviewed: bool = True  # schema-diff: the operator has seen the diff (TUI: `v`)


class Runner:
    """Runs the steps of ``runbook`` in run ``run_id`` of ``repo`` on behalf of ``who``."""

    def __init__(
        self,
        runbook: Runbook,
        repo: AuditRepo,
        run_id: str,
        who: Person,
        operator: Operator | None = None,
        options: RunnerOptions | None = None,
    ) -> None:
        self.runbook = runbook
        self.repo = repo
        self.run_id = run_id
        self.who = who
        self.operator = operator or Operator()
        self.options = options or RunnerOptions()
        self._environments: dict[str, Environment] | None = None

    # -- environments -----------------------------------------------------------------

    @property
    def environments(self) -> dict[str, Environment]:
        """Every environment a step may name: phasetui.toml's, then the runbook's."""
        if self._environments is None:
            from phasetui.db.targets import config_environments

            found = dict(config_environments())
            found.update(self.runbook.environments)
            self._environments = found
        return self._environments

    def state(self) -> RunState:
        return self.repo.state(self.run_id)

    @property
    def target(self) -> str:
        return self.state().target

    def environment(self, name: str) -> Environment:
        env = self.environments.get(name)
        if env is None:
            known = ", ".join(sorted(self.environments)) or "none"
            raise UserError(
                f"no environment {name!r}",
                f"known environments: {known} (the runbook's [environments] or phasetui.toml)",
            )
        return env

    def environment_of(self, step: Step) -> Environment | None:
        """The step's own environment, else the run's target; None for a kind that names
        its environments in ``envs`` (or needs none)."""
        if step.kind not in ONE_ENV:
            return self.environment(step.env) if step.env else None
        name = step.env or self.target
        if not name:
            known = ", ".join(sorted(self.environments)) or "none"
            raise UserError(
                f"step {step.id} names no environment and run {self.run_id} has no target",
                f"start a run for one: phasetui run {self.runbook.path.name} --env NAME "
                f'({known}), or add env = "…" to the step',
            )
        return self.environment(name)

    # -- what is recorded ---------------------------------------------------------------

    def done_result(self, step: Step, state: RunState | None = None) -> StepResult | None:
        """The latest result of the step's done kind, when it is ok."""
        state = state or self.state()
        result = state.latest(step.id, [DONE_KIND.get(step.kind, step.kind)])
        return result if result is not None and result.ok else None

    def rehearsal_run(self) -> str | None:
        """The latest run of this runbook on a non-production environment that can be
        written (a read-only one applies nothing): in a production run, the evidence that
        each step was rehearsed."""
        best: tuple[str, str] | None = None
        for summary in self.repo.runs():
            if summary.run_id == self.run_id or summary.runbook_id != self.runbook.id:
                continue
            env = self.environments.get(summary.target)
            if env is None or env.production or env.read_only:
                continue
            if best is None or summary.run_id > best[0]:
                best = (summary.run_id, summary.target)
        return best[0] if best else None

    def staging_result(self, step: Step) -> tuple[str, StepResult | None] | None:
        """(rehearsal run id, the step's done result there) in a production run; else None."""
        target = self.environments.get(self.target)
        if target is None or not target.production:
            return None
        run = self.rehearsal_run()
        if run is None:
            return ("", None)
        state = self.repo.state(run)
        result = state.latest(step.id, [DONE_KIND.get(step.kind, step.kind)])
        return (run, result)

    # -- running --------------------------------------------------------------------------

    def run_all(self, until: str | None = None, only: Iterable[str] | None = None) -> list[StepRun]:
        """Runs the steps in order (already done ones are skipped without asking) and stops
        at the first that is not done, or after ``until``."""
        if until is not None and self.runbook.step(until) is None:
            known = ", ".join(s.id for s in self.runbook.steps())
            raise BadInput(f"--until {until!r}: no such step", f"steps: {known}")
        wanted = set(only) if only is not None else None
        out: list[StepRun] = []
        for step in self.runbook.steps():
            if wanted is not None and step.id not in wanted:
                continue
            if self.done_result(step) is not None:
                out.append(StepRun(step.id, step.kind, SKIPPED, "already done in this run"))
            else:
                out.append(self.run_step(step.id, ask_again=False))
                if not out[-1].finished:
                    break
            if self.operator.stop.is_set() or step.id == until:
                break
        return out

    def run_step(self, step_id: str, *, ask_again: bool = True) -> StepRun:
        """Runs one step through every gate; never raises UserError (it becomes the StepRun's
        detail, and a failed attempt is recorded when the step got as far as running)."""
        step = self.runbook.step(step_id)
        if step is None:
            known = ", ".join(s.id for s in self.runbook.steps()) or "none"
            raise UserError(
                f"runbook {self.runbook.id!r} has no step {step_id!r}", f"steps: {known}"
            )
        try:
            return self._run(step, ask_again)
        except UserError as exc:
            detail = exc.message + (f" (fix: {exc.hint})" if exc.hint else "")
            return StepRun(step.id, step.kind, FAILED, detail)

    def _run(self, step: Step, ask_again: bool) -> StepRun:
        state = self.state()
        if state.closed:
            return StepRun(
                step.id,
                step.kind,
                GATED,
                f"run {self.run_id} is closed ({state.outcome}); start a new run",
            )
        env = self.environment_of(step)
        env_name = env.name if env else ""
        previous = self.done_result(step, state)
        if previous is not None and ask_again:
            question = (
                f"{step.id} already succeeded in this run: {previous.summary} "
                f"(at {previous.time} by {previous.who}). Run it again?"
            )
            if not self.operator.confirm(question):
                return StepRun(
                    step.id, step.kind, SKIPPED, f"already done: {previous.summary}", env_name
                )
        staged = self.staging_result(step)
        if staged is not None:
            run, result = staged
            if result is None or not result.ok:
                where = f"in the rehearsal run {run}" if run else "in any staging run"
                question = (
                    f"{step.id} never succeeded {where}. Go on in production without a rehearsal?"
                )
                if not self.operator.confirm(question):
                    return StepRun(
                        step.id,
                        step.kind,
                        GATED,
                        f"not rehearsed: it never succeeded {where}; run it on staging first, "
                        "or answer yes",
                        env_name,
                    )
            else:
                self.operator.inform(
                    f"{step.id}: in the staging run {run}: {result.summary} ({result.time})"
                )
        if env is not None and step.kind in WRITES:
            gate = self._write_gate(step, env)
            if gate is not None:
                return gate
        handler = getattr(self, "_run_" + step.kind.replace("-", "_"), None)
        if handler is not None:
            return handler(step, env)
        return self._run_module(step, env)

    def _write_gate(self, step: Step, env: Environment) -> StepRun | None:
        if env.read_only:
            return StepRun(
                step.id,
                step.kind,
                GATED,
                f"{env.name} is read_only = true: phasetui never writes there",
                env.name,
            )
        return None

    def _production_confirmed(self, step: Step, env: Environment, action: str) -> str | None:
        """Production's name typed back, or None (not production: nothing to type)."""
        if not env.production:
            return None
        typed = self.operator.confirm_production(env.name, action)
        if typed != env.name:
            raise _Gated(
                f"{env.name} is production: type its name to {action} "
                "(headless: --yes-i-mean-production " + env.name + ")"
            )
        return typed

    # -- kinds the runner runs itself ------------------------------------------------------

    def _record(self, step: Step, outcome: StepOutcome, env_name: str) -> StepRun:
        figures = dict(outcome.figures)
        if env_name:
            figures.setdefault("env", env_name)
        event = self.repo.record_step_result(
            self.run_id,
            step.id,
            outcome.kind,
            ok=outcome.ok,
            summary=outcome.summary,
            payload=figures,
            files=outcome.files,
            who=self.who,
        )
        files = event.payload.get("files") or []
        detail = outcome.summary + (f" → {', '.join(files)}" if files else "")
        return StepRun(
            step.id, step.kind, DONE if outcome.ok else FAILED, detail, env_name, figures
        )

    def _context(self, step: Step, env: Environment | None) -> StepContext:
        from phasetui.config import load_config

        return StepContext(
            step=step,
            runbook=self.runbook,
            target=env,
            environments=self.environments,
            run_id=self.run_id,
            run_dir=self.repo.run_dir(self.run_id),
            progress=self.operator.progress,
            stop=self.operator.stop,
            config=load_config(),
        )

    def _run_module(self, step: Step, env: Environment | None) -> StepRun:
        module_name = KIND_MODULES.get(step.kind)
        if module_name is None:
            raise UserError(f"step {step.id}: phasetui cannot run a {step.kind} step")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            raise UserError(f"step {step.id}: {step.kind} steps are not built yet") from None
        env_name = env.name if env else ",".join(step.params.get("envs", []))
        try:
            outcome = module.run_step(self._context(step, env))
        except UserError as exc:
            self._record_failure(step, exc, env_name)
            raise
        return self._record(step, outcome, env_name)

    def _record_failure(self, step: Step, exc: UserError, env_name: str) -> None:
        """A step that started and could not finish leaves a failed attempt in the run."""
        kind = DONE_KIND.get(step.kind, step.kind)
        self.repo.record_step_result(
            self.run_id,
            step.id,
            kind,
            ok=False,
            summary=exc.message[:200],
            payload={"error": exc.message, "fix": exc.hint, "env": env_name},
            who=self.who,
        )

    def _run_check(self, step: Step, env: Environment | None) -> StepRun:
        text = step.params.get("instructions") or step.label
        if not self.operator.confirm(f"{step.label}: {text} — done?"):
            return StepRun(
                step.id,
                step.kind,
                NEEDS_YOU,
                f"a manual check: {text}; confirm it (TUI: enter; headless: --yes)",
            )
        outcome = StepOutcome("check", True, f"confirmed by {self.who.name}: {step.label}")
        return self._record(step, outcome, "")

    def _run_schema_diff(self, step: Step, env: Environment | None) -> StepRun:
        from phasetui.ops.schema_step import SchemaDiffStep

        diff_step = SchemaDiffStep(self.runbook, step)
        result = diff_step.capture()
        diff_step.record_capture(self.repo, self.run_id, result, self.who)
        sides = " vs ".join(diff_step.side_specs())
        if not self.options.reviewed and not self.operator.confirm(
            f"schema diff {sides}: {result.summary}. Mark it reviewed?"
        ):
            return StepRun(
                step.id,
                step.kind,
                NEEDS_YOU,
                f"captured ({result.summary}); review it and mark it reviewed",
                sides,
            )
        diff_step.record_review(self.repo, self.run_id, result, self.who)
        return StepRun(step.id, step.kind, DONE, f"reviewed: {result.summary}", sides)

    def _run_sql(self, step: Step, env: Environment | None) -> StepRun:
        from phasetui.ops.sql_step import SqlStep, acceptable_reason, gate_and_record

        assert env is not None
        sql_step = SqlStep(self.runbook, step, env)
        sql_step.check_ceiling()  # not overridable, before any question
        phase = sql_step.phase
        if phase == "contract":
            unmet = self.unmet_verifies(step, env)
            if unmet:
                why = "; ".join(unmet)
                reason = self.operator.reason(
                    f"the contract step {step.id} needs every verify before it to hold on "
                    f"{env.name}: {why}. Override with a written reason?"
                )
                if not acceptable_reason(reason):
                    return StepRun(
                        step.id,
                        step.kind,
                        GATED,
                        f"verify first: {why} (or override with a written reason)",
                        env.name,
                    )
                self.record_verify_override(step, unmet, reason or "")
        report = sql_step.lint(connect=not self.options.offline)
        override = ""
        if report.errors:
            rules = ", ".join(sorted({f.rule for f in report.errors}))
            override = (
                self.operator.reason(
                    f"lint found {len(report.errors)} error(s) in {step.id} ({rules}). "
                    "Apply anyway? Give the written reason"
                )
                or ""
            )
        try:
            gate = gate_and_record(self.repo, self.run_id, step.id, report, self.who, override)
        except UserError as exc:
            return StepRun(step.id, step.kind, GATED, exc.message, env.name)
        failed_rehearsal = ""
        if step.params.get("rehearse", True) and sql_step.can_rehearse_on_target():
            self.operator.progress(f"rehearsing {step.id} on {env.name}")
            rehearsal = sql_step.rehearse_on(env)
            sql_step.record_rehearsal(self.repo, self.run_id, rehearsal, self.who)
            from phasetui.ops.sql_step import rehearsal_failure

            failed_rehearsal = rehearsal_failure(rehearsal) or ""
        if failed_rehearsal and not self.operator.confirm(
            f"the rehearsal of {step.id} on {env.name} FAILED: {failed_rehearsal}. Apply anyway?"
        ):
            return StepRun(
                step.id,
                step.kind,
                GATED,
                f"rehearsal failed: {failed_rehearsal}; nothing was applied",
                env.name,
            )
        try:
            confirm = self._production_confirmed(step, env, f"apply {step.id}")
        except _Gated as gated:
            return StepRun(step.id, step.kind, GATED, str(gated), env.name)
        self.operator.progress(f"applying {step.id} on {env.name}")
        result = sql_step.apply(confirm=confirm, gate=gate)
        event = sql_step.record_apply(
            self.repo, self.run_id, result, self.who, after_failed_rehearsal=failed_rehearsal
        )
        status = DONE if result.ok else FAILED
        return StepRun(step.id, step.kind, status, str(event.payload.get("summary")), env.name)

    def record_verify_override(self, step: Step, unmet: list[str], reason: str) -> None:
        """The written reason a contract step went past its unmet verifies: one event, the
        same from every face (runner, `step apply`, the SQL screen)."""
        from phasetui.ops.sql_step import override_reason

        reason = override_reason(reason)
        self.repo.record(
            self.run_id,
            "verify-override",
            {"step": step.id, "unmet": unmet, "reason": reason},
            self.who,
            summary=f"verify gate of {step.id} overridden: {reason}"[:120],
        )

    def unmet_verifies(self, step: Step, env: Environment) -> list[str]:
        """The verify steps before ``step`` in its phase that do not hold on ``env`` in this
        run: the contract gate."""
        state = self.state()
        by_seq = {ev.seq: ev for ev in state.events}
        unmet = []
        for phase in self.runbook.phases:
            if phase.id != step.phase:
                continue
            for other in phase.steps:
                if other.id == step.id:
                    break
                if other.kind != "verify":
                    continue
                result = state.latest(other.id, ["verify"])
                if result is None:
                    unmet.append(f"{other.id} has not run")
                    continue
                ran_on = by_seq[result.seq].payload.get("env") if result.seq in by_seq else None
                if ran_on != env.name:
                    unmet.append(f"{other.id} last ran on {ran_on}, not {env.name}")
                elif not result.ok:
                    unmet.append(f"{other.id} does not hold: {result.summary}")
        return unmet

    def _run_backfill(self, step: Step, env: Environment | None) -> StepRun:
        from phasetui.backfill.spec import BackfillSpec
        from phasetui.db.environments import resolve_dsn
        from phasetui.ops.backfill_run import (
            check_step_id,
            check_write_allowed,
            run_backfill_job,
            step_destination,
        )

        assert env is not None
        check_step_id(step.id)
        spec = BackfillSpec.from_mapping({"name": f"{self.runbook.id}.{step.id}", **step.params})
        try:
            confirm = self._production_confirmed(step, env, f"run the backfill {step.id}")
        except _Gated as gated:
            return StepRun(step.id, step.kind, GATED, str(gated), env.name)
        check_write_allowed(env, confirm, "run a backfill")
        dsn = resolve_dsn(env)
        destination = step_destination(self.repo, self.run_id, step.id)
        progress = self.operator.progress
        from phasetui.ops.backfill_run import window_notice

        notice = window_notice(spec)
        if notice:
            self.operator.inform(f"{step.id}: {notice}")

        def on_progress(p: Any) -> None:
            progress(_backfill_line(p))
            self.operator.backfill_progress(p)

        result = run_backfill_job(
            dsn,
            spec,
            stop=self.operator.stop,
            restart=self.options.restart,
            on_lint=lambda w: progress(f"lint warning: {w}"),
            on_progress=on_progress,
            on_output=progress,
            on_external_progress=lambda d: progress(str(d.get("line") or d)),
        )
        destination.record(result, self.who)
        if result.state == "done":
            status = DONE
        elif result.state in ("stopped", "interrupted", "paused"):
            status = STOPPED
        else:
            status = FAILED
        detail = result.summary()
        if status == STOPPED:
            detail += "; run the step again to resume from its checkpoint"
        return StepRun(step.id, step.kind, status, detail, env.name, result.to_dict())


class _Gated(Exception):
    """A question was not answered: the step stops at its gate, nothing ran."""


def _backfill_line(p: Any) -> str:
    """One progress line from a backfill Progress: state, rows, rate, ETA, throttling."""
    parts = [p.state]
    total = f" of ~{p.rows_total_estimate:,}" if p.rows_total_estimate else ""
    parts.append(f"{p.rows_done:,} rows{total} ({p.fraction:.0%})")
    if p.rate_rows_per_second:
        parts.append(f"{p.rate_rows_per_second:,.0f} rows/s")
    if p.eta_seconds:
        from phasetui.units import human_duration

        parts.append(f"ETA {human_duration(p.eta_seconds)}")
    parts.append(f"batch {p.batch_size:,}")
    if p.throttle_reason:
        parts.append(f"throttled: {p.throttle_reason}")
    if p.last_error:
        parts.append(f"last error: {p.last_error}")
    return "backfill: " + ", ".join(parts)
