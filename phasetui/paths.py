"""Default places on disk: the user's data dir holds the demo server and the audit repo."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    env = os.environ.get("PHASETUI_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("phasetui", appauthor=False))


def default_audit_repo() -> Path:
    env = os.environ.get("PHASETUI_AUDIT_REPO")
    return Path(env).expanduser() if env else data_dir() / "audit"
