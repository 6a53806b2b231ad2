"""Who is acting: the author of every audit commit and the ``who`` of every event."""

from __future__ import annotations

import getpass
import re
import socket
from dataclasses import dataclass

_NAME_EMAIL = re.compile(r"^\s*(?P<name>[^<]+?)\s*<(?P<email>[^>]+)>\s*$")


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


def _git_config_person() -> Person | None:
    try:
        import git

        reader = git.GitConfigParser(
            [git.config.get_config_path("global"), git.config.get_config_path("system")],
            read_only=True,
        )
        name = reader.get_value("user", "name", "")
        email = reader.get_value("user", "email", "")
    except Exception:  # noqa: BLE001 - no config is a normal case
        return None
    if name:
        return Person(str(name), str(email) or f"{name}@{socket.gethostname()}")
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
