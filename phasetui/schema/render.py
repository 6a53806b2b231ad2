"""The diff as plain text (terminal), Markdown (the audit repo's ``schema/diff.md``) or JSON.

All three say the same things: both sources, which facets were not compared, counts per kind,
then every change with its phase, lock risk, advice and changed attributes (old → new). A
rename reads ``R column app.orders.note -> memo`` (the new name as ``RENAME … TO`` takes it)
and is marked as breaking running application code.
"""

from __future__ import annotations

import json
from typing import Any

from phasetui.schema.diff import STATUSES, Change, SchemaDiff
from phasetui.schema.idents import qualify, split_qualified

MARK = {"added": "+", "removed": "-", "changed": "~", "renamed": "R"}
PHASE_ORDER = ("expand", "backfill", "contract", "any", "review")
BREAKS_APP = "breaks running code"


def renamed_to(c: Change) -> str:
    """The new name as ``RENAME … TO`` takes it: the last part when only that changed."""
    try:
        old, new = split_qualified(c.old_name or ""), split_qualified(c.name)
    except ValueError:
        return c.name
    return qualify(new[-1]) if len(old) == len(new) and old[:-1] == new[:-1] else c.name


def title(c: Change, arrow: str = "->") -> str:
    """``app.orders.note``, or for a rename ``app.orders.note -> memo``."""
    if c.status == "renamed" and c.old_name:
        return f"{c.old_name} {arrow} {renamed_to(c)}"
    return c.name


def folded_text(c: Change) -> str:
    """``with 5 column(s)`` (an added/removed table) / ``carried along: …`` (a rename)."""
    lead = "carried along: " if c.status == "renamed" else "with "
    return lead + ", ".join(f"{n} {k}(s)" for k, n in c.folded.items())


def _value(v: Any) -> str:
    if v is None:
        return "(default)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return "[" + ", ".join(str(x) for x in v) + "]"
    return str(v)


def _summary(diff: SchemaDiff) -> list[str]:
    lines = [
        f"{side}: warning: {w}"
        for side, model in (("A", diff.a), ("B", diff.b))
        for w in model.warnings
    ]
    lines += diff.facet_notes
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
        breaks = f", {BREAKS_APP}" if c.breaks_app else ""
        out.append(f"{MARK[c.status]} {c.kind} {title(c)}  [{c.phase}, risk {c.risk}{breaks}]")
        if c.folded:
            out.append("    " + folded_text(c))
        for a in c.attrs:
            out.append(f"    {a.attr}: {_value(a.old)} -> {_value(a.new)}")
        if c.verdict.advice:
            out.append(f"    {c.verdict.advice}")
        for note in c.notes:
            out.append(f"    note: {note}")
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
    out += ["| kind | added | removed | changed | renamed |", "|---|---:|---:|---:|---:|"]
    for kind, n in diff.counts().items():
        out.append(f"| {kind} | {n['added']} | {n['removed']} | {n['changed']} | {n['renamed']} |")
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
                what = "; ".join(x for x in (folded_text(c), what) if x)
            if c.notes:
                what = "; ".join(x for x in (what, *(_md(n) for n in c.notes)) if x)
            name = f"`{_md(c.name)}`"
            if c.status == "renamed" and c.old_name:
                name = f"`{_md(c.old_name)}` → `{_md(renamed_to(c))}`"
            risk = f"{c.risk}, **{BREAKS_APP}**" if c.breaks_app else c.risk
            out.append(
                f"| {MARK[c.status]} | {c.kind} | {name} | {risk} | {what} | "
                f"{_md(c.verdict.advice)} |"
            )
    return "\n".join(out) + "\n"


def change_dict(c: Change) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "name": c.name,
        "old_name": c.old_name,
        "status": c.status,
        "parent": c.parent,
        "phase": c.phase,
        "risk": c.risk,
        "breaks_app": c.breaks_app,
        "advice": c.verdict.advice,
        "folded": c.folded,
        "notes": c.notes,
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
        "warnings": {"a": diff.a.warnings, "b": diff.b.warnings},
        "notes": {"a": diff.a.notes, "b": diff.b.notes},
        "counts": diff.counts(),
        "changes": [change_dict(c) for c in diff.changes],
    }


def render_json(diff: SchemaDiff) -> str:
    return json.dumps(diff_dict(diff), indent=2, default=list) + "\n"


RENDERERS = {"text": render_text, "md": render_markdown, "json": render_json}


def render(diff: SchemaDiff, fmt: str) -> str:
    return RENDERERS[fmt](diff)
