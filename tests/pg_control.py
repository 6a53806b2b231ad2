"""A private embedded PostgreSQL that a fault test may stop, start and restart.

The session server of ``conftest.py`` is shared by every test, so no test may take it down.
A test that needs the server to go away under phasetui (a restart mid-backfill, the
"database system is starting up" window) gets one of these instead: its own data folder,
its own socket, stopped when the test ends. Root runs the server as pgserver's system user,
so ``pg_ctl`` runs as that user too.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


class PrivateServer:
    def __init__(self, folder: Path) -> None:
        from phasetui.demo.server import pg_bin_dir, start_embedded

        self.data_dir = folder / "data"
        self.dsn = start_embedded(self.data_dir, cleanup_mode="stop")
        self._pg_ctl = pg_bin_dir() / "pg_ctl"

    def _ctl(self, *args: str, wait: bool = True) -> None:
        user = "pgserver" if os.geteuid() == 0 else None
        cmd = [str(self._pg_ctl), "-D", str(self.data_dir), *args]
        if wait:
            cmd.insert(1, "-w")
        subprocess.run(cmd, check=True, capture_output=True, user=user, timeout=60)

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def start(self) -> None:
        """Starts it again on the same socket, with no TCP listener (as pgserver starts it)."""
        from psycopg.conninfo import conninfo_to_dict

        socket_dir = conninfo_to_dict(self.dsn)["host"]
        self._ctl("start", "-o", f'-h "" -k {socket_dir}', "-l", str(self.data_dir / "log"))
        self.wait_ready()

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode, "-l", str(self.data_dir / "log"))
        self.wait_ready()

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.dsn, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def create_db(self, name: str) -> str:
        from psycopg import sql
        from psycopg.conninfo import make_conninfo

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return make_conninfo(self.dsn, dbname=name)


def private_server() -> PrivateServer:
    return PrivateServer(Path(tempfile.mkdtemp(prefix="phasetui-pgpriv-")))
