"""The ``verify`` step: queries that must hold before the contract phase drops or
constrains anything ("no user without preferences": ``count(*) … IS NULL`` = 0).

Each query runs on the step's environment in a READ ONLY transaction under the step's
``statement_timeout`` (30s unless set), so a verification can neither change data nor sit
on a big table for an hour. The step holds when every query's answer meets its ``expect``.
Reads only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from phasetui.errors import UserError
from phasetui.ops.outcome import StepContext, StepOutcome
from phasetui.runbook.expect import Expectation, parse_expect

DEFAULT_STATEMENT_TIMEOUT = "30s"


@dataclass(frozen=True)
class Check:
    name: str
    sql: str
    expect: Expectation


@dataclass
class CheckResult:
    name: str
    sql: str
    expect: str
    got: Any
    held: bool
    ms: float
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def checks_of(params: dict[str, Any]) -> list[Check]:
    """The step's queries: ``sql`` + ``expect``, or each of ``queries``."""
    if "queries" in params:
        raw = params["queries"]
    else:
        raw = [{"sql": params.get("sql", ""), "expect": params.get("expect")}]
    out = []
    for n, q in enumerate(raw, start=1):
        if q.get("expect") is None:
            raise UserError(f"query {n} has no `expect`", 'add e.g. expect = 0 or "no rows"')
        out.append(
            Check(str(q.get("name") or f"query {n}"), str(q["sql"]), parse_expect(q["expect"]))
        )
    return out


def _shown(seconds: float) -> str:
    return f"{seconds:g}s" if seconds < 60 else f"{seconds / 60:g}min"


def run_checks(
    env: str,
    dsn: str,
    checks: list[Check],
    statement_timeout: float,
    *,
    where: str = "",
    progress: Any = None,
    stop: Any = None,
) -> list[CheckResult]:
    """Runs each check on ``dsn`` (read-only, under ``statement_timeout`` seconds) and
    compares its answer with its expectation. A query that cannot run (a write, a timeout,
    a syntax error) is a UserError naming it: the check must be fixed, not counted as failed."""
    from phasetui.db.session import error_text
    from phasetui.ops.readonly import (
        QUERY_CANCELED,
        READ_ONLY_VIOLATION,
        is_db_error,
        one_statement,
        read,
        read_only_connection,
    )
    from phasetui.redaction import mask_error, mask_sql, redact

    for check in checks:
        one_statement(check.sql, f"verify on {env}, {check.name}")
    results = []
    with read_only_connection(dsn, statement_timeout) as conn:
        for check in checks:
            if stop is not None and stop.is_set():
                raise UserError(
                    f"verify on {env} stopped before {check.name}",
                    "run the step again: a verify holds only when every query ran",
                )
            try:
                answer = read(conn, check.sql)
            except Exception as exc:
                if not is_db_error(exc):
                    raise
                if is_db_error(exc, QUERY_CANCELED):
                    raise UserError(
                        f"verify on {env}, {check.name}: did not finish within "
                        f"{_shown(statement_timeout)}",
                        f"raise statement_timeout{where} or add an index the query can use",
                    ) from None
                if is_db_error(exc, READ_ONLY_VIOLATION):
                    raise UserError(
                        f"verify on {env}, {check.name}: the query tries to write, and verify "
                        f"runs read-only (the server refused: {error_text(exc)})",
                        f"make it a SELECT{where}; writes belong in a sql step",
                    ) from None
                raise UserError(
                    f"verify on {env}, {check.name}: {mask_error(error_text(exc), check.sql)}",
                    f"fix the query{where}",
                ) from None
            held, got, note = check.expect.holds(answer.rows)
            got = redact(got) if isinstance(got, str) else got
            results.append(
                CheckResult(
                    check.name, mask_sql(check.sql), check.expect.text, got, held, answer.ms, note
                )
            )
            if progress is not None:
                progress(
                    f"{check.name}: got {got!r}, expected {check.expect.text}: "
                    + ("held" if held else "NOT held")
                )
    return results


def to_markdown(step_id: str, env: str, results: list[CheckResult]) -> str:
    held = all(r.held for r in results)
    lines = [
        f"# verify {step_id} on {env}: {'held' if held else 'NOT held'}",
        "",
        "| query | expected | got | held | ms |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        got = "no row" if r.got is None else str(r.got)
        mark = "yes" if r.held else f"**no**{' — ' + r.note if r.note else ''}"
        lines.append(f"| {_cell(r.name)} | {_cell(r.expect)} | {_cell(got)} | {mark} | {r.ms:g} |")
    lines.append("")
    for r in results:
        lines += [f"## {r.name}", "", "```sql", r.sql.strip(), "```", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def run_step(ctx: StepContext) -> StepOutcome:
    from phasetui.db.environments import resolve_dsn
    from phasetui.db.session import parse_duration

    step = ctx.step
    env = ctx.target
    if env is None:
        raise UserError(f"step {step.id}: no environment to verify on", "give the step `env`")
    where = f" at {ctx.runbook.path}:{step.line}" if ctx.runbook is not None else ""
    timeout_text = step.params.get("statement_timeout", DEFAULT_STATEMENT_TIMEOUT)
    timeout = parse_duration(timeout_text, what="statement_timeout")
    checks = checks_of(step.params)
    results = run_checks(
        env.name,
        resolve_dsn(env),
        checks,
        timeout,
        where=where,
        progress=ctx.progress,
        stop=ctx.stop,
    )
    held = all(r.held for r in results)
    failed = [r for r in results if not r.held]
    if held:
        summary = f"held on {env.name}: " + "; ".join(f"{r.name} = {r.got}" for r in results)
    else:
        summary = f"NOT held on {env.name}: " + "; ".join(
            f"{r.name} got {'no row' if r.got is None else r.got}, expected {r.expect}"
            for r in failed
        )
    queries = [r.to_dict() for r in results]
    figures = {
        "env": env.name,
        "held": held,
        "statement_timeout": str(timeout_text),
        "queries": [
            {k: q[k] for k in ("name", "sql", "expect", "got", "held", "ms")} for q in queries
        ],
    }
    return StepOutcome(
        kind="verify",
        ok=held,
        summary=summary[:300],
        files={
            f"verify/{step.id}.md": to_markdown(step.id, env.name, results),
            f"verify/{step.id}.json": json.dumps(
                {
                    "env": env.name,
                    "held": held,
                    "statement_timeout": str(timeout_text),
                    "queries": queries,
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
        },
        figures=figures,
    )
