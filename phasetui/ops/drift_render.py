"""A drift result as Markdown (the evidence file, and the CLI's text output) and JSON.

Names come from the databases, so every cell is escaped for a Markdown table: a ``|`` or a
line break in a role or table name must not break the table or forge a row.
"""

from __future__ import annotations

import json

from phasetui.ops.drift_result import DriftResult, GroupDiff
from phasetui.redaction import redact

_STATUS_TITLES = (
    ("different", "Different values"),
    ("only-left", "Only in {left}"),
    ("only-right", "Only in {right}"),
)


def cell(text: str) -> str:
    """Text safe inside one Markdown table cell, still readable as plain text."""
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r")
    text = "".join(c if c >= " " else f"\\x{ord(c):02x}" for c in text)
    return text or "—"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(head), "|" + "---|" * len(head), *(_row(r) for r in rows)]


def _group_lines(result: DriftResult, group: GroupDiff) -> list[str]:
    lines = [f"## {group.name.capitalize()}", ""]
    if not group.differences:
        lines += [
            f"No differences ({group.compared_left} in {result.left}, "
            f"{group.compared_right} in {result.right}).",
            "",
        ]
        return lines
    cols = list(group.columns)
    for status, title in _STATUS_TITLES:
        found = group.by_status(status)
        if not found:
            continue
        lines += [f"### {title.format(left=result.left, right=result.right)} ({len(found)})", ""]
        if status == "different":
            head = [*cols, result.left, result.right]
            rows = [[*d.key, d.left.shown(), d.right.shown()] for d in found]  # type: ignore[union-attr]
        else:
            side = result.left if status == "only-left" else result.right
            head = [*cols, f"value in {side}"]
            rows = [[*d.key, (d.left or d.right).shown()] for d in found]  # type: ignore[union-attr]
        lines += [*_table(head, rows), ""]
    return lines


def to_markdown(result: DriftResult, excluded: list[str] | None = None) -> str:
    verdict = "no drift" if result.ok else result.summary.split(":")[0]
    lines = [
        f"# Drift: {result.left} vs {result.right}",
        "",
        f"- check: {result.check}",
        f"- result: **{verdict}**",
    ]
    if result.settings_filter:
        lines.append("- settings compared: only " + ", ".join(result.settings_filter))
    versions = result.server_versions
    if any(versions):
        lines.append(f"- server version: {result.left} {versions[0]}, {result.right} {versions[1]}")
    lines += ["", "## Compared", ""]
    rows = [
        [g.name, str(g.compared_left), str(g.compared_right), str(len(g.differences))]
        for g in result.groups
    ]
    lines += [*_table(["group", result.left, result.right, "differences"], rows), ""]
    for group in result.groups:
        lines += _group_lines(result, group)
    for side, objects in (
        (result.left, result.only_objects_left),
        (result.right, result.only_objects_right),
    ):
        if objects:
            lines += [
                f"## Objects only in {side} ({len(objects)}): grants not compared",
                "",
                "A schema difference, not privilege drift: the schema-diff step covers it.",
                "",
                *_table(["object type", "object"], [list(o) for o in objects]),
                "",
            ]
    if excluded and any(g.name == "settings" for g in result.groups):
        lines += [
            "## Settings never compared",
            "",
            "They always differ between two servers or databases, belong to one session or "
            "transaction, or may hold a credential (docs/drift.md says why for each): "
            + ", ".join(excluded)
            + ".",
            "",
        ]
    return redact("\n".join(lines).rstrip() + "\n")


def to_json(result: DriftResult) -> str:
    """Values were masked when read (drift_settings), so the JSON stays valid JSON."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
