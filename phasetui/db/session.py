"""Safe execution against a target: clear connection errors, timeouts, bounded retries.

Every statement phasetui runs on a live database must give up quickly rather than queue
behind a long transaction (a queued ACCESS EXCLUSIVE request blocks every reader behind it),
so a session always carries ``lock_timeout`` and ``statement_timeout``; a lock timeout,
deadlock, serialization failure or lost connection is retried with a bounded backoff, and
every try is recorded so that the audit trail shows how hard the change had to push.

psycopg is imported lazily so that importing this module costs nothing on paths (``lint``,
``--help``) that never connect.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from phasetui.db.environments import describe_dsn, dsn_problem, redact, remember_dsn
from phasetui.durations import _MAX_DURATION_S, _shown, parse_duration  # noqa: F401
from phasetui.errors import BadInput, UserError

if TYPE_CHECKING:  # pragma: no cover
    import psycopg

T = TypeVar("T")


def pg_ms(seconds: float) -> str:
    """Seconds → a PostgreSQL setting value in milliseconds (``0`` disables the timeout)."""
    return f"{max(0, round(seconds * 1000))}ms"


@dataclass(frozen=True)
class ExecSettings:
    """Timeouts and retry policy of one session; everything a report needs to reproduce it."""

    lock_timeout: float = 2.0
    statement_timeout: float = 60.0
    # CONCURRENTLY builds may run for hours without blocking traffic; 0 = no limit.
    concurrent_statement_timeout: float = 0.0
    retries: int = 5  # retries after the first try: at most retries + 1 tries
    backoff_base: float = 0.5
    backoff_max: float = 15.0
    connect_timeout: int = 10
    application_name: str = "phasetui"

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed try ``attempt`` (1-based): exponential, jittered."""
        delay = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return delay * random.uniform(0.5, 1.0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Attempt:
    """One try of one unit of work, as it goes into the audit journal."""

    number: int
    started_at: str
    duration_s: float
    outcome: str  # "ok", "lock_timeout", "deadlock", "serialization", "connection_lost", "error"
    sqlstate: str | None = None
    message: str = ""
    waited_before_retry_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Outcome(Generic[T]):
    value: T | None = None
    attempts: list[Attempt] = field(default_factory=list)
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


RETRYABLE = ("lock_timeout", "deadlock", "serialization", "connection_lost")


def classify(exc: BaseException) -> str:
    """The retry class of a database error: one of RETRYABLE, or "error" (do not retry)."""
    state = getattr(exc, "sqlstate", None)
    if state == "55P03":
        return "lock_timeout"
    if state == "40P01":
        return "deadlock"
    if state == "40001":
        return "serialization"
    if state and (state.startswith("08") or state in ("57P01", "57P02", "57P03")):
        return "connection_lost"
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        return "error"
    if isinstance(exc, psycopg.OperationalError) and state is None:
        return "connection_lost"
    return "error"


def error_text(exc: BaseException) -> str:
    """The server's message (first line plus DETAIL), password-free."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag else None
    whole = str(exc).strip()
    text = primary or (whole.splitlines()[0] if whole else type(exc).__name__)
    detail = getattr(diag, "message_detail", None) if diag else None
    if detail:
        text = f"{text} ({detail})"
    return redact(text)


# libpq's connection failures, matched in order against its lower-cased message: the
# cause (after "cannot connect to <where>: ") and the fix.
_RESTARTING = (
    "the server is starting up, shutting down or restarting (it accepts no connections yet)",
    "retry in a moment; nothing was run",
)
_CONNECT_CAUSES = (
    (
        r"the database system is (?:starting up|shutting down|in recovery mode|not yet "
        r"accepting connections|not accepting connections)|terminating connection due to "
        r"administrator command|the database system is in (?:crash )?recovery",
        *_RESTARTING,
    ),
    (
        r"password authentication failed|no password supplied",
        "the server refused the password",
        "check the password in ~/.pgpass or $PGPASSWORD for this user (never in a runbook)",
    ),
    (
        r'database "[^"]*" does not exist',
        "the database does not exist",
        "check the database name in the DSN or the service entry",
    ),
    (
        r'role "[^"]*" does not exist',
        "the user (role) does not exist on the server",
        "check the user name in the DSN or the service entry",
    ),
    (
        r"could not translate host name|name or service not known",
        "the host name does not resolve",
        "check the host name (DNS, /etc/hosts, a VPN that is not up)",
    ),
    (
        r"connection refused|no such file or directory",
        "nothing is listening there (connection refused)",
        "check host and port, and that PostgreSQL is running and accepts connections",
    ),
    (
        r"timeout expired|timed out",
        "the connection attempt timed out",
        "check network access to the host (firewall, VPN, jump host)",
    ),
    (
        r"service file|definition of service",
        "the libpq service is not defined",
        "add it to ~/.pg_service.conf or $PGSERVICEFILE; for `--env NAME`, phasetui first "
        "reads [environments.NAME] in phasetui.toml (or give --dsn)",
    ),
    (
        r"no pg_hba\.conf entry",
        "the server's pg_hba.conf has no entry for this client",
        "ask the server's admin to allow this host/user/database, or use another host",
    ),
)


def connect_error(dsn: str, exc: Exception) -> UserError:
    """Turns libpq's connection failure into a message naming the cause and the fix.

    Every part of phasetui that connects reports failures through this one table; the
    message never quotes the DSN or libpq's echo of it, only the password-free label."""
    remember_dsn(dsn)
    if _unreadable_dsn(exc):
        cause, fix = dsn_problem(str(exc))
        return BadInput(f"cannot read the connection string: {cause}", fix)
    where = describe_dsn(dsn)
    if getattr(exc, "sqlstate", None) in ("57P01", "57P02", "57P03"):
        return UserError(f"cannot connect to {where}: {_RESTARTING[0]}", _RESTARTING[1])
    raw = redact(str(exc))
    low = raw.lower()
    for pattern, cause, fix in _CONNECT_CAUSES:
        if re.search(pattern, low):
            return UserError(f"cannot connect to {where}: {cause}", fix)
    first = raw.strip().splitlines()[-1] if raw.strip() else type(exc).__name__
    return UserError(f"cannot connect to {where}: {first}", "check the DSN or service")


def _unreadable_dsn(exc: BaseException) -> bool:
    """psycopg's ProgrammingError from libpq's conninfo parser: the DSN, not the server."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, psycopg.ProgrammingError) and not isinstance(
        exc, psycopg.OperationalError
    )


def connect(dsn: str, settings: ExecSettings | None = None) -> psycopg.Connection:
    """An autocommit connection with the session's timeouts set, or a UserError."""
    import psycopg

    settings = settings or ExecSettings()
    try:
        conn = psycopg.connect(
            dsn,
            autocommit=True,
            connect_timeout=settings.connect_timeout,
            application_name=settings.application_name,
        )
    except (psycopg.ProgrammingError, psycopg.OperationalError) as exc:
        raise connect_error(dsn, exc) from None
    set_timeouts(conn, settings.lock_timeout, settings.statement_timeout)
    return conn


def set_timeouts(conn: psycopg.Connection, lock_timeout: float, statement_timeout: float) -> None:
    """Session-level timeouts (``set_config(..., false)``) so they hold across transactions."""
    conn.execute(
        "SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false)",
        (pg_ms(lock_timeout), pg_ms(statement_timeout)),
    )


class Session:
    """One connection to a target plus the retry policy; reconnects after a lost connection.

    Work is given as a callable taking the connection; it must manage its own transaction
    (``with conn.transaction(): …``) so that a failed try leaves nothing half-done.
    """

    def __init__(self, dsn: str, settings: ExecSettings | None = None) -> None:
        self.dsn = dsn
        self.settings = settings or ExecSettings()
        self._conn: psycopg.Connection | None = None

    @property
    def label(self) -> str:
        return describe_dsn(self.dsn)

    @property
    def conn(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.dsn, self.settings)
        return self._conn

    def server_version(self) -> int:
        return int(self.conn.info.server_version)

    def reconnect(self) -> None:
        self.close()
        self._conn = connect(self.dsn, self.settings)

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail
                pass
        self._conn = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(
        self,
        work: Callable[[psycopg.Connection], T],
        *,
        retry_on: tuple[str, ...] = RETRYABLE,
        before_retry: Callable[[psycopg.Connection, Exception], bool] | None = None,
        retries: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Outcome[T]:
        """Runs ``work`` until it succeeds, fails with a non-retryable error, or the tries run
        out. ``before_retry(conn, exc)`` may clean up between tries, or return False to stop.
        """
        limit = self.settings.retries if retries is None else retries
        out: Outcome[T] = Outcome()
        number = 0
        while True:
            number += 1
            started = datetime.now(UTC).isoformat(timespec="milliseconds")
            t0 = time.perf_counter()
            try:
                out.value = work(self.conn)
            except UserError:
                raise
            except Exception as exc:  # noqa: BLE001 - classified below, re-raised if not DB
                if not _is_db_error(exc):
                    raise
                kind = classify(exc)
                attempt = Attempt(
                    number=number,
                    started_at=started,
                    duration_s=round(time.perf_counter() - t0, 4),
                    outcome=kind,
                    sqlstate=getattr(exc, "sqlstate", None),
                    message=error_text(exc),
                )
                out.attempts.append(attempt)
                if kind not in retry_on or number > limit:
                    out.error = exc
                    return out
                if kind == "connection_lost":
                    try:
                        self.reconnect()
                    except UserError as lost:
                        out.error = lost
                        return out
                if before_retry is not None and not before_retry(self.conn, exc):
                    out.error = exc
                    return out
                wait = self.settings.backoff(number)
                attempt.waited_before_retry_s = round(wait, 3)
                sleep(wait)
                continue
            out.attempts.append(
                Attempt(
                    number=number,
                    started_at=started,
                    duration_s=round(time.perf_counter() - t0, 4),
                    outcome="ok",
                )
            )
            return out


def _is_db_error(exc: BaseException) -> bool:
    import psycopg

    return isinstance(exc, psycopg.Error)
