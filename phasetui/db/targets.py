"""Turns the CLI's ``--env NAME`` / ``--dsn DSN`` into a connection string.

Environments come from a runbook (when one is given) and from ``phasetui.toml``; a name
found in neither is tried as a libpq service name, so ``--env staging`` works for a team
that already keeps ``[staging]`` in ``pg_service.conf``. Every DSN is checked
(:func:`check_dsn`) on its way through, so a malformed one is refused in one clean
sentence before psycopg sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from phasetui.db.environments import Environment, check_dsn, resolve_dsn
from phasetui.errors import UserError


@dataclass(frozen=True)
class Target:
    dsn: str
    environment: Environment | None

    @property
    def label(self) -> str:
        from phasetui.db.environments import describe_dsn

        if self.environment:
            return self.environment.name
        return describe_dsn(self.dsn)


def config_environments() -> dict[str, Environment]:
    from phasetui.config import load_config

    cfg = load_config()
    out: dict[str, Environment] = {}
    for name, spec in cfg.section("environments").items():
        if isinstance(spec, dict):
            out[name] = Environment.from_mapping(name, spec)
    return out


def resolve_target(
    env: str | None = None,
    dsn: str | None = None,
    environments: Mapping[str, Environment] | None = None,
) -> Target:
    """Exactly one of ``env`` and ``dsn``; raises UserError otherwise.

    A DSN, given or found in an environment's variable, is checked by
    :func:`~phasetui.db.environments.check_dsn`: a malformed one is refused here, in one
    sentence that shows no part of it, before anything tries to connect."""
    if bool(env) == bool(dsn):
        raise UserError("give exactly one of --env NAME and --dsn DSN")
    if dsn:
        return Target(check_dsn(dsn, "the DSN given with --dsn"), None)
    assert env is not None
    known = dict(config_environments())
    known.update(environments or {})
    found = known.get(env) or Environment(name=env, service=env)
    return Target(resolve_dsn(found), found)
