"""Markdown building blocks: text from a record is shown as it is, never as markup."""

from __future__ import annotations

import re
from typing import Any

from phasetui.units import human_duration


def cell(value: Any) -> str:
    """One line for a table cell or inline text: whitespace folded, pipes escaped."""
    text = "" if value is None else str(value)
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def code(value: Any) -> str:
    """Inside single backticks: a backtick becomes a quote, a pipe is escaped (tables)."""
    return " ".join(str(value).split()).replace("`", "'").replace("|", "\\|")


def fence(text: str, lang: str = "") -> list[str]:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    mark = "`" * max(3, longest + 1)
    return [f"{mark}{lang}", text.rstrip("\n"), mark]


def demote(text: str, levels: int = 1) -> str:
    """Headings one level down, outside fenced blocks (a report inside a review)."""
    out, in_fence = [], ""
    for line in text.splitlines():
        m = re.match(r"^(`{3,}|~{3,})", line)
        if m and (not in_fence or line.startswith(in_fence)):
            in_fence = "" if in_fence else m.group(1)
        elif not in_fence and re.match(r"^#{1,5} ", line):
            line = "#" * levels + line
        out.append(line)
    return "\n".join(out)


def verdict(ok: bool | None) -> str:
    return "ok" if ok is True else "**FAILED**" if ok is False else ""


def took(seconds: float | None, measured: bool = True) -> str:
    if seconds is None:
        return "?"
    return human_duration(seconds) if measured else f"~{human_duration(seconds)}"
