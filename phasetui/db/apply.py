"""Apply migration SQL to a live database without ever queueing behind a long transaction.

Each unit (a ``BEGIN … COMMIT`` block of the file, any other single statement, or a
``CONCURRENTLY`` statement in autocommit) runs with ``lock_timeout`` and
``statement_timeout``; a lock timeout rolls the unit back and it is tried again after a
backoff, a bounded number of times, each try recorded. A concurrent index build that fails
leaves an INVALID index behind (pg_index.indisvalid = false) which still slows every write
and blocks a retry under the same name: it is detected and, if the DBA agrees, dropped with
``DROP INDEX CONCURRENTLY`` before the retry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from phasetui.db.environments import Environment
from phasetui.db.evidence import dumps, fmt_seconds, md_cell, md_code_block
from phasetui.db.rehearse import pg_version_label
from phasetui.db.session import Attempt, ExecSettings, Session, error_text, set_timeouts
from phasetui.db.statements import Batch, plan_batches, split_statements
from phasetui.errors import BadInput, UserError
from phasetui.redaction import mask_sql

_INVALID_SQL = """
SELECT i.indexrelid::bigint, n.nspname, c.relname, t.relname, tn.nspname
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE NOT i.indisvalid
ORDER BY 2, 3
"""


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class InvalidIndex:
    """An index left INVALID by a failed concurrent build, and what was done about it."""

    oid: int
    schema: str
    name: str
    table: str
    cleaned: bool = False
    cleanup_error: str | None = None

    @property
    def cleanup_sql(self) -> str:
        return (
            "DROP INDEX CONCURRENTLY IF EXISTS "
            f"{_quote_ident(self.schema)}.{_quote_ident(self.name)}"
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["cleanup_sql"] = self.cleanup_sql
        return d


def find_invalid_indexes(conn: Any) -> list[InvalidIndex]:
    """Every INVALID index in the database (pg_index.indisvalid = false)."""
    return [
        InvalidIndex(int(oid), schema, name, f"{tschema}.{table}")
        for oid, schema, name, table, tschema in conn.execute(_INVALID_SQL)
    ]


def drop_invalid_index(session: Session, index: InvalidIndex) -> InvalidIndex:
    """Drops ``index`` with DROP INDEX CONCURRENTLY (in autocommit, retried on lock timeout),
    but only if it is still invalid: a valid index of the same name is never touched."""
    from psycopg import sql

    def work(conn: Any) -> bool:
        row = conn.execute(
            "SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = %s", (index.oid,)
        ).fetchone()
        if row is None:
            return True  # already gone
        if not row[0]:
            index.cleanup_error = "the index is valid now; not dropped"
            return False
        conn.execute(
            sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}.{}").format(
                sql.Identifier(index.schema), sql.Identifier(index.name)
            )
        )
        return True

    try:
        out = session.run(work)
    except UserError as exc:  # the server went away for good while cleaning up
        index.cleaned = False
        index.cleanup_error = exc.message
        return index
    index.cleaned = bool(out.ok and out.value)
    if not out.ok:
        index.cleanup_error = error_text(out.error)
    return index


def cleanup_invalid_index(
    dsn: str, index: InvalidIndex, settings: ExecSettings | None = None
) -> InvalidIndex:
    """The cleanup offered after a failed apply, as a call of its own (TUI button, prompt)."""
    with Session(dsn, settings) as session:
        return drop_invalid_index(session, index)


@dataclass
class StepResult:
    """One unit of the file: one transaction, or one autocommit statement."""

    number: int
    statements: list[dict[str, Any]]  # index, line, column, sql, migration
    autocommit: bool
    explicit: bool
    status: str = "not-run"  # "applied", "failed", "not-run", "unknown" (commit outcome lost)
    duration_s: float | None = None
    attempts: list[Attempt] = field(default_factory=list)
    error: str | None = None
    sqlstate: str | None = None
    invalid_indexes: list[InvalidIndex] = field(default_factory=list)

    @property
    def tries(self) -> int:
        return len(self.attempts)

    @property
    def line(self) -> int:
        return self.statements[0]["line"] if self.statements else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "line": self.line,
            "statements": self.statements,
            "mode": "autocommit" if self.autocommit else "transaction",
            "explicit": self.explicit,
            "status": self.status,
            "duration_s": self.duration_s,
            "tries": self.tries,
            "attempts": [a.to_dict() for a in self.attempts],
            "error": self.error,
            "sqlstate": self.sqlstate,
            "invalid_indexes": [i.to_dict() for i in self.invalid_indexes],
        }


@dataclass
class ApplyResult:
    source: str
    target: str
    environment: str | None
    server_version: int
    started_at: str
    finished_at: str
    settings: dict[str, Any]
    steps: list[StepResult]
    preexisting_invalid: list[InvalidIndex] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.status == "applied" for s in self.steps)

    @property
    def failed_step(self) -> StepResult | None:
        return next((s for s in self.steps if s.status in ("failed", "unknown")), None)

    @property
    def pending_cleanup(self) -> list[InvalidIndex]:
        """INVALID indexes this apply left behind and did not drop: the cleanup to offer."""
        return [i for s in self.steps for i in s.invalid_indexes if not i.cleaned]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "apply",
            "source": self.source,
            "target": self.target,
            "environment": self.environment,
            "server_version": self.server_version,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "ok": self.ok,
            "settings": self.settings,
            "steps": [s.to_dict() for s in self.steps],
            "preexisting_invalid_indexes": [i.to_dict() for i in self.preexisting_invalid],
            "pending_cleanup": [i.cleanup_sql for i in self.pending_cleanup],
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())

    def to_markdown(self) -> str:
        verdict = "applied" if self.ok else "FAILED"
        s = self.settings
        lines = [
            f"# Apply of `{md_cell(self.source)}`: {verdict}",
            "",
            f"- target: {md_cell(self.target)} "
            f"(PostgreSQL {pg_version_label(self.server_version)})",
            f"- run: {self.started_at} → {self.finished_at}",
            f"- lock_timeout {fmt_seconds(s.get('lock_timeout'))}, statement_timeout "
            f"{fmt_seconds(s.get('statement_timeout'))}, up to {s.get('retries')} retries",
            "",
            "| step | line | mode | statements | status | tries | time |",
            "|---|---|---|---|---|---|---|",
        ]
        for st in self.steps:
            first = " ".join(st.statements[0]["sql"].split()) if st.statements else ""
            more = f" (+{len(st.statements) - 1})" if len(st.statements) > 1 else ""
            lines.append(
                f"| {st.number} | {st.line} | {'autocommit' if st.autocommit else 'transaction'} "
                f"| `{md_cell(first[:70])}`{more} | {st.status} | {st.tries} "
                f"| {fmt_seconds(st.duration_s)} |"
            )
        retried = [st for st in self.steps if st.tries > 1 or st.error]
        if retried:
            lines += ["", "## Tries", ""]
            for st in retried:
                for a in st.attempts:
                    wait = (
                        f", waited {a.waited_before_retry_s:.2f} s"
                        if a.waited_before_retry_s
                        else ""
                    )
                    msg = f": {md_cell(a.message)}" if a.message else ""
                    lines.append(
                        f"- step {st.number} try {a.number} at {a.started_at}: {a.outcome} "
                        f"after {fmt_seconds(a.duration_s)}{msg}{wait}"
                    )
        invalid = [i for st in self.steps for i in st.invalid_indexes]
        if invalid or self.preexisting_invalid:
            lines += ["", "## INVALID indexes", ""]
            for i in invalid:
                state = "dropped" if i.cleaned else "left in place; clean up with"
                lines.append(
                    f"- {md_cell(i.schema)}.{md_cell(i.name)} on {md_cell(i.table)}: {state}"
                )
                if not i.cleaned:
                    lines += ["", md_code_block(i.cleanup_sql + ";"), ""]
            for i in self.preexisting_invalid:
                lines.append(
                    f"- {md_cell(i.schema)}.{md_cell(i.name)} on {md_cell(i.table)}: "
                    "was already invalid before this apply"
                )
        return "\n".join(lines).rstrip() + "\n"


def check_apply_allowed(environment: Environment | None, confirm: str | None) -> None:
    """read_only environments never write; production needs its name typed back."""
    if environment is None:
        return
    if environment.read_only:
        raise UserError(
            f"refusing to apply on {environment.name!r}: the environment is read-only",
            "apply through an environment that is allowed to write",
        )
    if environment.production and confirm != environment.name:
        raise UserError(
            f"{environment.name!r} is a production environment: applying needs an explicit "
            "confirmation",
            f"pass --yes-i-mean-production {environment.name} (or type the name when asked)",
        )


def apply_sql(
    dsn: str,
    sql: str,
    *,
    source: str = "<sql>",
    environment: Environment | None = None,
    confirm: str | None = None,
    settings: ExecSettings | None = None,
    cleanup_invalid: bool | Callable[[InvalidIndex], bool] = False,
    target_label: str | None = None,
    on_step: Callable[[StepResult], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ApplyResult:
    """Applies ``sql`` (plain SQL or ``php artisan migrate --pretend`` output, split as the
    linter splits it) step by step; stops at the first step that fails for good.

    ``cleanup_invalid``: True drops INVALID indexes left by a failed concurrent build (then
    retries when the failure was retryable); a callable is asked per index (an interactive
    prompt); False leaves them and lists the cleanup in the result. Raises UserError only
    for refusals and unreachable servers; a failed statement is data in the result.
    """
    check_apply_allowed(environment, confirm)
    settings = settings or ExecSettings()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    with Session(dsn, settings) as session:
        version = session.server_version()
        statements = split_statements(sql, source=source, server_version=version)
        batches = plan_batches(statements)
        if not batches:
            raise BadInput(f"{source}: no statements to apply")
        steps = [
            StepResult(
                number=n,
                statements=[
                    {
                        "index": s.index,
                        "line": s.line,
                        "column": s.column,
                        "sql": mask_sql(s.text),  # evidence: no password (runs s.text)
                        "migration": s.migration,
                    }
                    for s in b.statements
                ],
                autocommit=b.autocommit,
                explicit=b.explicit,
            )
            for n, b in enumerate(batches, 1)
        ]
        preexisting = find_invalid_indexes(session.conn)
        for batch, step in zip(batches, steps, strict=True):
            if cancelled is not None and cancelled():
                break
            _run_step(session, batch, step, settings, cleanup_invalid)
            if on_step is not None:
                on_step(step)
            if step.status != "applied":
                break
    return ApplyResult(
        source=source,
        target=target_label or session.label,
        environment=environment.name if environment else None,
        server_version=version,
        started_at=started,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settings=settings.to_dict(),
        steps=steps,
        preexisting_invalid=preexisting,
    )


def apply_file(path: str, *, dsn: str, **kw: Any) -> ApplyResult:
    from pathlib import Path

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the file ({exc.strerror})") from None
    return apply_sql(dsn, text, source=str(path), **kw)


def _run_step(
    session: Session,
    batch: Batch,
    step: StepResult,
    settings: ExecSettings,
    cleanup_invalid: bool | Callable[[InvalidIndex], bool],
) -> None:
    phase = ["run"]
    t0 = time.perf_counter()

    if batch.autocommit:
        known_invalid = {i.oid for i in find_invalid_indexes(session.conn)}

        def work(conn: Any) -> None:
            set_timeouts(conn, settings.lock_timeout, settings.concurrent_statement_timeout)
            try:
                conn.execute(batch.first.text, prepare=False)
            finally:
                if not conn.closed and not conn.broken:
                    set_timeouts(conn, settings.lock_timeout, settings.statement_timeout)

        def leftovers(conn: Any) -> list[InvalidIndex]:
            seen = {i.oid for i in step.invalid_indexes}
            return [
                i
                for i in find_invalid_indexes(conn)
                if i.oid not in known_invalid and i.oid not in seen
            ]

        def handle_leftovers(conn: Any) -> bool:
            """True when nothing INVALID is left in the way of a retry."""
            found = leftovers(conn)
            step.invalid_indexes.extend(found)
            clean = True
            for idx in found:
                agreed = cleanup_invalid(idx) if callable(cleanup_invalid) else cleanup_invalid
                if agreed:
                    drop_invalid_index(session, idx)
                clean = clean and idx.cleaned
            return clean

        def before_retry(conn: Any, exc: Exception) -> bool:
            return handle_leftovers(conn)

    else:

        def work(conn: Any) -> None:
            phase[0] = "run"
            with conn.transaction():
                for st in batch.statements:
                    conn.execute(st.text, prepare=False)
                phase[0] = "commit"

        def before_retry(conn: Any, exc: Exception) -> bool:
            # A connection lost while COMMIT was on the wire: it may have committed.
            return phase[0] != "commit"

    out = session.run(work, before_retry=before_retry)
    step.duration_s = round(time.perf_counter() - t0, 4)
    step.attempts = out.attempts
    if out.ok:
        step.status = "applied"
        return
    step.status = "failed"
    step.sqlstate = getattr(out.error, "sqlstate", None)
    step.error = error_text(out.error) if out.error else "unknown error"
    if (
        not batch.autocommit
        and phase[0] == "commit"
        and step.attempts[-1].outcome == ("connection_lost")
    ):
        step.status = "unknown"
        step.error = "the connection was lost during COMMIT: the step may or may not be applied"
        return
    if batch.autocommit:
        try:
            handle_leftovers(session.conn)
        except UserError:
            pass  # unreachable now: the failure itself is what the report shows
