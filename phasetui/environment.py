"""A named target (``staging``, ``production``): where it is, never its password.

Neutral ground shared by the runbook model, ``phasetui.toml`` and the database layer: the
runbook and the audit trail (and the offline review) must not depend on database code.
Resolving an environment to a DSN is :func:`phasetui.db.environments.resolve_dsn`.
"""

from __future__ import annotations

from dataclasses import dataclass


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
