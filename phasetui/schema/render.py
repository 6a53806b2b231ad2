"""The diff as plain text (terminal), Markdown (the audit repo's ``schema/diff.md``) or JSON.

All three say the same things: both sources, which facets were not compared, counts per kind,
then every change with its phase, lock risk, advice and changed attributes (old → new).
"""

from __future__ import annotations

import json
from typing import Any

from phasetui.schema.diff import STATUSES, Change, SchemaDiff

MARK = {"added": "+", "removed": "-", "changed": "~"}
PHASE_ORDER = ("expand", "backfill", "contract", "any", "review")


def _value(v: Any) -> str:
    if v is None:
        return "(default)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return "[" + ", ".join(str(x) for x in v) + "]"
    return str(v)


def _summary(diff: SchemaDiff) -> list[str]:
    lines = list(diff.facet_notes)
    for side, model in (("A", diff.a), ("B", diff.b)):
        for note in model.notes:
            lines.append(f"{side}: {note}")
    return lines


def render_text(diff: SchemaDiff) -> str:
    out = [f"schema diff  A: {diff.a.source}  B: {diff.b.source}"]
    out += _summary(diff)
    if diff.empty:
        out.append("no differences")
        return "\n".join(out) + "\n"
    counts = diff.counts()
    out.append(
        "changes: "
        + "; ".join(
            f"{kind} " + " ".join(f"{MARK[s]}{n[s]}" for s in STATUSES if n[s])
            for kind, n in counts.items()
        )
    )
    for c in diff.changes:
        out.append("")
        out.append(f"{MARK[c.status]} {c.kind} {c.name}  [{c.phase}, risk {c.risk}]")
        if c.folded:
            out.append("    with " + ", ".join(f"{n} {k}(s)" for k, n in c.folded.items()))
        for a in c.attrs:
            out.append(f"    {a.attr}: {_value(a.old)} -> {_value(a.new)}")
        if c.verdict.advice:
            out.append(f"    {c.verdict.advice}")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(v: Any) -> str:
    text = _value(v)
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{_md(text)}{pad}{fence}"


def render_markdown(diff: SchemaDiff) -> str:
    out = ["# Schema diff", "", f"- A: `{_md(diff.a.source)}`", f"- B: `{_md(diff.b.source)}`"]
    out += [f"- {_md(line)}" for line in _summary(diff)]
    out.append("")
    if diff.empty:
        out.append("No differences.")
        return "\n".join(out) + "\n"
    out += ["| kind | added | removed | changed |", "|---|---:|---:|---:|"]
    for kind, n in diff.counts().items():
        out.append(f"| {kind} | {n['added']} | {n['removed']} | {n['changed']} |")
    for phase in PHASE_ORDER:
        changes = [c for c in diff.changes if c.phase == phase]
        if not changes:
            continue
        out += [
            "",
            f"## {phase}",
            "",
            "| | kind | name | risk | what changed | advice |",
            "|---|---|---|---|---|---|",
        ]
        for c in changes:
            what = "; ".join(f"{a.attr}: {_code(a.old)} → {_code(a.new)}" for a in c.attrs)
            if c.folded:
                what = "with " + ", ".join(f"{n} {k}(s)" for k, n in c.folded.items())
            out.append(
                f"| {MARK[c.status]} | {c.kind} | `{_md(c.name)}` | {c.risk} | {what} | "
                f"{_md(c.verdict.advice)} |"
            )
    return "\n".join(out) + "\n"


def change_dict(c: Change) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "name": c.name,
        "status": c.status,
        "parent": c.parent,
        "phase": c.phase,
        "risk": c.risk,
        "advice": c.verdict.advice,
        "folded": c.folded,
        "attrs": [
            {
                "attr": a.attr,
                "old": a.old,
                "new": a.new,
                "phase": a.verdict.phase if a.verdict else None,
                "risk": a.verdict.risk if a.verdict else None,
            }
            for a in c.attrs
        ],
    }


def diff_dict(diff: SchemaDiff) -> dict[str, Any]:
    return {
        "a": diff.a.source,
        "b": diff.b.source,
        "skipped_facets": sorted(diff.skipped_facets),
        "facet_notes": diff.facet_notes,
        "notes": {"a": diff.a.notes, "b": diff.b.notes},
        "counts": diff.counts(),
        "changes": [change_dict(c) for c in diff.changes],
    }


def render_json(diff: SchemaDiff) -> str:
    return json.dumps(diff_dict(diff), indent=2, default=list) + "\n"


RENDERERS = {"text": render_text, "md": render_markdown, "json": render_json}


def render(diff: SchemaDiff, fmt: str) -> str:
    return RENDERERS[fmt](diff)
