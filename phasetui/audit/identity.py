"""Who is acting: the author of every audit commit and the ``who`` of every event."""

from __future__ import annotations

import getpass
import os
import re
import socket
import subprocess
from dataclasses import dataclass

_NAME_EMAIL = re.compile(r"^\s*(?P<name>[^<]+?)\s*<(?P<email>[^>]+)>\s*$")


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


def _git_config_person() -> Person | None:
    """user.name / user.email from the global and system git config (never a repo's own)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
    try:
        out = subprocess.run(
            ["git", "config", "--includes", "--get-regexp", r"^user\.(name|email)$"],
            cwd=os.path.abspath(os.sep),
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):  # no git: a normal case here
        return None
    values: dict[str, str] = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        values[key] = value.strip()  # the last one wins, as in git
    name, email = values.get("user.name", ""), values.get("user.email", "")
    if name:
        return Person(name, email or f"{name}@{socket.gethostname()}")
    return None


def fallback_person() -> Person:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001
        user = "unknown"
    host = socket.gethostname()
    return Person(f"{user}@{host}", f"{user}@{host}")


def resolve_person(as_name: str | None = None) -> Person:
    """``--as NAME`` (``Name <email>`` or a bare name), else git config, else ``$USER@host``."""
    if as_name:
        m = _NAME_EMAIL.match(as_name)
        if m:
            return Person(m["name"], m["email"])
        host = socket.gethostname()
        return Person(as_name.strip(), f"{as_name.strip().replace(' ', '.')}@{host}")
    return _git_config_person() or fallback_person()
