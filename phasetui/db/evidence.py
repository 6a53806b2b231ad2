"""Small helpers shared by the rehearsal and apply reports (Markdown evidence, JSON).

Reports end up in the audit repo as Markdown tables, where a ``|`` or a newline in a SQL
statement would break the table; database text is escaped here, once.
"""

from __future__ import annotations

import json
from typing import Any


def md_cell(text: object) -> str:
    """Text that is safe inside one Markdown table cell."""
    s = "" if text is None else str(text)
    s = " ".join(s.split())
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")


def md_code_block(text: str, lang: str = "sql") -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{lang}\n{text}\n{fence}"


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0 (none)"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value >= 60 and value % 60 == 0:
        return f"{value / 60:.0f} min"
    return f"{value:.2f} s"
