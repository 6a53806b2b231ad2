"""The sections of a run's review, built from its evidence files (never a database).

Each builder reads what the kind's step wrote (``lint/<step>.json``, ``rehearsal/…``,
``schema/<side>.sql``, …) and, when a file is gone or unreadable, says so and keeps what
the journal says: a review is never empty because one file is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phasetui.review.run import RunData, TimelineEntry
from phasetui.review.samples import Series, parse_samples


def _json(run: RunData, entry: TimelineEntry, area: str) -> tuple[Any, str]:
    """The event's JSON evidence in ``area`` (the runner's names, else ``<area>/<step>.json``)."""
    named = [f.path for f in entry.files if f.path.endswith(".json")]
    in_area = [f for f in named if f.startswith(f"{area}/")] or named
    rel = in_area[0] if in_area else (f"{area}/{entry.step}.json" if entry.step else "")
    if not rel:
        return None, "the event names no evidence file"
    data = run.read_bytes(rel)
    if data is None:
        return None, f"{rel} is missing from the run folder; the journal says: {entry.summary}"
    try:
        return json.loads(data.decode("utf-8")), ""
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"{rel} cannot be read as JSON ({exc}); the journal says: {entry.summary}"


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


# -- lint and overrides ---------------------------------------------------------------------


@dataclass
class Finding:
    rule: str
    severity: str
    line: Any
    message: str
    suppressed: str = ""  # the reason written in the SQL to allow it


@dataclass
class LintBlock:
    entry: TimelineEntry
    phase: str
    errors: float | None
    warnings: float | None
    findings: list[Finding]
    attempts: int
    problem: str = ""

    @property
    def rules(self) -> list[str]:
        return sorted({f.rule for f in self.findings})


def lint_blocks(run: RunData) -> list[LintBlock]:
    out = []
    for e in run.latest("lint"):
        data, problem = _json(run, e, "lint")
        findings = []
        for f in data if isinstance(data, list) else []:
            if isinstance(f, dict):
                findings.append(
                    Finding(
                        str(f.get("rule", "?")),
                        str(f.get("severity", "?")),
                        f.get("line", "?"),
                        " ".join(str(f.get("message", "")).split()),
                        str(f.get("suppressed") or ""),
                    )
                )
        if problem and isinstance(e.payload.get("rules"), list):
            findings = [Finding(str(r), "?", "?", "(from the journal)") for r in e.payload["rules"]]
        out.append(
            LintBlock(
                e,
                str(e.payload.get("phase") or ""),
                _num(e.payload.get("errors")),
                _num(e.payload.get("warnings")),
                findings,
                len(run.attempts(e.step or "", "lint")),
                problem,
            )
        )
    return out


@dataclass
class Override:
    entry: TimelineEntry
    what: str  # "lint errors", "verify gate", "allowed in the SQL", "failed rehearsal", …
    reason: str


def overrides(run: RunData, lints: list[LintBlock] | None = None) -> list[Override]:
    """Every gate passed with a written reason, each with that reason, in journal order."""
    out = []
    for e in run.timeline:
        if e.override:
            what = {
                "verify-override": "verify gate",
                "lint": "lint errors",
                "apply": "lint errors (at apply)",
            }.get(e.kind, f"{e.kind} gate")
            out.append(Override(e, what, e.override))
        failed = e.payload.get("after_failed_rehearsal")
        if failed:
            out.append(
                Override(e, "applied after a failed rehearsal", f"the rehearsal failed: {failed}")
            )
    for block in lints if lints is not None else lint_blocks(run):
        for f in block.findings:
            if f.suppressed:
                out.append(
                    Override(block.entry, f"lint rule {f.rule} allowed in the SQL", f.suppressed)
                )
    return sorted(out, key=lambda o: o.entry.seq)


# -- rehearsals ----------------------------------------------------------------------------


@dataclass
class RehearsalRow:
    index: Any
    line: Any
    sql: str
    status: str
    lock: str
    blocks: str
    rewrites: list[str]
    seconds: float | None
    reason: str = ""


@dataclass
class RehearsalBlock:
    entry: TimelineEntry
    environment: str
    failure: str
    rows: list[RehearsalRow]
    attempts: int
    problem: str = ""

    @property
    def locks(self) -> list[str]:
        return [r.lock for r in self.rows if r.lock]

    @property
    def rewrites(self) -> list[str]:
        return [w for r in self.rows for w in r.rewrites]


def rehearsal_blocks(run: RunData) -> list[RehearsalBlock]:
    out = []
    for e in run.latest("rehearsal"):
        data, problem = _json(run, e, "rehearsal")
        rows = []
        statements = data.get("statements") if isinstance(data, dict) else None
        for s in statements if isinstance(statements, list) else []:
            if not isinstance(s, dict):
                continue
            rewrites = [
                f"{r.get('relkind', 'relation')} {r.get('relation')}"
                for r in s.get("rewrites") or []
                if isinstance(r, dict)
            ]
            rows.append(
                RehearsalRow(
                    s.get("index", "?"),
                    s.get("line", "?"),
                    " ".join(str(s.get("sql", "")).split()),
                    str(s.get("status", "")),
                    str(s.get("strongest_lock") or s.get("documented_lock") or ""),
                    str(s.get("blocks") or ""),
                    rewrites,
                    _num(s.get("duration_s")),
                    str(s.get("reason") or ""),
                )
            )
        out.append(
            RehearsalBlock(
                e,
                str(e.payload.get("environment") or e.payload.get("env") or ""),
                str(e.payload.get("failure") or ""),
                rows,
                len(run.attempts(e.step or "", "rehearsal")),
                problem,
            )
        )
    return out


# -- schema diff from the committed dumps ---------------------------------------------------


@dataclass
class SchemaBlock:
    entry: TimelineEntry
    sides: list[str]
    files: list[str]  # the dumps diffed, relative to the run
    reviewed: TimelineEntry | None  # the schema-diff result marking it reviewed
    diff: Any = None  # phasetui.schema.diff.SchemaDiff, computed from the dumps
    markdown: str = ""
    problem: str = ""


def _dump_for(run: RunData, side: str) -> str | None:
    from phasetui.schema.side_names import safe_file_name

    for name in (safe_file_name(side), safe_file_name(Path(side).stem)):
        rel = f"schema/{name}.sql"
        if run.exists(rel):
            return rel
    return None


def schema_blocks(run: RunData, *, compute: bool = True) -> list[SchemaBlock]:
    """The latest capture of each schema-diff step, its diff recomputed from the dumps the
    run committed with the same loader and differ as the live step (``compute=False``
    only finds the files)."""
    reviews = {e.step: e for e in run.latest("schema-diff")}
    out = []
    for e in run.latest("schema-capture"):
        sides = [str(s) for s in e.payload.get("sides") or [] if isinstance(s, str | int)]
        block = SchemaBlock(e, sides, [], reviews.get(e.step))
        found = [_dump_for(run, s) for s in sides]
        if len(sides) != 2:
            block.problem = f"the capture names {len(sides)} sides, not two"
        elif None in found:
            gone = [s for s, f in zip(sides, found, strict=True) if f is None]
            block.problem = (
                f"the dump of {', '.join(gone)} (schema/<side>.sql) is missing from the run "
                f"folder; the journal says: {e.summary}"
            )
        else:
            block.files = [f for f in found if f]
        if compute and block.files:
            _diff(run, block)
        if not block.files:
            text = run.read_text("schema/diff.md")
            block.markdown = text or ""
        out.append(block)
    return out


def _diff(run: RunData, block: SchemaBlock) -> None:
    from phasetui.errors import UserError
    from phasetui.schema.diff import diff_models
    from phasetui.schema.dump_loader import decode_dump, load_dump
    from phasetui.schema.render import render_markdown

    models = []
    try:
        for side, rel in zip(block.sides, block.files, strict=True):
            data = run.read_bytes(rel) or b""
            models.append(load_dump(decode_dump(data, rel), source=f"{side} ({rel})", path=rel))
        block.diff = diff_models(models[0], models[1])
        block.markdown = render_markdown(block.diff)
    except UserError as exc:
        block.problem = f"the committed dumps cannot be read: {exc.message}"
    except Exception as exc:  # noqa: BLE001 - a dump the loader chokes on: said, not raised
        block.problem = f"the committed dumps cannot be diffed here: {exc}"


# -- status, drift, verify ------------------------------------------------------------------


@dataclass
class TextEvidence:
    entry: TimelineEntry
    texts: list[tuple[str, str | None]]  # (file, its text, or None when gone)


def text_evidence(run: RunData, kind: str) -> list[TextEvidence]:
    out = []
    for e in run.latest(kind):
        texts = [(f.path, run.read_text(f.path) if f.present else None) for f in e.files]
        # the diff first: it is what a reviewer looks for
        texts.sort(key=lambda t: (0 if "diff" in Path(t[0]).name else 1, t[0]))
        out.append(TextEvidence(e, texts))
    return out


@dataclass
class VerifyQuery:
    name: str
    sql: str
    expect: str
    got: str
    held: bool | None


def verify_queries(entry: TimelineEntry) -> list[VerifyQuery]:
    out = []
    for q in entry.payload.get("queries") or []:
        if isinstance(q, dict):
            held = q.get("held")
            out.append(
                VerifyQuery(
                    str(q.get("name") or ""),
                    " ".join(str(q.get("sql", "")).split()),
                    str(q.get("expect", "")),
                    str(q.get("got", "")),
                    held if isinstance(held, bool) else None,
                )
            )
    return out


# -- backup and rollback -------------------------------------------------------------------


@dataclass
class Backup:
    entry: TimelineEntry
    path: str
    bytes: float | None
    sha256: str
    env: str
    tables: list[str]
    seconds: float | None
    pg_dump_version: str
    restore_command: str
    chosen: bool = False  # the backup a rollback restores from


def backups(run: RunData) -> list[Backup]:
    named = getattr(getattr(run.runbook, "rollback", None), "backup", None)
    out = []
    for e in run.timeline:
        if e.kind != "backup":
            continue
        p = e.payload
        tables = p.get("tables")
        out.append(
            Backup(
                e,
                str(p.get("path") or ""),
                _num(p.get("bytes")),
                str(p.get("sha256") or ""),
                str(p.get("env") or ""),
                [str(t) for t in tables] if isinstance(tables, list) else [],
                _num(p.get("seconds")),
                str(p.get("pg_dump_version") or ""),
                str(p.get("restore_command") or ""),
            )
        )
    good = [b for b in out if b.entry.ok is True]
    pick = [b for b in good if b.entry.step == named] or good
    if pick:
        pick[-1].chosen = True
    return out


# -- backfills replayed ---------------------------------------------------------------------


@dataclass
class BackfillBlock:
    entry: TimelineEntry
    figures: dict[str, Any]
    series: Series | None
    samples_file: str = ""
    problem: str = ""
    attempts: int = 1


FIGURES = (
    "table", "state", "rows_this_run", "rows_updated", "batches", "retries", "elapsed_seconds",
    "rows_per_second", "throttled_seconds", "batch_size", "workers", "wal_bytes",
    "table_bytes_before", "table_bytes_after", "started_at", "finished_at", "error",
)  # fmt: skip


def backfill_blocks(run: RunData) -> list[BackfillBlock]:
    out = []
    for e in run.latest("backfill"):
        data, problem = _json(run, e, "backfill")
        merged = {**e.payload, **(data if isinstance(data, dict) else {})}
        figures = {k: merged[k] for k in FIGURES if k in merged}
        block = BackfillBlock(
            e, figures, None, attempts=len(run.attempts(e.step or "", "backfill"))
        )
        named = [f for f in e.files if f.path.endswith(".samples.jsonl")]
        rel = named[0].path if named else f"jobs/{e.step}.samples.jsonl"
        data_s = run.read_bytes(rel)
        if data_s is not None:
            block.samples_file = rel
            block.series = parse_samples(data_s, rel)
        elif named:
            block.problem = (
                f"{rel} is missing from the run folder: the chart cannot be drawn; the "
                f"journal says: {e.summary}"
            )
        else:
            block.problem = "no samples were recorded for this backfill (figures only)"
        if problem and data is None and not block.problem:
            block.problem = problem
        out.append(block)
    return out


# -- release notes --------------------------------------------------------------------------


def release_notes(run: RunData) -> str:
    """The report phasetui renders for the run (``phasetui.audit.report``), offline."""
    from phasetui.audit.journal import DamagedLine
    from phasetui.audit.report import render_report

    damaged = [DamagedLine("journal.jsonl", d.line, d.reason) for d in run.damaged]
    try:
        return render_report(run.folder, run.events, run.runbook, damaged=damaged)
    except Exception as exc:  # noqa: BLE001 - the rest of the review still shows
        return f"The release notes cannot be rendered here: {exc}\n"
