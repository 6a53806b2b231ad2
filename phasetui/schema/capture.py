"""The runbook's ``schema-diff`` step, minus the UI and the audit repo: capture, diff, render.

The step runner calls :func:`capture_side` for each environment (pg_dump with the right
client, then the dump loaded into a model: dump against dump, like with like), then
:func:`diff_sides`, writes :attr:`SchemaDiffResult.files` under the run's directory and
commits them, opens ``phasetui.tui.schema_diff_screen.SchemaDiffScreen(result.diff)``, and
records the screen's ``True`` result as the evidence for "schema dump diff checked".
"""

from __future__ import annotations

from dataclasses import dataclass

from phasetui.schema.diff import STATUSES, SchemaDiff, diff_models
from phasetui.schema.model import SchemaModel
from phasetui.schema.render import render_json, render_markdown
from phasetui.schema.side_names import safe_file_name

__all__ = ["CapturedSide", "SchemaDiffResult", "capture_side", "diff_sides", "safe_file_name"]


@dataclass
class CapturedSide:
    name: str  # environment name, used in file names
    dump_text: str
    model: SchemaModel


@dataclass
class SchemaDiffResult:
    diff: SchemaDiff
    files: dict[str, str]  # path relative to the run directory -> content
    summary: str  # one line for the journal / checklist evidence


def capture_side(name: str, dsn: str) -> CapturedSide:
    """Dumps one environment's schema (pg_dump --schema-only) and loads it."""
    from phasetui.schema.dump_loader import load_dump
    from phasetui.schema.pgdump import run_pg_dump

    text = run_pg_dump(dsn)
    return CapturedSide(name, text, load_dump(text, source=f"env:{name}"))


def summarise(diff: SchemaDiff) -> str:
    if diff.empty:
        return "no schema differences"
    counts = {s: sum(1 for c in diff.changes if c.status == s) for s in STATUSES}
    parts = [f"{n} {s}" for s, n in counts.items() if n]
    risky = sum(1 for c in diff.changes if c.risk in ("high", "unknown"))
    if risky:
        parts.append(f"{risky} high-risk or unreviewed")
    breaking = sum(1 for c in diff.changes if c.breaks_app)
    if breaking:
        parts.append(f"{breaking} breaking running code")
    return ", ".join(parts)


def diff_sides(a: CapturedSide, b: CapturedSide) -> SchemaDiffResult:
    diff = diff_models(a.model, b.model)
    files = {
        f"schema/{safe_file_name(a.name)}.sql": a.dump_text,
        f"schema/{safe_file_name(b.name)}.sql": b.dump_text,
        "schema/diff.md": render_markdown(diff),
        "schema/diff.json": render_json(diff),
    }
    return SchemaDiffResult(diff, files, summarise(diff))
