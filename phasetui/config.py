"""Project settings from ``phasetui.toml``: environments and per-tool sections.

Found in the current directory or any parent (like ``pyproject.toml``), or named by
``$PHASETUI_CONFIG``. Sections are free for each part to read (``[lint]``, ``[backfill]``);
``[environments.NAME]`` holds the same keys as a runbook's environments.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasetui.errors import BadInput

CONFIG_NAME = "phasetui.toml"


@dataclass
class ProjectConfig:
    path: Path | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        return value if isinstance(value, dict) else {}


def find_config(start: Path | None = None) -> Path | None:
    env = os.environ.get("PHASETUI_CONFIG")
    if env:
        return Path(env)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None = None) -> ProjectConfig:
    path = path or find_config()
    if path is None:
        return ProjectConfig()
    try:
        return ProjectConfig(path, tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise BadInput(f"{path}: no such file", "check $PHASETUI_CONFIG") from exc
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", 0)
        raise BadInput(f"{path}:{line}: bad TOML: {exc.msg}", "fix the syntax") from exc
