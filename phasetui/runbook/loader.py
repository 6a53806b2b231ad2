"""Loads a runbook by its file type: ``.toml`` or a Markdown guide (``.md``)."""

from __future__ import annotations

from pathlib import Path

from phasetui.runbook.errors import Problem, RunbookError
from phasetui.runbook.model import Runbook
from phasetui.runbook.secrets_check import check_secrets


def load_runbook(path: Path | str) -> Runbook:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RunbookError([Problem(path, 0, "no such file")]) from None
    except IsADirectoryError:
        raise RunbookError([Problem(path, 0, "is a folder, not a runbook file")]) from None
    except PermissionError:
        raise RunbookError([Problem(path, 0, "cannot be read (permission denied)")]) from None
    except OSError as exc:  # a name too long, an I/O error, …
        raise RunbookError([Problem(path, 0, f"cannot be read ({exc.strerror})")]) from None
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RunbookError([Problem(path, line, "is not UTF-8 text; save it as UTF-8")]) from None
    source = source.removeprefix("\ufeff")
    check_secrets(path, source)  # before anything reads it: a run would freeze it into git
    if path.suffix.lower() in (".md", ".markdown"):
        from phasetui.runbook.markdown_loader import load_markdown_runbook

        return load_markdown_runbook(path, source)
    if path.suffix.lower() != ".toml":
        raise RunbookError(
            [Problem(path, 0, "unknown runbook type; use a .toml runbook or a .md checklist guide")]
        )
    from phasetui.runbook.toml_loader import load_toml_runbook

    return load_toml_runbook(path, source)
