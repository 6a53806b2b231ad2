"""Apply migration SQL to a live database without ever queueing behind a long transaction.

Each unit (a ``BEGIN … COMMIT`` block of the file, any other single statement, or a
``CONCURRENTLY`` statement in autocommit) runs with ``lock_timeout`` and
``statement_timeout``; a lock timeout rolls the unit back and it is tried again after a
backoff, a bounded number of times, each try recorded. A concurrent index build that fails
leaves an INVALID index behind (pg_index.indisvalid = false) which still slows every write
and blocks a retry under the same name: it is detected and, if the DBA agrees, dropped with
``DROP INDEX CONCURRENTLY`` before the retry.

phasetui's timeouts are a ceiling the file cannot lift: SQL that would switch them off or
raise them is refused before anything runs (:func:`check_sql_ceiling`), each unit starts
with them back in place, and they are read back after every statement of a transaction,
so SQL built at run time that moves them rolls its unit back. A connection lost mid-unit
is re-opened (waiting out a restart within the same budget of tries); one lost while COMMIT
was on the wire is settled by asking the server (``txid_status``), never by guessing.
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
from phasetui.db.session import (
    Attempt,
    ExecSettings,
    Outcome,
    Session,
    classify,
    error_text,
)
from phasetui.db.statements import Batch, Statement, check_sql_ceiling, for_server, plan_batches
from phasetui.errors import BadInput, UserError
from phasetui.redaction import mask_sql
from phasetui.sql.ceiling import TIMEOUTS, Limits, fmt_ms

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
    note: str = ""  # e.g. how a COMMIT whose connection was lost was settled

    @property
    def tries(self) -> int:
        return len(self.attempts)

    @property
    def retries(self) -> int:
        return max(0, len(self.attempts) - 1)

    @property
    def indexes(self) -> list[int]:
        """The ``#n`` of its statements (as lint and rehearsal number them)."""
        return [int(st["index"]) for st in self.statements]

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
            "note": self.note,
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
    # the lint gate's verdict (phase, errors, rules, the override reason), when one ran
    lint: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return all(s.status == "applied" for s in self.steps)

    @property
    def statement_count(self) -> int:
        return sum(len(s.statements) for s in self.steps)

    @property
    def retries(self) -> int:
        """Tries beyond the first, over all steps: how hard the apply had to push."""
        return sum(s.retries for s in self.steps)

    @property
    def override(self) -> str:
        return str((self.lint or {}).get("override") or "")

    def outcome(self) -> dict[str, list[int]]:
        """Which statements (#n) stayed applied, were rolled back, did not run, or may or may
        not have committed: what a DBA must know before running anything again."""
        groups: dict[str, list[int]] = {"applied": [], "failed": [], "not-run": [], "unknown": []}
        for s in self.steps:
            groups[s.status if s.status in groups else "failed"].extend(s.indexes)
        return {
            "applied_statements": groups["applied"],
            "rolled_back_statements": groups["failed"],
            "not_run_statements": groups["not-run"],
            "unknown_statements": groups["unknown"],
        }

    def summary(self) -> str:
        """One line: ``applied 5 statements, 2 retries`` or where it failed and what stays."""
        retries = f"{self.retries} retr{'y' if self.retries == 1 else 'ies'}"
        n = self.statement_count
        statements = f"{n} statement{'' if n == 1 else 's'}"
        if self.ok:
            return f"applied {statements}, {retries}"
        failed = self.failed_step
        out = self.outcome()
        applied = len(out["applied_statements"])
        where = f"step {failed.number} (line {failed.line})" if failed else "a step"
        if failed is not None and failed.status == "unknown":
            head = f"UNKNOWN whether {where} committed: {failed.error}"
        else:
            head = f"FAILED at {where}: {failed.error if failed else 'cancelled'}"
        return f"{head}; {applied} of {statements} stay applied, {retries}"

    def outcome_lines(self) -> list[str]:
        """What stayed applied and what did not, by statement number, for text and Markdown."""
        out = self.outcome()
        labels = (
            ("applied_statements", "stayed applied"),
            ("rolled_back_statements", "failed, not applied"),
            ("unknown_statements", "may or may not have committed: check before re-running"),
            ("not_run_statements", "not run"),
        )
        lines = []
        for key, label in labels:
            if out[key]:
                nums = ", ".join(f"#{n}" for n in out[key])
                word = "statement" if len(out[key]) == 1 else "statements"
                lines.append(f"{label}: {word} {nums}")
        if not self.ok and out["applied_statements"]:
            lines.append(
                "before applying the rest, remove the statements that stayed applied from "
                "the file (they would run again)"
            )
        return lines

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
            "summary": self.summary(),
            "statements": self.statement_count,
            "retries": self.retries,
            "lint": self.lint,
            "override": self.override or None,
            "outcome": self.outcome(),
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
            f"- {md_cell(lint_line(self.lint))}",
            f"- {md_cell(self.summary())}",
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
        lines += ["", "## Outcome", ""]
        lines += [f"- {md_cell(line)}" for line in self.outcome_lines()]
        lines += [f"- step {st.number}: {md_cell(st.note)}" for st in self.steps if st.note]
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


def lint_line(lint: dict[str, Any] | None) -> str:
    """The lint gate's verdict in one line, for the evidence and the text output."""
    if not lint:
        return "lint: not run before this apply"
    head = f"lint (phase {lint.get('phase', 'any')}): "
    errors = int(lint.get("errors") or 0)
    if not errors:
        return head + f"no errors, {lint.get('warnings', 0)} warning(s)"
    rules = ", ".join(lint.get("rules") or ())
    reason = lint.get("override") or ""
    return head + f"{errors} error(s) ({rules}), OVERRIDDEN with the reason: {reason}"


def check_writable(environment: Environment | None) -> None:
    """read_only environments never write."""
    if environment is not None and environment.read_only:
        raise UserError(
            f"refusing to apply on {environment.name!r}: the environment is read-only",
            "apply through an environment that is allowed to write",
        )


def check_apply_allowed(environment: Environment | None, confirm: str | None) -> None:
    """read_only environments never write; production needs its name typed back."""
    if environment is None:
        return
    check_writable(environment)
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
    lint: dict[str, Any] | None = None,
) -> ApplyResult:
    """Applies ``sql`` (plain SQL or ``php artisan migrate --pretend`` output, split as the
    linter splits it) step by step; stops at the first step that fails for good.

    ``cleanup_invalid``: True drops INVALID indexes left by a failed concurrent build (then
    retries when the failure was retryable); a callable is asked per index (an interactive
    prompt); False leaves them and lists the cleanup in the result. ``lint``: the lint
    gate's verdict (``phasetui.ops.sql_step.apply_gate``), kept in the evidence. Raises
    UserError only for refusals (the environment, SQL that lifts phasetui's timeouts) and
    unreachable servers; a failed statement is data in the result.
    """
    check_apply_allowed(environment, confirm)
    settings = settings or ExecSettings()
    statements = check_sql_ceiling(
        sql,
        source=source,
        lock_timeout=settings.lock_timeout,
        statement_timeout=settings.statement_timeout,
        verb="apply",
    )
    started = datetime.now(UTC).isoformat(timespec="seconds")
    with Session(dsn, settings) as session:
        version = session.server_version()
        batches = plan_batches(for_server(statements, version))
        if not batches:
            raise BadInput(f"{source}: no statements to apply")
        steps = [
            StepResult(
                number=n,
                statements=[_statement_dict(s) for s in b.statements],
                autocommit=b.autocommit,
                explicit=b.explicit,
            )
            for n, b in enumerate(batches, 1)
        ]
        found = session.run(find_invalid_indexes)
        if not found.ok:
            raise UserError(
                f"lost the connection to {session.label} before anything was applied: "
                f"{_lost_text(found.error)}",
                "check the server, then run apply again (nothing was applied)",
            )
        preexisting = found.value or []
        for batch, step in zip(batches, steps, strict=True):
            if cancelled is not None and cancelled():
                break
            _run_step(session, batch, step, settings, cleanup_invalid, version)
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
        lint=lint,
    )


def _statement_dict(s: Statement) -> dict[str, Any]:
    return {
        "index": s.index,
        "line": s.line,
        "column": s.column,
        "sql": mask_sql(s.text),  # evidence: no password (apply runs s.text)
        "migration": s.migration,
    }


def apply_file(path: str, *, dsn: str, **kw: Any) -> ApplyResult:
    return apply_sql(dsn, read_sql_file(path), source=str(path), **kw)


def read_sql_file(path: str) -> str:
    from pathlib import Path

    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text", "give a UTF-8 .sql file") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the file ({exc.strerror})") from None


# -- phasetui's ceiling, held at run time ---------------------------------------------------

_SETTINGS_SQL = (
    "SELECT name, setting::bigint FROM pg_settings "
    "WHERE name IN ('lock_timeout', 'statement_timeout')"
)


class CeilingMoved(Exception):
    """A statement moved phasetui's timeouts at run time, with SQL the check before the
    apply could not read (dynamic SQL, a function): its unit is rolled back."""

    def __init__(self, statement: Statement, setting: str, value_ms: int, limit_ms: int):
        super().__init__(
            f"statement #{statement.index} (line {statement.line}) changed {setting} to "
            f"{fmt_ms(value_ms)}, above phasetui's {fmt_ms(limit_ms)}, with SQL phasetui "
            "could not read before running it; the step was rolled back"
        )


def _limits(settings: ExecSettings) -> Limits:
    return Limits.of_seconds(settings.lock_timeout, settings.statement_timeout)


def session_timeouts(conn: Any) -> dict[str, int]:
    """The session's lock_timeout and statement_timeout now, in milliseconds."""
    return {name: int(value) for name, value in conn.execute(_SETTINGS_SQL)}


def _above(current: dict[str, int], limits: Limits) -> tuple[str, int, int] | None:
    for name in TIMEOUTS:
        limit, value = limits.get(name), current.get(name, 0)
        if limit and (value == 0 or value > limit):
            return name, value, limit
    return None


def _set_ms(conn: Any, values: dict[str, int]) -> None:
    for name, ms in values.items():
        conn.execute("SELECT set_config(%s, %s, false)", (name, f"{ms}ms"))


def keep_ceiling(conn: Any, limits: Limits) -> dict[str, int]:
    """Before each unit: the session's timeouts, put back under phasetui's where anything
    moved them above (a stricter value the file set is kept)."""
    current = session_timeouts(conn)
    lifted = {
        n: limits.get(n)
        for n in TIMEOUTS
        if limits.get(n) and (current[n] == 0 or current[n] > limits.get(n))
    }
    if lifted:
        _set_ms(conn, lifted)
        current.update(lifted)
    return current


# -- a COMMIT whose connection was lost ------------------------------------------------------


def commit_status(conn: Any, xid: int | None, wait: float = 3.0) -> str | None:
    """``committed`` / ``aborted`` for transaction ``xid`` as the server recorded it (None:
    not known). A backend that was just terminated may still be ending its transaction:
    'in progress' is asked again for up to ``wait`` seconds."""
    if xid is None:
        return None
    deadline = time.monotonic() + wait
    while True:
        try:
            row = conn.execute("SELECT txid_status(%s)", (xid,)).fetchone()
        except Exception:  # noqa: BLE001 - any failure here means "not known"
            return None
        status = row[0] if row else None
        if status != "in progress" or time.monotonic() > deadline:
            return status if status in ("committed", "aborted") else None
        time.sleep(0.05)


@dataclass
class _UnitState:
    phase: str = "run"  # "run", "commit" (COMMIT sent), "done" (committed)
    xid: int | None = None
    note: str = ""
    try_started: float = 0.0


def _lost_text(exc: BaseException | None) -> str:
    if isinstance(exc, UserError):
        return exc.message
    return error_text(exc) if exc is not None else "unknown error"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _run_unit(
    session: Session,
    work: Callable[[Any], Any],
    before_retry: Callable[[Any, Exception], bool],
    settings: ExecSettings,
    state: _UnitState,
) -> Outcome[Any]:
    """``Session.run`` that also waits out a server that is away (a restart, a failover):
    a reconnect that fails is one more try in the same budget, after the same backoff."""
    attempts: list[Attempt] = []
    while True:
        used = len(attempts)
        try:
            out = session.run(
                work, before_retry=before_retry, retries=max(0, settings.retries - used)
            )
        except CeilingMoved as moved:
            took = round(time.perf_counter() - state.try_started, 4)
            attempts.append(Attempt(used + 1, _now(), took, "error", message=str(moved)))
            return Outcome(attempts=attempts, error=moved)
        except UserError as lost:  # no connection to start the try on
            out = Outcome(error=lost)
            out.attempts = [Attempt(1, _now(), 0.0, "connection_lost", message=lost.message)]
        for a in out.attempts:
            a.number += used
        attempts.extend(out.attempts)
        out.attempts = attempts
        if out.ok or not isinstance(out.error, UserError):
            return out
        while True:  # the connection is gone and could not be opened again
            if len(attempts) > settings.retries:
                return out
            wait = settings.backoff(len(attempts))
            attempts[-1].waited_before_retry_s = round(wait, 3)
            time.sleep(wait)
            try:
                session.reconnect()
                break
            except UserError as again:
                attempts.append(
                    Attempt(
                        len(attempts) + 1,
                        _now(),
                        0.0,
                        "connection_lost",
                        message=f"reconnecting: {again.message}",
                    )
                )
                out.error = again
        if not before_retry(session.conn, out.error):
            return out


def _run_step(
    session: Session,
    batch: Batch,
    step: StepResult,
    settings: ExecSettings,
    cleanup_invalid: bool | Callable[[InvalidIndex], bool],
    server_version: int,
) -> None:
    state = _UnitState()
    limits = _limits(settings)
    t0 = time.perf_counter()

    if batch.autocommit:
        known: set[int] | None = None

        def work(conn: Any) -> None:
            nonlocal known
            state.try_started = time.perf_counter()
            if known is None:
                known = {i.oid for i in find_invalid_indexes(conn)}
            saved = keep_ceiling(conn, limits)
            concurrent = round(settings.concurrent_statement_timeout * 1000)
            _set_ms(conn, {"statement_timeout": concurrent})
            try:
                conn.execute(batch.first.text, prepare=False)
            finally:
                if not conn.closed and not conn.broken:
                    _set_ms(conn, saved)

        def leftovers(conn: Any) -> list[InvalidIndex]:
            seen = {i.oid for i in step.invalid_indexes}
            return [
                i
                for i in find_invalid_indexes(conn)
                if i.oid not in (known or set()) and i.oid not in seen
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
        track_xid = server_version >= 100000  # txid_status() is PostgreSQL 10+

        def work(conn: Any) -> None:
            state.try_started = time.perf_counter()
            state.phase, state.xid = "run", None
            keep_ceiling(conn, limits)
            with conn.transaction():
                for st in batch.statements:
                    conn.execute(st.text, prepare=False)
                    moved = _above(session_timeouts(conn), limits)
                    if moved is not None:
                        raise CeilingMoved(st, *moved)
                if track_xid:  # after the file's statements: SET TRANSACTION must come first
                    state.xid = int(conn.execute("SELECT txid_current()").fetchone()[0])
                state.phase = "commit"
            state.phase = "done"

        def before_retry(conn: Any, exc: Exception) -> bool:
            # a UserError: the reconnect failed at first (a restart) and succeeded later
            lost = isinstance(exc, UserError) or classify(exc) == "connection_lost"
            if state.phase != "commit" or not lost:
                return True  # lost before COMMIT, or refused by it: rolled back
            status = commit_status(conn, state.xid)
            if status == "committed":
                state.phase = "done"
                state.note = (
                    "the connection was lost while COMMIT was on its way; the server says "
                    "it committed (txid_status), so it was not run again"
                )
                return False
            if status == "aborted":
                state.note = (
                    "the connection was lost while COMMIT was on its way; the server says "
                    "it did not commit (txid_status), so the step ran again"
                )
                return True
            return False  # not known: never run it twice

    out = _run_unit(session, work, before_retry, settings, state)
    step.duration_s = round(time.perf_counter() - t0, 4)
    step.attempts = out.attempts
    step.note = state.note
    if out.ok or state.phase == "done":
        step.status = "applied"
        return
    step.status = "failed"
    if isinstance(out.error, CeilingMoved):
        step.error = str(out.error)
        return
    step.sqlstate = getattr(out.error, "sqlstate", None)
    if isinstance(out.error, UserError):
        done = "did not complete" if batch.autocommit else "was rolled back by the server"
        step.error = (
            f"the connection was lost and could not be opened again ({out.error.message}); "
            f"this step {done}"
        )
    else:
        step.error = error_text(out.error) if out.error else "unknown error"
    lost = isinstance(out.error, UserError) or step.attempts[-1].outcome == "connection_lost"
    if not batch.autocommit and state.phase == "commit" and lost:
        step.status = "unknown"
        step.error = (
            "the connection was lost during COMMIT and the server could not say whether it "
            "committed: the step may or may not be applied"
        )
        return
    if batch.autocommit:
        try:
            handle_leftovers(session.conn)
        except Exception:  # noqa: BLE001 - unreachable now: the failure is what the report shows
            pass
