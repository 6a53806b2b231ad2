"""Refuses a runbook that holds a credential anywhere, before anything else reads it.

A runbook is frozen verbatim into the audit repo when a run starts, and git never forgets:
a DSN with a password in a schema-diff side, ``PGPASSWORD=…`` in a shell command or an
``ALTER ROLE … PASSWORD '…'`` in inline SQL would be committed before any step refused it.
So every string value of a TOML runbook (and every line of a Markdown guide) is read with
the same masker that guards the journal (:mod:`phasetui.redaction`); a value the masker would
change is refused, naming the file, the line and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from phasetui.redaction import secret_kind
from phasetui.runbook.errors import Problem, RunbookError
from phasetui.runbook.toml_lines import LineIndex, Path_

_FIX = (
    'a runbook must never hold a password: name a libpq service (`service = "NAME"`, '
    'password in ~/.pgpass) or a variable (`dsn_env = "VAR"`); for a role\'s password, '
    "put the SQL in a `file` or set it outside phasetui (psql's \\password)"
)


def _strings(value: Any, where: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*where, key), str(key)
            yield from _strings(item, (*where, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _strings(item, (*where, n))


def _name(where: Path_) -> str:
    """``phases[1].steps[0].left`` for a refusal a DBA can find."""
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the runbook"


def secret_problems(path: Path, source: str) -> list[Problem]:
    """Every credential-bearing value in the runbook ``source`` (empty when none)."""
    if path.suffix.lower() in (".md", ".markdown"):
        return [
            Problem(path, n, f"this line holds {kind}; {_FIX}")
            for n, line in enumerate(source.split("\n"), 1)  # only \n ends a line
            if (kind := secret_kind(line))
        ]
    try:
        data = tomllib.loads(source)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return []  # the loader reports unreadable TOML with its own line
    lines = LineIndex(source)
    problems = []
    for where, text in _strings(data, ()):
        kind = secret_kind(text)
        if kind:
            problems.append(
                Problem(path, lines.line(where), f"`{_name(where)}` holds {kind}; {_FIX}")
            )
    return problems


def check_secrets(path: Path, source: str) -> None:
    """Raises RunbookError when the runbook holds a credential (see :func:`secret_problems`)."""
    problems = secret_problems(path, source)
    if problems:
        raise RunbookError(sorted(problems, key=lambda p: p.line))
