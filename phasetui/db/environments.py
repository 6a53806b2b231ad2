"""Where a target database is, without ever holding its password.

An environment is named (``staging``, ``production``) and points at a server either by a
libpq service name (``pg_service.conf`` holds host, user and, in ``~/.pgpass``, the password)
or by the name of an environment variable that holds a DSN. Runbooks and ``phasetui.toml``
store only those names, so nothing credential-bearing is ever written to the audit repo.
Anything shown or logged goes through :func:`redact` (from :mod:`phasetui.redaction`,
re-exported here), and every DSN through :func:`check_dsn` before it is used.
"""

from __future__ import annotations

import os
import re

from phasetui.environment import Environment
from phasetui.errors import BadInput, UserError
from phasetui.redaction import redact, remember, remember_dsn

__all__ = ["Environment", "check_dsn", "describe_dsn", "redact", "resolve_dsn"]


def check_dsn(dsn: str, origin: str = "the connection string") -> str:
    """``dsn`` if libpq can read it and it can be shown without its password; else BadInput
    saying what is wrong in one sentence that repeats no part of the DSN.

    Every DSN phasetui is given (``--dsn``, a ``dsn_env`` variable, a schema-diff side,
    ``$PHASETUI_DEMO_DSN``) passes here before any connection, so a malformed one never
    reaches psycopg (whose messages echo parts of it)."""
    remember_dsn(dsn)
    if not dsn.strip():
        raise BadInput(f"{origin} is empty", _DSN_FORM)
    try:
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(dsn)
    except Exception as exc:  # noqa: BLE001 - psycopg.ProgrammingError: unreadable DSN
        cause, fix = dsn_problem(str(exc))
        raise BadInput(f"cannot read {origin}: {cause}", fix) from None
    for key in ("password", "sslpassword"):
        remember(params.get(key))
    problem = _uri_problem(dsn, params)
    if problem:
        raise BadInput(f"cannot read {origin}: {problem}", _URI_ESCAPES)
    return dsn


_DSN_FORM = (
    "write postgresql://USER@HOST:PORT/DB or 'host=HOST port=PORT dbname=DB user=USER', "
    "with the password in ~/.pgpass or $PGPASSWORD"
)
_URI_ESCAPES = (
    "percent-encode these characters in a URI's user name or password: @ as %40, / as %2F, "
    ": as %3A, % as %25, a space as %20 (or keep the password in ~/.pgpass)"
)


def _keywords() -> list[str]:
    from psycopg import pq

    return [o.keyword.decode() for o in pq.Conninfo.get_defaults()]


def _unknown_key(name: str, where: str) -> tuple[str, str]:
    """An unknown key, named only by the known key it resembles (it may be a fragment of a
    password split off by a space, so it is never repeated)."""
    import difflib

    keys = _keywords()
    if name.lower() in keys and name != name.lower():
        return (
            f"a key {where} is written in upper case",
            f"libpq's keys are lower case: write `{name.lower()}`",
        )
    close = difflib.get_close_matches(name.lower(), keys, n=1, cutoff=0.75)
    if close:
        return (f"an unknown key {where}", f"did you mean `{close[0]}`? ({_DSN_FORM})")
    return (
        f"an unknown key {where} (not a libpq connection parameter)",
        "see libpq's list of connection parameters; " + _DSN_FORM,
    )


def dsn_problem(message: str) -> tuple[str, str]:
    """(cause, fix) for libpq's refusal to read a DSN, from its message, never quoting it."""
    low = message.lower()
    m = re.search(r'invalid connection option "([^"]*)"', message)
    if m:
        return _unknown_key(m[1], "in it")
    m = re.search(r'invalid uri query parameter: "([^"]*)"', message, re.I)
    if m:
        return _unknown_key(m[1], "in the URI's query (after ?)")
    if 'missing "=" after' in low:
        return (
            "a word in it has no `=`: a value holding an unquoted space (a password?), or a "
            "stray word",
            "quote a value that holds spaces: password='…' (or keep the password in "
            "~/.pgpass); in a URI write a space as %20",
        )
    if "unterminated quoted string" in low:
        return (
            "a quoted value has no closing quote",
            "close the quote; write a quote inside a value as \\'",
        )
    if "percent-encoded" in low:
        return ("a '%' in the URI is not followed by two hex digits", _URI_ESCAPES)
    return ("it is not a libpq connection string", _DSN_FORM)


def _uri_problem(dsn: str, params: dict) -> str | None:
    """What libpq reads wrongly in a URI without saying so: a raw '@' or '/' in the user
    name or password moves the rest of the password into the host, port or database."""
    port = str(params.get("port") or "")
    bad_port = bool(port) and not re.fullmatch(r"[0-9,]*", port)
    if not re.match(r"postgres(?:ql)?://", dsn, re.I):
        return "the port is not a number" if bad_port else None
    authority = dsn.split("://", 1)[1].split("?", 1)[0]
    at = authority.find("@")
    if authority.count("@") > 1:
        return "a raw '@' in the URI's user name or password"
    if at >= 0 and "/" in authority[:at]:
        return "a raw '/' in the URI's user name or password"
    if bad_port or "@" in str(params.get("host") or ""):
        return "the URI's host and port cannot be read (a raw ':' or '@' in the password?)"
    return None


def resolve_dsn(env: Environment) -> str:
    """The conninfo to connect to ``env``; raises UserError naming the fix when it cannot."""
    if env.service:
        return check_dsn(f"service={env.service}", f"the service name of environment {env.name!r}")
    if env.dsn_env:
        value = os.environ.get(env.dsn_env)
        if not value:
            raise UserError(
                f"environment {env.name!r}: the variable ${env.dsn_env} is not set",
                f"export {env.dsn_env}='postgresql://USER@HOST:PORT/DB' (password in ~/.pgpass "
                "or $PGPASSWORD, never in the runbook)",
            )
        return check_dsn(value, f"${env.dsn_env} (environment {env.name!r})")
    raise UserError(
        f"environment {env.name!r} names no server",
        'give it `service = "NAME"` (pg_service.conf) or `dsn_env = "VAR"`',
    )


def describe_dsn(dsn: str) -> str:
    """A short, password-free label for a DSN: ``user@host:port/db``."""
    remember_dsn(dsn)
    try:
        from psycopg.conninfo import conninfo_to_dict

        d = conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - a label must never fail, nor quote an unreadable DSN
        return "(an unreadable connection string)"
    remember(d.get("password"))
    if "service" in d and len(d) == 1:
        return redact(f"service={d['service']}")
    host = str(d.get("host") or "localhost")
    port = f":{d['port']}" if d.get("port") else ""
    user = f"{d['user']}@" if d.get("user") else ""
    return redact(f"{user}{host}{port}/{d.get('dbname', '')}")
