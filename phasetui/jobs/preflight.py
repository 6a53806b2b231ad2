"""The runner's questions, found before a job detaches: a worker has no terminal to ask.

:func:`questions` walks the same gates the runner will (closed run, read-only, already done,
production without a rehearsal, production's name, a contract step's unmet verifies, lint
errors) and lists what the starting face must ask. The face asks them (or takes the flags
that answer them) and passes the answers to the worker as flags. A gate no answer passes
(a closed run, a read-only environment, a manual check) is a UserError here: nothing starts.

One question cannot be foreseen: a sql step's rehearsal runs in the worker, and a failed one
asks "apply anyway?" there — answered only by a ``--yes`` given at the start.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from phasetui.errors import UserError
from phasetui.jobs.model import Answers

CONFIRM, PRODUCTION, REASON = "confirm", "production", "reason"


@dataclass(frozen=True)
class Question:
    kind: str  # confirm (yes/no) / production (the env's name typed back) / reason (written)
    text: str
    env: str = ""
    action: str = ""


def questions(runner: Any, step_id: str) -> list[Question]:
    """What the runner would ask while running ``step_id`` (a
    :class:`phasetui.ops.runner.Runner`), in the order it asks."""
    from phasetui.ops.runner import WRITES

    step = runner.runbook.step(step_id)
    if step is None:
        known = ", ".join(s.id for s in runner.runbook.steps()) or "none"
        raise UserError(f"runbook {runner.runbook.id!r} has no step {step_id!r}", f"steps: {known}")
    if step.kind == "check":
        raise UserError(
            f"{step_id} is a manual check: nothing for a detached worker to do",
            f"confirm it here: phasetui step run {runner.runbook.path} {step_id} --yes",
        )
    state = runner.state()
    if state.closed:
        raise UserError(
            f"run {runner.run_id} is closed ({state.outcome}); no job starts in it",
            "start a new run: phasetui run RUNBOOK --new --env NAME",
        )
    env = runner.environment_of(step)
    out: list[Question] = []
    previous = runner.done_result(step, state)
    if previous is not None:
        out.append(
            Question(
                CONFIRM,
                f"{step.id} already succeeded in this run: {previous.summary} "
                f"(at {previous.time} by {previous.who}). Run it again?",
            )
        )
    staged = runner.staging_result(step)
    if staged is not None and (staged[1] is None or not staged[1].ok):
        where = f"in the rehearsal run {staged[0]}" if staged[0] else "in any staging run"
        out.append(
            Question(
                CONFIRM,
                f"{step.id} never succeeded {where}. Go on in production without a rehearsal?",
            )
        )
    if env is not None and step.kind in WRITES:
        if env.read_only:
            raise UserError(
                f"{env.name} is read_only = true: phasetui never writes there; no job started",
                "run the step on an environment that may be written",
            )
        if env.production:
            action = (
                f"run the backfill {step.id}" if step.kind == "backfill" else f"apply {step.id}"
            )
            out.append(Question(PRODUCTION, f"{env.name} is PRODUCTION", env.name, action))
    if step.kind == "sql" and env is not None:
        out += _sql_questions(runner, step, env)
    return out


def _sql_questions(runner: Any, step: Any, env: Any) -> list[Question]:
    from phasetui.ops.sql_step import SqlStep

    out = []
    sql_step = SqlStep(runner.runbook, step, env)
    sql_step.check_ceiling()
    if sql_step.phase == "contract":
        unmet = runner.unmet_verifies(step, env)
        if unmet:
            out.append(
                Question(
                    REASON,
                    f"the contract step {step.id} needs every verify before it to hold on "
                    f"{env.name}: {'; '.join(unmet)}. Override with a written reason?",
                )
            )
    report = sql_step.lint(connect=not runner.options.offline)
    if report.errors:
        rules = ", ".join(sorted({f.rule for f in report.errors}))
        out.append(
            Question(
                REASON,
                f"lint found {len(report.errors)} error(s) in {step.id} ({rules}). "
                "Apply anyway? Give the written reason",
            )
        )
    return out


def ask_before_detaching(runner: Any, step_id: str, given: Answers) -> Answers:
    """Asks ``runner.operator`` (a CLI prompt, a TUI dialog) each question that ``given``
    does not answer yet; returns the answers for the worker. UserError naming the flag when
    one stays unanswered: then no job starts."""
    from phasetui.ops.sql_step import acceptable_reason

    op = runner.operator
    answers = given
    for q in questions(runner, step_id):
        if q.kind == CONFIRM:
            if not (answers.yes or op.confirm(q.text)):
                raise UserError(
                    f"no job started: {q.text} (not answered yes)",
                    "answer it on a terminal, or add --yes",
                )
            answers = replace(answers, yes=True)
        elif q.kind == PRODUCTION:
            typed = answers.production or op.confirm_production(q.env, q.action)
            if typed != q.env:
                raise UserError(
                    f"{q.env} is production: type its name to {q.action}; no job started",
                    f"on a terminal type {q.env}, or add --yes-i-mean-production {q.env}",
                )
            answers = replace(answers, production=typed)
        elif not acceptable_reason(answers.override):
            reason = op.reason(q.text)
            if not acceptable_reason(reason):
                raise UserError(
                    f"no job started: {q.text} (no written reason of 10+ characters)",
                    "give --override 'why it is safe'",
                )
            answers = replace(answers, override=reason)
    return answers
