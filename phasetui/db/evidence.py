"""Small helpers shared by the rehearsal and apply reports (Markdown evidence, JSON).

Reports end up in the audit repo as Markdown tables, where a ``|`` or a newline in a SQL
statement would break the table; database text is escaped here, once. Every cell, code
block and JSON string is masked here too (:mod:`phasetui.redaction`): the statements are
masked where they are recorded, and this is the second line of defence.
"""

from __future__ import annotations

import json
from typing import Any

from phasetui.redaction import mask_sql, redact, scrub


def md_cell(text: object) -> str:
    """Text that is safe inside one Markdown table cell."""
    s = "" if text is None else redact(str(text))
    s = " ".join(s.split())
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")


def md_code_block(text: str, lang: str = "sql") -> str:
    text = mask_sql(text) if lang == "sql" else redact(text)
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{lang}\n{text}\n{fence}"


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(scrub(data), indent=2, ensure_ascii=False, sort_keys=False)


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
