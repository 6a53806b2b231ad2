"""What to do when a batch fails, and the session settings every backfill connection has.

A batch that waited too long for a row lock (``lock_timeout``), ran too long
(``statement_timeout``), deadlocked or hit a serialization failure rolled back whole: it is
retried after a backoff, smaller (the application's locks are usually on a few rows; a
shrinking batch works around them). A lost connection (server restart, a terminated
backend, a network blip) is reconnected and the worker carries on from the checkpoint.
Anything else (a type error in an expression, a violated constraint) is the user's to fix.
"""

from __future__ import annotations

import random
import socket
from dataclasses import dataclass
from enum import Enum

import psycopg
from psycopg import errors as pgerr

from phasetui.backfill.spec import BackfillSpec
from phasetui.errors import UserError


class Failure(Enum):
    LOCK = "lock timeout"
    TIMEOUT = "statement timeout"
    CONFLICT = "deadlock or serialization failure"
    CONNECTION = "connection lost"
    FATAL = "error"


def classify(exc: BaseException) -> Failure:
    if isinstance(exc, pgerr.LockNotAvailable):
        return Failure.LOCK
    if isinstance(exc, pgerr.QueryCanceled):
        return Failure.TIMEOUT
    if isinstance(exc, pgerr.DeadlockDetected | pgerr.SerializationFailure):
        return Failure.CONFLICT
    if isinstance(exc, pgerr.AdminShutdown | pgerr.CrashShutdown | pgerr.CannotConnectNow):
        return Failure.CONNECTION
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        # OperationalError without a SQLSTATE is the socket going away.
        sqlstate = getattr(exc, "sqlstate", None)
        if sqlstate is None or sqlstate.startswith("08"):
            return Failure.CONNECTION
    return Failure.FATAL


class Resumable(UserError):
    """The backfill could not start for a passing reason: nothing committed is lost, and the
    same command resumes from the checkpoint (exit code 3, like a stopped backfill)."""

    exit_code = 3


class ServerUnavailable(Resumable):
    """The server restarted, is starting up or shutting down."""


class TableBusy(Resumable):
    """Another session kept the table (or the checkpoint) locked for every try."""


RESUME_HINT = "re-run the same command once the server is up: it resumes from the checkpoint"

# What libpq reports when the server exists but does not take connections (yet).
_NOT_ACCEPTING = (
    ("the database system is starting up", "is starting up"),
    ("not yet accepting connections", "is starting up"),
    ("the database system is in recovery mode", "is recovering after a crash"),
    ("the database system is shutting down", "is shutting down"),
)


def server_unavailable(exc: BaseException, *, connecting: bool) -> ServerUnavailable | None:
    """A ServerUnavailable saying what happened to the server, or None when ``exc`` is not
    about the server going away (a wrong host or password is the DSN's, not a restart)."""
    text = str(exc).lower()
    for pattern, what in _NOT_ACCEPTING:
        if pattern in text:
            return ServerUnavailable(
                f"the database server {what} and does not accept connections now (a restart?); "
                "nothing was changed",
                RESUME_HINT,
            )
    if not connecting and classify(exc) is Failure.CONNECTION:
        return ServerUnavailable(
            "the server closed the connection while the backfill was starting (it restarted, "
            "or the session was terminated) before any batch ran",
            RESUME_HINT,
        )
    return None


def backoff(attempt: int, base: float = 0.05, cap: float = 2.0) -> float:
    """Exponential backoff with jitter: 0.05, 0.1, 0.2 … seconds, at most ``cap``."""
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay * (0.75 + random.random() * 0.5)


@dataclass(frozen=True)
class SessionSettings:
    lock_timeout_ms: int
    statement_timeout_ms: int
    synchronous_commit: bool
    application_name: str

    @classmethod
    def from_spec(cls, spec: BackfillSpec, name: str) -> SessionSettings:
        return cls(
            lock_timeout_ms=max(1, int(spec.lock_timeout * 1000)),
            statement_timeout_ms=int((spec.statement_timeout or 0) * 1000),
            synchronous_commit=spec.synchronous_commit,
            application_name=f"phasetui backfill {name}"[:63],
        )


def connect(
    dsn: str, settings: SessionSettings, *, connect_timeout: int = 10
) -> psycopg.Connection:
    """An autocommit connection carrying the backfill's timeouts on every statement.

    ``synchronous_commit = off`` (the default) is safe here: a batch and its checkpoint
    commit in one transaction, so a server crash can only lose both together, and the
    resumed backfill redoes that batch. It saves one WAL flush wait per batch.
    """
    conn = psycopg.connect(
        dsn,
        autocommit=True,
        connect_timeout=connect_timeout,
        application_name=settings.application_name,
    )
    apply_settings(conn, settings)
    return conn


def apply_settings(conn: psycopg.Connection, settings: SessionSettings) -> None:
    """The backfill's timeouts (and commit mode) for every statement of this session."""
    conn.execute(
        "SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false),"
        " set_config('synchronous_commit', %s, false)",
        (
            f"{settings.lock_timeout_ms}ms",
            f"{settings.statement_timeout_ms}ms",
            "on" if settings.synchronous_commit else "off",
        ),
    )


def hostname() -> str:
    return socket.gethostname()
