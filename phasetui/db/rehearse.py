"""Lock rehearsal: run a migration for real inside one transaction that is always rolled back.

``migrate --pretend`` prints SQL; it cannot say which lock a statement takes or whether it
rewrites a table. PostgreSQL can: after each statement, ``pg_locks`` for our own backend
shows every lock the transaction holds (locks are kept to the end of a transaction, so a
statement's new locks are the difference to the set before it), and ``pg_class.relfilenode``
changes when a relation is rewritten. Reading both from the same connection before the
rollback gives measured facts for the exact server, version and data at hand.

Safety: the whole run is one ``conn.transaction(force_rollback=True)``; the file's own
``BEGIN``/``COMMIT`` are skipped (noted in the report), a ``COMMIT`` inside a ``DO`` block or
procedure is refused by PostgreSQL inside a transaction block, and statements that cannot
run in a transaction (``CONCURRENTLY``, ``VACUUM``) are reported as not rehearsed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from phasetui.db.environments import Environment, redact
from phasetui.db.evidence import dumps, fmt_seconds, md_cell, md_code_block
from phasetui.db.locks import blocked_operations, blocks_summary, normalize_mode, strongest
from phasetui.db.session import Attempt, ExecSettings, Session, classify, error_text
from phasetui.db.statements import Statement, check_sql_ceiling, for_server, needs_parameters
from phasetui.errors import UserError
from phasetui.redaction import mask_sql

_LOCKS_SQL = """
SELECT l.locktype, l.mode, l.granted, l.relation::bigint,
       CASE WHEN l.relation IS NOT NULL THEN l.relation::regclass::text END,
       c.relkind::text,
       coalesce(n.nspname IN ('pg_catalog', 'information_schema', 'pg_toast'), false),
       coalesce(l.classid::bigint, 0), coalesce(l.objid::bigint, 0),
       coalesce(l.objsubid, 0), coalesce(l.transactionid::text, ''),
       coalesce(l.virtualxid, '')
FROM pg_locks l
LEFT JOIN pg_class c ON c.oid = l.relation
LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE l.pid = pg_backend_pid()
"""

# relfilenode of every user relation: a change between two snapshots is a rewrite.
_NODES_SQL = """
SELECT c.oid::bigint, c.relkind::text, c.relfilenode::bigint, format('%I.%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
"""

_RELKIND = {
    "r": "table",
    "p": "partitioned table",
    "i": "index",
    "I": "partitioned index",
    "S": "sequence",
    "t": "TOAST table",
    "v": "view",
    "m": "materialized view",
    "c": "composite type",
    "f": "foreign table",
}

# What a statement that cannot be rehearsed takes, per the PostgreSQL manual.
_DOCUMENTED = {
    "IndexStmt": ("SHARE UPDATE EXCLUSIVE", "on the table, while the index builds in 3 phases"),
    "DropStmt": ("SHARE UPDATE EXCLUSIVE", "on the table and the index"),
    "ReindexStmt": ("SHARE UPDATE EXCLUSIVE", "on the table and its indexes"),
    "AlterTableStmt": ("SHARE UPDATE EXCLUSIVE", "on the parent and the partition"),
    "VacuumStmt": ("SHARE UPDATE EXCLUSIVE", "on each table (VACUUM FULL: ACCESS EXCLUSIVE)"),
}


@dataclass(frozen=True)
class LockInfo:
    """One lock held by the rehearsal's backend, as pg_locks shows it."""

    locktype: str
    mode: str  # "ACCESS EXCLUSIVE"
    relation: str | None = None  # regclass text, e.g. public.users
    relkind: str | None = None  # "table", "index", …
    system: bool = False  # a catalog lock (pg_class, …): taken by every DDL, rarely interesting
    new_relation: bool = False  # created by this migration: invisible to other sessions
    granted: bool = True
    held_since: int | None = None  # for locks already held: the statement that took them

    @property
    def blocks(self) -> str:
        return blocks_summary(self.mode) if self.locktype == "relation" else "-"

    @property
    def interesting(self) -> bool:
        """A lock a DBA must see: on an existing, non-catalog relation."""
        return self.locktype == "relation" and not self.system and not self.new_relation

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["blocks"] = self.blocks
        d["blocked_operations"] = blocked_operations(self.mode) if self.relation else []
        return d


@dataclass(frozen=True)
class Rewrite:
    """A relation whose storage was replaced (relfilenode changed): a full rewrite."""

    relation: str
    relkind: str
    relfilenode_before: int
    relfilenode_after: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StatementRehearsal:
    index: int
    line: int
    column: int
    sql: str
    kind: str
    # "rehearsed", "not-rehearsed", "skipped" (BEGIN/COMMIT), "failed", "not-run"
    status: str
    reason: str = ""
    duration_s: float | None = None
    rows: int | None = None
    locks: list[LockInfo] = field(default_factory=list)  # newly acquired by this statement
    already_held: list[LockInfo] = field(default_factory=list)  # on its relations, from before
    rewrites: list[Rewrite] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    documented_lock: str | None = None  # for statements that could not be rehearsed
    stand_in: str | None = None  # SQL run in its place so later statements can be rehearsed
    sqlstate: str | None = None
    migration: str | None = None  # the Laravel migration, for `migrate --pretend` input

    @property
    def strongest_lock(self) -> str | None:
        return strongest([lk.mode for lk in self.locks if lk.interesting])

    def lock_summary(self) -> list[str]:
        """The strongest lock per table this statement took, then those it found held by
        earlier statements; index and catalog locks stay in the JSON only."""
        out: list[str] = []
        for held, locks in ((False, self.locks), (True, self.already_held)):
            best: dict[str, str] = {}
            for lk in locks:
                if not lk.interesting or lk.relkind in ("index", "partitioned index"):
                    continue
                cur = best.get(lk.relation or "")
                best[lk.relation or ""] = strongest([lk.mode] + ([cur] if cur else [])) or lk.mode
            for rel, mode in sorted(best.items()):
                if held:
                    since = min(
                        (
                            lk.held_since or 0
                            for lk in locks
                            if lk.relation == rel and lk.mode == mode
                        ),
                        default=0,
                    )
                    origin = f" since #{since}" if since else ""
                    out.append(f"({rel}: {mode} held{origin} hides this statement's own lock)")
                else:
                    out.append(f"{mode} on {rel}")
        return out

    @property
    def rewritten(self) -> bool:
        return any(r.relkind in ("table", "materialized view") for r in self.rewrites)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "line": self.line,
            "column": self.column,
            "sql": self.sql,
            "kind": self.kind,
            "status": self.status,
            "reason": self.reason,
            "duration_s": self.duration_s,
            "rows": self.rows,
            "strongest_lock": self.strongest_lock,
            "blocks": blocks_summary(self.strongest_lock) if self.strongest_lock else None,
            "rewritten": self.rewritten,
            "locks": [lk.to_dict() for lk in self.locks],
            "already_held": [lk.to_dict() for lk in self.already_held],
            "rewrites": [r.to_dict() for r in self.rewrites],
            "attempts": [a.to_dict() for a in self.attempts],
            "documented_lock": self.documented_lock,
            "stand_in": self.stand_in,
            "sqlstate": self.sqlstate,
            "migration": self.migration,
        }


@dataclass
class RehearsalResult:
    source: str
    target: str
    server_version: int
    started_at: str
    finished_at: str
    settings: dict[str, Any]
    statements: list[StatementRehearsal]
    committed: bool = False  # always False: recorded so the evidence says so explicitly

    @property
    def passed(self) -> bool:
        """Every statement ran (or was knowingly skipped) and nothing failed."""
        return not any(s.status in ("failed", "not-run") for s in self.statements)

    @property
    def not_rehearsed(self) -> list[StatementRehearsal]:
        return [s for s in self.statements if s.status == "not-rehearsed"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "rehearsal",
            "source": self.source,
            "target": self.target,
            "server_version": self.server_version,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "committed": self.committed,
            "passed": self.passed,
            "settings": self.settings,
            "statements": [s.to_dict() for s in self.statements],
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())

    def to_markdown(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [
            f"# Lock rehearsal of `{md_cell(self.source)}`: {verdict}",
            "",
            f"- target: {md_cell(self.target)} "
            f"(PostgreSQL {pg_version_label(self.server_version)})",
            f"- run: {self.started_at} → {self.finished_at}",
            "- everything ran in one transaction that was **rolled back**; nothing was committed",
            f"- lock_timeout {fmt_seconds(self.settings.get('lock_timeout'))}, "
            f"statement_timeout {fmt_seconds(self.settings.get('statement_timeout'))}",
            "",
            "| # | line | statement | status | locks taken (new) | blocks | rewrite | time |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for s in self.statements:
            locks = ", ".join(s.lock_summary())
            if not locks and s.documented_lock:
                locks = f"(documented) {s.documented_lock}"
            blocks = blocks_summary(s.strongest_lock) if s.strongest_lock else ""
            rewrite = ", ".join(r.relation for r in s.rewrites if r.relkind != "index")
            if s.status == "rehearsed":
                rewrite = rewrite or "no"
            lines.append(
                f"| {s.index} | {s.line} | `{md_cell(_short(s.sql))}` | {s.status} "
                f"| {md_cell(locks)} | {md_cell(blocks)} | {md_cell(rewrite)} "
                f"| {fmt_seconds(s.duration_s)} |"
            )
        notes = [s for s in self.statements if s.reason]
        if notes:
            lines += ["", "## Notes", ""]
            for s in notes:
                lines.append(f"- statement {s.index} (line {s.line}): {md_cell(s.reason)}")
                if s.stand_in:
                    lines.append(f"  - stand-in run in its place: `{md_cell(s.stand_in)}`")
        lines += ["", "## Statements", ""]
        for s in self.statements:
            lines += [f"{s.index}. line {s.line}", "", md_code_block(s.sql), ""]
        return "\n".join(lines).rstrip() + "\n"


def pg_version_label(version: int) -> str:
    """``180004`` → ``18.4`` (``90624`` → ``9.6.24``)."""
    if version >= 100000:
        return f"{version // 10000}.{version % 10000}"
    return f"{version // 10000}.{version // 100 % 100}.{version % 100}"


def _short(sql: str) -> str:
    one = " ".join(sql.split())
    return one if len(one) <= 70 else one[:67] + "..."


def check_rehearsal_allowed(environment: Environment | None) -> None:
    """Refuses production (and read-only) environments unless they allow rehearsal."""
    if environment is None or environment.rehearsal_allowed:
        return
    if environment.production:
        raise UserError(
            f"refusing to rehearse on {environment.name!r}: it is a production environment "
            "(a rehearsal takes the real locks, for as long as the statements run)",
            f"rehearse on staging, or set rehearsal_allowed = true on {environment.name!r} "
            "in the runbook or phasetui.toml",
        )
    if environment.read_only:
        raise UserError(
            f"refusing to rehearse on {environment.name!r}: the environment is read-only",
            f"set rehearsal_allowed = true on {environment.name!r} if rolled-back writes "
            "are acceptable there",
        )


def _lock_key(row: tuple) -> tuple:
    locktype, mode, _granted, rel, _name, _kind, _sys, classid, objid, sub, xid, vxid = row
    return (locktype, mode, rel, classid, objid, sub, xid, vxid)


class _Probe:
    """Reads the backend's locks and the relfilenodes from inside the transaction."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.initial_oids: set[int] = set()

    def locks(self) -> dict[tuple, tuple]:
        rows = self.conn.execute(_LOCKS_SQL).fetchall()
        return {_lock_key(r): r for r in rows}

    def nodes(self) -> dict[int, tuple[str, int, str]]:
        return {oid: (kind, node, name) for oid, kind, node, name in self.conn.execute(_NODES_SQL)}

    def lock_info(self, row: tuple, since: int | None = None) -> LockInfo:
        locktype, mode, granted, rel, name, kind, system, *_ = row
        return LockInfo(
            locktype=locktype,
            mode=normalize_mode(mode),
            relation=name,
            relkind=_RELKIND.get(kind or "", kind),
            system=bool(system),
            new_relation=rel is not None and rel not in self.initial_oids,
            granted=bool(granted),
            held_since=since,
        )


def _referenced_oids(conn: Any, st: Statement) -> set[int]:
    from pglast.visitors import referenced_relations

    try:
        names = referenced_relations(st.text)
    except Exception:  # noqa: BLE001 - only used to show locks already held
        return set()
    oids: set[int] = set()
    for name in names:
        row = conn.execute("SELECT to_regclass(%s)::bigint", (name,)).fetchone()
        if row and row[0]:
            oids.add(int(row[0]))
    return oids


def _documented_lock(st: Statement) -> str | None:
    spec = _DOCUMENTED.get(st.kind)
    if spec is None:
        return None
    mode, where = spec
    if st.kind == "VacuumStmt" and any(
        getattr(o, "defname", "") == "full" for o in st.node.options or ()
    ):
        return "ACCESS EXCLUSIVE on each table"
    return f"{mode} {where}"


def _stand_in_sql(st: Statement) -> str | None:
    """The in-transaction twin of a CONCURRENTLY statement that later statements depend on
    (``… USING INDEX`` needs the index to exist). Same effect, stronger lock: its locks are
    not reported as the statement's."""
    from pglast.stream import RawStream

    if st.kind == "IndexStmt" and st.node.concurrent:
        st.node.concurrent = False
        try:
            return RawStream()(st.node)
        finally:
            st.node.concurrent = True
    if st.kind == "DropStmt" and getattr(st.node, "concurrent", False):
        st.node.concurrent = False
        try:
            return RawStream()(st.node)
        finally:
            st.node.concurrent = True
    return None


_DML = {"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"}


def rehearse_sql(
    dsn: str,
    sql: str,
    *,
    source: str = "<sql>",
    environment: Environment | None = None,
    settings: ExecSettings | None = None,
    stand_ins: bool = True,
    target_label: str | None = None,
    on_statement: Callable[[StatementRehearsal], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> RehearsalResult:
    """Rehearses ``sql`` (plain SQL or ``php artisan migrate --pretend`` output, numbered and
    placed as ``phasetui lint`` does) on ``dsn`` and returns the per-statement report.
    Never commits.

    ``on_statement`` is called after each statement (for live progress in the TUI);
    ``cancelled`` is polled between statements.
    """
    check_rehearsal_allowed(environment)
    settings = settings or ExecSettings()
    # SQL that would lift phasetui's timeouts is refused before anything connects: the
    # rehearsal takes real locks too, on the same ceiling apply keeps
    statements = check_sql_ceiling(
        sql,
        source=source,
        lock_timeout=settings.lock_timeout,
        statement_timeout=settings.statement_timeout,
        verb="rehearse",
    )
    started = datetime.now(UTC).isoformat(timespec="seconds")
    session = Session(dsn, settings)
    results: list[StatementRehearsal] = []
    try:
        conn = session.conn
        version = session.server_version()
        statements = for_server(statements, version)
        guard = _rollback_guard(session)
        with guard, conn.transaction(force_rollback=True):
            probe = _Probe(conn)
            # Warm-up: the probe's own catalog locks join the baseline, not statement 1.
            held = probe.locks()
            nodes = probe.nodes()
            held = probe.locks()
            probe.initial_oids = set(nodes)
            since: dict[tuple, int] = {}
            failed = False
            block = 0  # explicit BEGIN … COMMIT blocks of the file, numbered; 0: none
            in_block = False
            added_values: list[tuple[int, str]] = []  # ADD VALUE: (real transaction, text)
            for st in statements:
                if st.txn_control == "begin":
                    block, in_block = block + 1, True
                elif st.txn_control in ("commit", "rollback"):
                    in_block = False
                real_txn = _real_transaction(st, block if in_block else 0)
                rec = StatementRehearsal(
                    index=st.index,
                    line=st.line,
                    column=st.column,
                    sql=mask_sql(st.text),  # evidence: never a password (runs st.text)
                    kind=st.kind,
                    status="rehearsed",
                    migration=st.migration,
                )
                results.append(rec)
                if failed or (cancelled is not None and cancelled()):
                    rec.status = "not-run"
                    rec.reason = "an earlier statement failed" if failed else "cancelled"
                    failed = True
                    continue
                if (
                    st.txn_control in ("begin", "commit", "rollback")
                    or (st.txn_control and st.txn_control.endswith("prepared"))
                    or st.txn_control == "prepare"
                ):
                    rec.status = "skipped"
                    rec.reason = _txn_note(st)
                    _notify(on_statement, rec)
                    continue
                if needs_parameters(st):
                    rec.status = "not-rehearsed"
                    rec.reason = (
                        "its bound parameter values are not in the input "
                        "(`migrate --pretend` prints them as ?)"
                    )
                    _notify(on_statement, rec)
                    continue
                if st.no_transaction:
                    rec.status = "not-rehearsed"
                    rec.reason = st.no_transaction
                    rec.documented_lock = _documented_lock(st)
                    twin = _stand_in_sql(st) if stand_ins else None
                    if twin:
                        rec.stand_in = twin
                        out = session.run(
                            lambda c, q=twin: _run_in_savepoint(c, q),
                            retry_on=("lock_timeout", "deadlock", "serialization"),
                        )
                        rec.attempts = out.attempts
                        if not out.ok:
                            rec.status = "failed"
                            rec.sqlstate = getattr(out.error, "sqlstate", None)
                            rec.reason = (
                                f"{st.no_transaction}; its stand-in `{twin}` failed: "
                                f"{error_text(out.error)} — the real statement would fail too"
                            )
                            failed = True
                            _notify(on_statement, rec)
                            continue
                        rec.reason += "; an equivalent non-concurrent statement ran in its place"
                        held = probe.locks()
                        nodes = probe.nodes()
                    _notify(on_statement, rec)
                    continue
                raw = st.txn_control in ("savepoint", "release", "rollback_to")
                out = session.run(
                    lambda c, q=st.text, r=raw: _run_in_savepoint(c, q, raw=r),
                    retry_on=() if raw else ("lock_timeout", "deadlock", "serialization"),
                )
                rec.attempts = out.attempts
                if not out.ok:
                    if classify(out.error) == "connection_lost":
                        raise _LostConnection(out.error)
                    earlier = _enum_value_added_earlier(out.error, added_values, real_txn)
                    if earlier is not None:
                        # Only the rehearsal's single transaction makes this fail: the
                        # value is usable once its ADD VALUE commits, as it will in apply.
                        rec.status = "not-rehearsed"
                        rec.sqlstate = getattr(out.error, "sqlstate", None)
                        rec.reason = (
                            f"uses an enum value that `{_short(earlier)}` added above; "
                            "PostgreSQL allows that only once the ADD VALUE has committed, "
                            "and a rehearsal never commits (apply commits it first)"
                        )
                        _notify(on_statement, rec)
                        continue
                    rec.status = "failed"
                    rec.sqlstate = getattr(out.error, "sqlstate", None)
                    rec.reason = _failure_note(out.error, len(out.attempts))
                    failed = True
                    _notify(on_statement, rec)
                    continue
                if _adds_enum_value(st):
                    added_values.append((real_txn, st.text))
                value = out.value or (0.0, -1)
                rec.duration_s, rowcount = value
                if st.kind in _DML and rowcount >= 0:
                    rec.rows = rowcount
                after = probe.locks()
                after_nodes = probe.nodes()
                rec.locks = _sorted([probe.lock_info(r) for k, r in after.items() if k not in held])
                for k in after:
                    if k not in held:
                        since.setdefault(k, st.index)
                mine = _referenced_oids(conn, st)
                rec.already_held = _sorted(
                    [
                        probe.lock_info(r, since.get(k))
                        for k, r in held.items()
                        if r[3] in mine and r[0] == "relation" and k in after and not r[6]
                    ]
                )
                rec.rewrites = _rewrites(nodes, after_nodes)
                held, nodes = probe.locks(), after_nodes
                _notify(on_statement, rec)
    finally:
        session.close()
    return RehearsalResult(
        source=source,
        target=target_label or session.label,
        server_version=version,
        started_at=started,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settings=settings.to_dict(),
        statements=results,
    )


def rehearse_file(
    path: str, *, dsn: str, environment: Environment | None = None, **kw: Any
) -> RehearsalResult:
    from pathlib import Path

    from phasetui.errors import BadInput

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the file ({exc.strerror})") from None
    return rehearse_sql(dsn, text, source=str(path), environment=environment, **kw)


class _LostConnection(Exception):
    """The connection broke mid-rehearsal: the server rolled everything back by itself."""


class _rollback_guard:
    """Turns a connection lost during the rehearsal (psycopg's error while rolling back a
    dead connection included) into one clear UserError."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or isinstance(exc, UserError):
            return False
        if isinstance(exc, _LostConnection) or classify(exc) == "connection_lost":
            raise UserError(
                f"lost the connection to {self.session.label} during the rehearsal; "
                "the server rolled it back, nothing was committed",
                "check the server and the network, then rehearse again",
            ) from None
        return False


def _notify(cb: Callable[[StatementRehearsal], None] | None, rec: StatementRehearsal) -> None:
    if cb is not None:
        cb(rec)


def _run_in_savepoint(conn: Any, query: str, *, raw: bool = False) -> tuple[float, int]:
    """Runs one statement; inside its own savepoint so a lock timeout can be retried without
    losing the statements before it."""
    if raw:
        t0 = time.perf_counter()
        cur = conn.execute(query, prepare=False)
        return round(time.perf_counter() - t0, 4), cur.rowcount
    with conn.transaction():
        t0 = time.perf_counter()
        cur = conn.execute(query, prepare=False)
        return round(time.perf_counter() - t0, 4), cur.rowcount


def _rewrites(before: dict[int, tuple], after: dict[int, tuple]) -> list[Rewrite]:
    out = []
    for oid, (kind, node, name) in after.items():
        old = before.get(oid)
        if old is None or not node or not old[1] or old[1] == node:
            continue
        out.append(Rewrite(name, _RELKIND.get(kind, kind), int(old[1]), int(node)))
    return sorted(out, key=lambda r: (r.relkind != "table", r.relation))


def _sorted(locks: list[LockInfo]) -> list[LockInfo]:
    order = {"relation": 0}
    return sorted(
        locks,
        key=lambda lk: (order.get(lk.locktype, 1), lk.system, lk.relation or "", lk.mode),
    )


def _real_transaction(st: Statement, block: int) -> int:
    """Which transaction ``st`` shares in a real apply: its explicit BEGIN block, the
    migration a tool wraps in one (``implicit_txn``), or none (0: its own)."""
    if block:
        return block
    if st.implicit_txn:
        return -1 - st.unit
    return 0


def _adds_enum_value(st: Statement) -> bool:
    node = st.node
    return type(node).__name__ == "AlterEnumStmt" and not getattr(node, "oldVal", None)


def _enum_value_added_earlier(
    exc: Exception | None, added: list[tuple[int, str]], real_txn: int
) -> str | None:
    """The ADD VALUE that made ``exc`` (55P04, unsafe use of a new enum value) happen only
    because the rehearsal runs in one transaction; None when the real apply would fail too
    (both statements in one transaction there) or when it is another error."""
    if getattr(exc, "sqlstate", None) != "55P04":
        return None
    for txn, text in reversed(added):
        if txn == 0 or txn != real_txn:
            return text
    return None


def _txn_note(st: Statement) -> str:
    if st.txn_control == "begin":
        return "skipped: the rehearsal already runs everything in one transaction"
    if st.txn_control == "commit":
        return (
            "skipped: the rehearsal never commits; locks taken above stay held here "
            "(a real apply releases them at this COMMIT)"
        )
    if st.txn_control == "rollback":
        return "skipped: a ROLLBACK in the file is not rehearsed (everything is rolled back)"
    return "skipped: two-phase commit statements are never rehearsed"


def _failure_note(exc: Exception | None, tries: int) -> str:
    state = getattr(exc, "sqlstate", None)
    text = error_text(exc) if exc else "unknown error"
    if state == "55P03":
        return (
            f"lock timeout after {tries} tries: another session holds a conflicting lock "
            f"({redact(text)}); the real apply would wait here too"
        )
    if state == "57014":
        return f"statement timeout: {text}"
    return text
