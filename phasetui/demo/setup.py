"""Everything ``phasetui demo`` sets up before the UI opens, as one reusable call.

Besides the server and the two databases, the demo writes a ``phasetui.toml`` into its home
(``$PHASETUI_HOME``, next to the audit repo) naming ``staging`` and ``production`` by the
variable that holds each DSN, and hands back the ``export`` lines (those variables and
``PHASETUI_CONFIG``) that make every ``--env staging|production`` work in a second shell,
from any folder. Neither the file nor those lines ever hold a password.
"""

from __future__ import annotations

import os
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from phasetui.demo.seed import PRODUCTION_DB, STAGING_DB, create_database, is_seeded, seed
from phasetui.errors import UserError

ENV_VARS = {"staging": "PHASETUI_STAGING_DSN", "production": "PHASETUI_PRODUCTION_DSN"}
# What each demo environment is, as the sample runbooks declare it.
ENV_FLAGS = {"staging": {"rehearsal_allowed": True}, "production": {"production": True}}
CONFIG_FILE = "phasetui.toml"


def demo_config_text() -> str:
    """The ``phasetui.toml`` the demo writes: environments by ``dsn_env``, no DSN."""
    parts = [
        "# Written by `phasetui demo`. Each environment names the variable that holds its DSN;",
        "# `phasetui demo` prints the export lines. Never put a DSN or a password here.",
    ]
    for env, var in ENV_VARS.items():
        parts += ["", f"[environments.{env}]", f'dsn_env = "{var}"']
        parts += [f"{key} = {str(value).lower()}" for key, value in ENV_FLAGS[env].items()]
    return "\n".join(parts) + "\n"


@dataclass(frozen=True)
class DemoConfig:
    path: Path
    # "written" now, "kept" (already right), "conflict" (a different file, left as it was)
    # or "unwritable" (no file could be written)
    status: str
    problem: str = ""

    @property
    def usable(self) -> bool:
        return self.status in ("written", "kept")


def write_demo_config(path: Path) -> DemoConfig:
    """Writes the demo's ``phasetui.toml`` at ``path`` unless a file is there. An existing
    file is never overwritten: it is kept when it names the demo's environments by the same
    variables (whatever else it holds), and reported as a conflict otherwise."""
    try:
        with path.open("x", encoding="utf-8") as fh:
            fh.write(demo_config_text())
        return DemoConfig(path, "written")
    except FileExistsError:
        pass
    except OSError as exc:
        return DemoConfig(path, "unwritable", f"it cannot be written ({exc.strerror or exc})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return DemoConfig(path, "conflict", f"it cannot be read ({exc})")
    envs = data.get("environments")
    envs = envs if isinstance(envs, dict) else {}
    for env, var in ENV_VARS.items():
        spec = envs.get(env)
        if not isinstance(spec, dict) or spec.get("dsn_env") != var:
            problem = f'its [environments.{env}] is not dsn_env = "{var}"'
            return DemoConfig(path, "conflict", problem)
    return DemoConfig(path, "kept")


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

    def exports(self, config: DemoConfig | None = None) -> dict[str, str]:
        """The variables a second shell needs, password-free (a password of an external
        ``$PHASETUI_DEMO_DSN`` belongs in ~/.pgpass or $PGPASSWORD, not on the screen)."""
        out = {ENV_VARS[env]: without_password(dsn) for env, dsn in self.databases.items()}
        if config is not None and config.usable:
            out["PHASETUI_CONFIG"] = str(config.path)
        return out

    @property
    def password_dropped(self) -> bool:
        return any(without_password(dsn) != dsn for dsn in self.databases.values())


def shell_lines(exports: dict[str, str]) -> list[str]:
    """``export NAME=VALUE`` lines, quoted for a POSIX shell."""
    return [f"export {name}={shlex.quote(value)}" for name, value in exports.items()]


def without_password(dsn: str) -> str:
    params = conninfo_to_dict(dsn)
    if "password" not in params:
        return dsn
    params.pop("password")
    return make_conninfo("", **params)


def prepare(*, rows: int, data_dir: Path, reset: bool = False) -> DemoSetup:
    """Starts or reuses the server, creates and fills staging and production if needed."""
    external = os.environ.get("PHASETUI_DEMO_DSN")
    if external:
        from phasetui.db.environments import check_dsn

        admin, embedded, folder = check_dsn(external, "$PHASETUI_DEMO_DSN"), False, None
    else:
        from phasetui.demo.server import start_embedded

        admin, embedded, folder = start_embedded(data_dir), True, data_dir
    _check_reachable(admin, folder)
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


def _check_reachable(dsn: str, embedded_dir: Path | None = None) -> None:
    import psycopg

    from phasetui.db.session import connect_error

    try:
        psycopg.connect(dsn, connect_timeout=10).close()
    except psycopg.Error as exc:
        err = connect_error(dsn, exc)
        if embedded_dir is not None:
            raise UserError(
                f"the embedded PostgreSQL on {embedded_dir} does not answer: "
                + err.message.split(": ", 1)[-1],
                f"run `phasetui demo --stop --data-dir {shlex.quote(str(embedded_dir))}`, "
                f"then the demo again; "
                f"its log is {embedded_dir / 'log'}",
            ) from None
        raise UserError(
            err.message.replace("cannot connect to", "cannot reach the demo server", 1),
            f"{err.hint}; check $PHASETUI_DEMO_DSN (a superuser DSN), or unset it to use the "
            "embedded server",
        ) from None
