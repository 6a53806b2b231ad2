"""Where a target database is, without ever holding its password.

An environment is named (``staging``, ``production``) and points at a server either by a
libpq service name (``pg_service.conf`` holds host, user and, in ``~/.pgpass``, the password)
or by the name of an environment variable that holds a DSN. Runbooks and ``phasetui.toml``
store only those names, so nothing credential-bearing is ever written to the audit repo.
Anything shown or logged goes through :func:`redact`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from phasetui.errors import UserError


@dataclass(frozen=True)
class Environment:
    name: str
    service: str | None = None
    dsn_env: str | None = None
    production: bool = False
    rehearsal_allowed: bool = False
    read_only: bool = False

    @classmethod
    def from_mapping(cls, name: str, spec: dict) -> Environment:
        """From a runbook's or ``phasetui.toml``'s ``[environments.NAME]`` table."""
        return cls(
            name=name,
            service=spec.get("service"),
            dsn_env=spec.get("dsn_env"),
            production=bool(spec.get("production", False)),
            rehearsal_allowed=bool(spec.get("rehearsal_allowed", False)),
            read_only=bool(spec.get("read_only", False)),
        )

    def describe(self) -> str:
        where = f"service {self.service}" if self.service else f"${self.dsn_env}"
        return f"{self.name} ({where})"


_PASSWORD_IN_URI = re.compile(r"(?P<head>postgres(?:ql)?://[^:/@?#]*):(?P<pw>[^@/?#]*)@")
_PASSWORD_KV = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|\S+)", re.I)
_PASSWORD_QUERY = re.compile(r"(?P<head>[?&]password=)(?P<pw>[^&#\s]*)", re.I)


def redact(text: str) -> str:
    """Masks every password in DSNs or conninfo strings found anywhere in ``text``."""
    text = _PASSWORD_IN_URI.sub(lambda m: f"{m['head']}:***@" if m["pw"] else m[0], text)
    text = _PASSWORD_KV.sub(lambda m: f"{m['head']}***", text)
    return _PASSWORD_QUERY.sub(lambda m: f"{m['head']}***", text)


def resolve_dsn(env: Environment) -> str:
    """The conninfo to connect to ``env``; raises UserError naming the fix when it cannot."""
    if env.service:
        return f"service={env.service}"
    if env.dsn_env:
        value = os.environ.get(env.dsn_env)
        if not value:
            raise UserError(
                f"environment {env.name!r}: the variable ${env.dsn_env} is not set",
                f"export {env.dsn_env}='postgresql://USER@HOST:PORT/DB' (password in ~/.pgpass "
                "or $PGPASSWORD, never in the runbook)",
            )
        return value
    raise UserError(
        f"environment {env.name!r} names no server",
        'give it `service = "NAME"` (pg_service.conf) or `dsn_env = "VAR"`',
    )


def describe_dsn(dsn: str) -> str:
    """A short, password-free label for a DSN: ``user@host:port/db``."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        d = conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - a label must never fail
        return redact(dsn)
    if "service" in d and len(d) == 1:
        return f"service={d['service']}"
    host = str(d.get("host") or "localhost")
    port = f":{d['port']}" if d.get("port") else ""
    user = f"{d['user']}@" if d.get("user") else ""
    return f"{user}{host}{port}/{d.get('dbname', '')}"
