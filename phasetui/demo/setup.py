"""Everything ``phasetui demo`` sets up before the UI opens, as one reusable call."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from psycopg.conninfo import make_conninfo

from phasetui.demo.seed import PRODUCTION_DB, STAGING_DB, create_database, is_seeded, seed
from phasetui.errors import UserError

ENV_VARS = {"staging": "PHASETUI_STAGING_DSN", "production": "PHASETUI_PRODUCTION_DSN"}


@dataclass
class DemoSetup:
    admin_dsn: str
    embedded: bool
    data_dir: Path | None
    databases: dict[str, str] = field(default_factory=dict)  # env name -> DSN
    seeded: dict[str, int] = field(default_factory=dict)  # env name -> users created now

    def export_environment(self) -> None:
        """Sets the variables the sample runbooks name (``dsn_env``) for this process."""
        for env, var in ENV_VARS.items():
            os.environ[var] = self.databases[env]


def prepare(*, rows: int, data_dir: Path, reset: bool = False) -> DemoSetup:
    """Starts or reuses the server, creates and fills staging and production if needed."""
    external = os.environ.get("PHASETUI_DEMO_DSN")
    if external:
        from phasetui.db.environments import check_dsn

        admin, embedded, folder = check_dsn(external, "$PHASETUI_DEMO_DSN"), False, None
    else:
        from phasetui.demo.server import start_embedded

        admin, embedded, folder = start_embedded(data_dir), True, data_dir
    _check_reachable(admin)
    setup = DemoSetup(admin, embedded, folder)
    for env, name, users in (
        ("staging", STAGING_DB, max(rows // 10, 100)),
        ("production", PRODUCTION_DB, rows),
    ):
        create_database(admin, name, replace=reset)
        dsn = make_conninfo(admin, dbname=name)
        setup.databases[env] = dsn
        if not is_seeded(dsn):
            seed(dsn, users=users, staging=env == "staging")
            setup.seeded[env] = users
    return setup


def _check_reachable(dsn: str) -> None:
    import psycopg

    from phasetui.db.session import connect_error

    try:
        psycopg.connect(dsn, connect_timeout=10).close()
    except psycopg.Error as exc:
        err = connect_error(dsn, exc)
        raise UserError(
            err.message.replace("cannot connect to", "cannot reach the demo server", 1),
            f"{err.hint}; check $PHASETUI_DEMO_DSN (a superuser DSN), or unset it to use the "
            "embedded server",
        ) from None
