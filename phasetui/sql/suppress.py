"""In-SQL suppressions: ``-- phasetui: allow RULE[,RULE…] reason``.

A suppression belongs to the statement it sits in or trails on the same line, otherwise to
the next statement after it. The reason is kept: a suppressed finding still appears in the
report (as suppressed, with the reason) but no longer fails the lint.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from phasetui.sql.statements import Statement

_ALLOW = re.compile(
    r"--\s*phasetui:\s*allow\s+(?P<rules>[\w*-]+(?:\s*,\s*[\w*-]+)*)\s*(?P<reason>.*?)\s*$",
    re.M | re.I,
)


def find_suppressions(text: str) -> list[tuple[int, dict[str, str]]]:
    """[(line, {rule: reason})] for every allow comment in ``text``."""
    if "phasetui:" not in text:
        return []
    out = []
    for m in _ALLOW.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        reason = m["reason"].strip(" -:—") or "(no reason given)"
        rules = {r.strip().lower(): reason for r in m["rules"].split(",")}
        out.append((line, rules))
    return out


def attach_suppressions(text: str, statements: list[Statement]) -> None:
    """Puts each allow comment of one source onto the statement it belongs to."""
    found = find_suppressions(text)
    if not found or not statements:
        return
    starts = [s.line for s in statements]
    for line, rules in found:
        target = None
        for stmt in statements:
            if stmt.line <= line <= stmt.end_line:
                target = stmt
                break
        if target is None:
            i = bisect_left(starts, line + 1)
            target = statements[i] if i < len(statements) else None
        if target is not None:
            target.suppressions.update(rules)
