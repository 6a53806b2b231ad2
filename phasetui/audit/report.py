"""Release notes of one run (``report.md``), rendered from the run's own record only.

Everything comes from the journal's events and the evidence files beside it in the run
folder, and the runbook for what the journal cannot hold (the rollback plan, step titles).
No database, no git: the offline review renders the same report from a clone of the audit
repo, so this module imports nothing from ``phasetui.db`` (nor psycopg), and takes the
runbook as any object with the model's attributes (``phasetui.runbook.model`` pulls in
``phasetui.db.environments``).

A record is never trusted to be whole: a missing or unreadable evidence file is named with
what the journal says instead, a damaged journal line is named, and odd payloads are shown
as they are, never a crash. Several attempts of one step: the latest is its result, the
earlier ones stay in the timeline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasetui.audit.events import Event
from phasetui.audit.journal import JOURNAL, DamagedLine
from phasetui.audit.run_state import NOTE, RUN_CLOSED, RUN_STARTED, TICK, UNTICK, RunState
from phasetui.units import human_bytes, human_duration, human_rate

__all__ = ["ReportFacts", "build_report", "render_report"]

# Where a kind's JSON evidence lives when the event names no file (the pre-runner layout).
_AREA = {"lint": "lint", "rehearsal": "rehearsal", "apply": "apply", "backfill": "backfill"}
# Payload keys holding a written reason for going ahead despite a gate.
_OVERRIDE_KEYS = ("override", "override_reason")
_RUN_KINDS = (RUN_STARTED, RUN_CLOSED, TICK, UNTICK, NOTE)
_MAX_CHANGES = 40  # schema changes listed one by one; the rest are counted


# -- the record, folded ---------------------------------------------------------------------


@dataclass
class Attempt:
    """One event of a step: which attempt of its (step, kind) it is, and whether the latest."""

    event: Event
    number: int
    total: int

    @property
    def latest(self) -> bool:
        return self.number == self.total


@dataclass
class ReportFacts:
    """What the report counts: the report step's figures, and the review's summary line."""

    events: int = 0
    steps_ok: int = 0
    steps_failed: int = 0
    overrides: int = 0
    backup: bool = False
    missing_files: int = 0
    damaged_lines: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Record:
    run_dir: Path
    events: list[Event]
    runbook: Any
    damaged: list[DamagedLine]
    state: RunState = field(init=False)
    attempts: dict[int, Attempt] = field(default_factory=dict)  # by event seq
    latest: dict[tuple[str, str], Event] = field(default_factory=dict)  # (step, kind)
    missing: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.state = RunState(self.run_dir.name)
        for ev in self.events:
            try:
                self.state.apply(ev)
            except ValueError as exc:  # a readable line whose payload means nothing
                self.damaged.append(DamagedLine(JOURNAL, None, f"event {ev.seq}: {exc}"))
        groups: dict[tuple[str, str], list[Event]] = {}
        for ev in self.events:
            step = _step(ev)
            if step is not None:
                groups.setdefault((step, ev.kind), []).append(ev)
        for key, evs in groups.items():
            for n, ev in enumerate(evs, 1):
                self.attempts[ev.seq] = Attempt(ev, n, len(evs))
            self.latest[key] = evs[-1]

    # -- queries over the record ----------------------------------------------------------

    def results(self, kind: str) -> list[Event]:
        """The latest event of each step of ``kind``, in journal order."""
        return sorted(
            (ev for (_, k), ev in self.latest.items() if k == kind), key=lambda ev: ev.seq
        )

    def step_title(self, step_id: str) -> str:
        step = None
        finder = getattr(self.runbook, "step", None)
        if callable(finder):
            try:
                step = finder(step_id)
            except Exception:  # a runbook-like object that cannot answer: no title
                step = None
        title = getattr(step, "title", "") if step is not None else ""
        return str(title) if title else ""

    def step_label(self, step_id: str, table: bool = False) -> str:
        title = self.step_title(step_id)
        code = f"`{_code(step_id, table)}`"
        return f"{code} ({_cell(title)})" if title else code

    def read_json(self, ev: Event, area: str | None = None) -> tuple[Any, str]:
        """The event's JSON evidence, and '' or a sentence on why it could not be read."""
        rel = _json_file(ev, area)
        if rel is None:
            return None, ""
        data, problem = self._read(rel)
        if problem is None:
            return _parse_json(data, rel)
        return None, problem

    def read_text(self, rel: str) -> tuple[str | None, str]:
        data, problem = self._read(rel)
        if problem is not None:
            return None, problem
        return data.decode("utf-8", "replace"), ""

    def _read(self, rel: str) -> tuple[bytes, str | None]:
        base = self.run_dir.resolve()
        try:
            target = (base / rel).resolve()
        except (OSError, RuntimeError, ValueError):
            target = None
        if target is None or (base not in target.parents):
            return b"", f"`{_code(rel)}` points outside the run folder and was not read"
        try:
            return target.read_bytes(), None
        except FileNotFoundError:
            self.missing.append(rel)
            return b"", f"`{_code(rel)}` is missing from the run folder"
        except OSError as exc:
            self.missing.append(rel)
            return b"", f"`{_code(rel)}` cannot be read ({exc.strerror or exc})"

    def overrides(self) -> list[Event]:
        return [ev for ev in self.events if _override(ev)]

    def backups(self) -> tuple[Event | None, list[Event]]:
        """The backup the rollback restores from (the latest ok one of the rollback's
        ``backup`` step when it names one, else of any step), and every backup event."""
        all_backups = [ev for ev in self.events if ev.kind == "backup"]
        named = getattr(getattr(self.runbook, "rollback", None), "backup", None)
        ok = [ev for ev in all_backups if ev.payload.get("ok") is True]
        chosen = [ev for ev in ok if _step(ev) == named] if named else []
        pick = chosen or ok
        return (pick[-1] if pick else None), all_backups

    def facts(self) -> ReportFacts:
        finals = [ev for ev in self.latest.values() if isinstance(ev.payload.get("ok"), bool)]
        return ReportFacts(
            events=len(self.events),
            steps_ok=sum(1 for ev in finals if ev.payload["ok"]),
            steps_failed=sum(1 for ev in finals if not ev.payload["ok"]),
            overrides=len(self.overrides()),
            backup=self.backups()[0] is not None,
            missing_files=len(dict.fromkeys(self.missing)),
            damaged_lines=len(self.damaged),
        )


# -- small helpers ----------------------------------------------------------------------------


def _step(ev: Event) -> str | None:
    step = ev.payload.get("step")
    return step if isinstance(step, str) and ev.kind not in _RUN_KINDS else None


def _override(ev: Event) -> str:
    for key in _OVERRIDE_KEYS:
        value = ev.payload.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return ""


def _evidence_files(ev: Event) -> list[str]:
    """The files an event names: the runner's ``files`` (list or mapping), else ``file``."""
    p = ev.payload
    out: list[str] = []
    files = p.get("files")
    if isinstance(files, dict):
        out += [k for k in files if isinstance(k, str)]
    elif isinstance(files, list):
        out += [f for f in files if isinstance(f, str)]
    if isinstance(p.get("file"), str):
        out.append(p["file"])
    return list(dict.fromkeys(out))


def _json_file(ev: Event, area: str | None) -> str | None:
    named = [f for f in _evidence_files(ev) if f.endswith(".json")]
    if area:
        in_area = [f for f in named if f.startswith(f"{area}/")]
        named = in_area or named
    if named:
        return named[0]
    if _evidence_files(ev):  # files named, none of them JSON
        return None
    step = _step(ev)
    area = area or _AREA.get(ev.kind)
    return f"{area}/{step}.json" if area and step else None


def _parse_json(data: bytes, rel: str) -> tuple[Any, str]:
    try:
        return json.loads(data.decode("utf-8")), ""
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"`{_code(rel)}` cannot be read as JSON ({exc})"


def _cell(value: Any) -> str:
    """Text for one Markdown table cell or inline run: one line, pipes escaped."""
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _code(value: Any, table: bool = False) -> str:
    """Text for inside single backticks (a backtick inside becomes a quote); in a table
    cell a pipe is escaped too, or it would end the cell even inside the backticks."""
    text = " ".join(str(value).split()).replace("`", "'")
    return text.replace("|", "\\|") if table else text


def _fence(text: str, lang: str = "") -> list[str]:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", text.rstrip("\n"), fence]


def _short(text: Any, limit: int = 120) -> str:
    one = " ".join(str(text or "").split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _count(value: Any) -> str:
    n = _num(value)
    return "?" if n is None else f"{n:,.0f}"


def _verdict(ev: Event) -> str:
    ok = ev.payload.get("ok")
    return "ok" if ok is True else "**FAILED**" if ok is False else "-"


def _by(ev: Event) -> str:
    return f"{_cell(ev.who)} at {_cell(ev.time)}"


def _said(ev: Event) -> str:
    summary = ev.payload.get("summary")
    return f"the journal says: {_cell(summary)}" if summary else "the journal holds no summary"


def _attempt_note(rec: _Record, ev: Event) -> str:
    attempt = rec.attempts.get(ev.seq)
    if attempt is None or attempt.total == 1:
        return ""
    return f" (attempt {attempt.number} of {attempt.total}; earlier ones in the timeline)"


# -- sections -------------------------------------------------------------------------------


def _header(rec: _Record) -> list[str]:
    s = rec.state
    title = s.title or getattr(rec.runbook, "title", "") or s.runbook_id or rec.run_dir.name
    lines = [f"# Release notes — {_cell(title)}", ""]
    started = next((ev for ev in rec.events if ev.kind == RUN_STARTED), None)
    facts = [f"- Run: `{_code(rec.run_dir.name)}`"]
    if s.runbook_id:
        facts.append(f"- Runbook: `{_code(s.runbook_id)}`")
    if started is not None:
        facts.append(f"- Started by {_by(started)}")
        for key in ("env", "target", "environment"):
            if isinstance(started.payload.get(key), str):
                facts.append(f"- Target environment: {_cell(started.payload[key])}")
                break
    closed = [ev for ev in rec.events if ev.kind == RUN_CLOSED]
    if closed:
        last = closed[-1]
        how = last.payload.get("outcome") or last.payload.get("reason") or "closed"
        facts.append(f"- Closed by {_by(last)}: {_cell(how)}")
    else:
        facts.append("- Still open when this report was written")
    f = rec.facts()
    facts.append(
        f"- {f.events} events; {f.steps_ok} step results ok, {f.steps_failed} failed; "
        f"{f.overrides} override(s); backup {'recorded' if f.backup else '**NOT recorded**'}"
        + (f"; **{f.missing_files} evidence file(s) missing**" if f.missing_files else "")
    )
    lines += facts
    if rec.damaged:
        where = "; ".join(_cell(str(d)) for d in rec.damaged)
        lines += [
            "",
            f"> **Damaged journal**: {where}. Those lines are left as they are; this report "
            "is built from the other lines.",
        ]
    return lines


def _what_changed(rec: _Record) -> list[str]:
    lines = ["## What changed", ""]
    diffs = rec.results("schema-diff")
    captures = rec.results("schema-capture")
    if not diffs and not captures:
        lines.append("No schema diff was recorded in this run.")
    for ev in diffs or captures:
        step = _step(ev) or "?"
        reviewed = "reviewed" if ev.kind == "schema-diff" else "captured, **not reviewed**"
        sides = ev.payload.get("sides")
        between = (
            " between " + " and ".join(f"`{_code(x)}`" for x in sides)
            if isinstance(sides, list) and sides
            else ""
        )
        lines.append(
            f"### Schema diff {rec.step_label(step)}{between}: {reviewed} by {_by(ev)}"
            f"{_attempt_note(rec, ev)}"
        )
        lines += ["", f"{_cell(ev.payload.get('summary') or '(no summary)')}", ""]
        lines += _schema_changes(rec, ev)
    lines += ["", "### SQL applied", ""]
    applies = rec.results("apply")
    if not applies:
        lines.append("No SQL step was applied in this run.")
        return lines
    lines += ["| step | environment | statements | retries | result | by | when |"]
    lines += ["|---|---|---|---|---|---|---|"]
    for ev in applies:
        p = ev.payload
        lines.append(
            f"| {rec.step_label(_step(ev) or '?', table=True)} | "
            f"{_cell(p.get('environment', '?'))} | "
            f"{_count(p.get('statements'))} | {_count(p.get('retries'))} | "
            f"{_verdict(ev)}{_outcome(p.get('outcome'))} | {_cell(ev.who)} | {_cell(ev.time)} |"
        )
    for ev in applies:
        if ev.payload.get("ok") is False:
            lines += [
                "",
                f"- `{_code(_step(ev))}` did not apply: {_cell(ev.payload.get('summary'))}",
            ]
    return lines


def _outcome(outcome: Any) -> str:
    """`` (2 applied, 1 rolled back)`` from apply's outcome lists; nothing when all applied."""
    if not isinstance(outcome, dict):
        return f" ({_cell(outcome)})" if outcome else ""
    counts = {
        key.removesuffix("_statements").replace("_", " "): len(v)
        for key, v in outcome.items()
        if isinstance(v, list) and v
    }
    if set(counts) <= {"applied"}:
        return ""
    return " (" + ", ".join(f"{n} {what}" for what, n in counts.items()) + ")"


def _schema_changes(rec: _Record, ev: Event) -> list[str]:
    files = [f for f in _evidence_files(ev) if f.endswith(".json")]
    md = next((f for f in _evidence_files(ev) if f.endswith(".md")), None)
    rel = files[0] if files else (md[:-3] + ".json" if md else "schema/diff.json")
    data, problem = rec._read(rel)
    if problem is not None:
        return [f"> {problem}; {_said(ev)}.", ""]
    diff, problem = _parse_json(data, rel)
    if problem or not isinstance(diff, dict):
        return [f"> {problem or f'`{_code(rel)}` is not a diff'}; {_said(ev)}.", ""]
    lines: list[str] = []
    counts = diff.get("counts")
    if isinstance(counts, dict) and counts:
        lines += ["| object kind | added | removed | changed | other |", "|---|---|---|---|---|"]
        for kind, by_status in sorted(counts.items()):
            if not isinstance(by_status, dict):
                continue
            other = sum(
                v
                for k, v in by_status.items()
                if k not in ("added", "removed", "changed") and _num(v) is not None
            )
            lines.append(
                f"| {_cell(kind)} | {_count(by_status.get('added', 0))} | "
                f"{_count(by_status.get('removed', 0))} | {_count(by_status.get('changed', 0))}"
                f" | {_count(other)} |"
            )
        lines.append("")
    changes = [c for c in diff.get("changes") or [] if isinstance(c, dict)]
    for c in changes[:_MAX_CHANGES]:
        risk = c.get("risk")
        flag = " **breaks running code**" if c.get("breaks_app") else ""
        lines.append(
            f"- {_cell(c.get('status'))} {_cell(c.get('kind'))} `{_code(c.get('name'))}`"
            f" (phase {_cell(c.get('phase') or '?')}, risk {_cell(risk or '?')}){flag}"
        )
    if len(changes) > _MAX_CHANGES:
        lines.append(f"- … and {len(changes) - _MAX_CHANGES} more in `{_code(rel)}`")
    if changes:
        lines.append("")
    return lines


def _risks(rec: _Record) -> list[str]:
    lines = ["## Risks", ""]
    lines += _overrides(rec)
    lines += _lint(rec)
    lines += _rehearsals(rec)
    lines += _backfills(rec)
    return lines


def _overrides(rec: _Record) -> list[str]:
    """Every gate gone through with a written reason, lint rules allowed in the SQL with
    theirs, and applies made although the step's last rehearsal failed."""
    lines = ["### Overrides", ""]
    found = rec.overrides()
    for ev in found:
        lines.append(
            f"- **OVERRIDE** {_cell(ev.kind)} {rec.step_label(_step(ev) or '?')} by {_by(ev)}: "
            f"“{_cell(_override(ev))}”"
        )
    allowed = 0
    for ev in rec.results("lint"):
        findings, _ = rec.read_json(ev, "lint")
        for f in findings if isinstance(findings, list) else []:
            if isinstance(f, dict) and f.get("suppressed"):
                allowed += 1
                lines.append(
                    f"- **allowed in the SQL** `{_code(f.get('rule'))}` in "
                    f"{rec.step_label(_step(ev) or '?')} (line {f.get('line', '?')}): "
                    f"“{_cell(f['suppressed'])}”"
                )
    after_failed = [ev for ev in rec.events if ev.payload.get("after_failed_rehearsal")]
    for ev in after_failed:
        lines.append(
            f"- **applied after a FAILED rehearsal**: {rec.step_label(_step(ev) or '?')} by "
            f"{_by(ev)}; the rehearsal failed at {_cell(ev.payload['after_failed_rehearsal'])}"
        )
    if not found and not allowed and not after_failed:
        lines.append("No gate was overridden in this run.")
    return [*lines, ""]


def _lint(rec: _Record) -> list[str]:
    lines = ["### Lint findings", ""]
    lints = rec.results("lint")
    if not lints:
        lines.append("No lint was recorded in this run.")
        return [*lines, ""]
    for ev in lints:
        p = ev.payload
        lines.append(
            f"- {rec.step_label(_step(ev) or '?')} ({_cell(p.get('phase') or '?')} phase): "
            f"{_count(p.get('errors'))} errors, {_count(p.get('warnings'))} warnings, "
            f"{_verdict(ev)}{_attempt_note(rec, ev)}"
        )
        if _override(ev):
            lines.append(f"  - overridden by {_cell(ev.who)}: “{_cell(_override(ev))}”")
        findings, problem = rec.read_json(ev, "lint")
        if problem:
            rules = p.get("rules")
            known = f" (rules: {', '.join(map(str, rules))})" if isinstance(rules, list) else ""
            lines.append(f"  - {problem}; {_said(ev)}{_cell(known)}")
            continue
        for f in findings if isinstance(findings, list) else []:
            if not isinstance(f, dict):
                continue
            where = f"line {f.get('line', '?')}"
            if f.get("statement_index"):
                where = f"#{f['statement_index']}, {where}"
            sup = f"; allowed in the SQL: “{_cell(f['suppressed'])}”" if f.get("suppressed") else ""
            lines.append(
                f"  - {_cell(f.get('severity'))} `{_code(f.get('rule'))}` ({where}): "
                f"{_cell(_short(f.get('message'), 200))}{sup}"
            )
    return [*lines, ""]


def _rehearsals(rec: _Record) -> list[str]:
    lines = ["### Lock rehearsals", ""]
    rehearsals = rec.results("rehearsal")
    if not rehearsals:
        lines.append("No lock rehearsal was recorded in this run.")
        return [*lines, ""]
    for ev in rehearsals:
        p = ev.payload
        failed = f"; failed at {_cell(p['failure'])}" if p.get("failure") else ""
        lines.append(
            f"- {rec.step_label(_step(ev) or '?')} on {_cell(p.get('environment', '?'))}: "
            f"{_count(p.get('statements'))} statements, {_count(p.get('rewrites'))} table "
            f"rewrite(s), {_verdict(ev)}{failed}{_attempt_note(rec, ev)}"
        )
        data, problem = rec.read_json(ev, "rehearsal")
        if problem:
            lines.append(f"  - {problem}; {_said(ev)}")
            continue
        statements = data.get("statements") if isinstance(data, dict) else None
        for s in statements if isinstance(statements, list) else []:
            if not isinstance(s, dict):
                continue
            lock, rewrites = s.get("strongest_lock"), s.get("rewrites") or []
            if not lock and not rewrites and s.get("status") not in ("failed", "not-rehearsed"):
                continue
            parts = []
            if lock:
                blocks = f" (blocks {_cell(s['blocks'])})" if s.get("blocks") else ""
                parts.append(f"{_cell(lock)}{blocks}")
            for r in rewrites if isinstance(rewrites, list) else []:
                if isinstance(r, dict):
                    parts.append(
                        f"**rewrites {_cell(r.get('relkind', 'relation'))} "
                        f"`{_code(r.get('relation'))}`**"
                    )
            if s.get("status") in ("failed", "not-rehearsed"):
                parts.append(f"{_cell(s['status'])}: {_cell(_short(s.get('reason'), 160))}")
            took = _num(s.get("duration_s"))
            took_s = f", {human_duration(took)}" if took is not None else ""
            lines.append(
                f"  - #{s.get('index', '?')} (line {s.get('line', '?')}{took_s}) "
                f"`{_code(_short(s.get('sql'), 90))}`: " + "; ".join(parts)
            )
    return [*lines, ""]


def _backfills(rec: _Record) -> list[str]:
    lines = ["### Backfills", ""]
    backfills = rec.results("backfill")
    if not backfills:
        lines.append("No backfill was recorded in this run.")
        return [*lines, ""]
    for ev in backfills:
        data, problem = rec.read_json(ev, "backfill")
        figures = {**ev.payload, **(data if isinstance(data, dict) else {})}
        table = figures.get("table") or "?"
        elapsed = _num(figures.get("elapsed_seconds"))
        rows = _num(figures.get("rows_this_run"))
        rate = _num(figures.get("rows_per_second"))
        rate_s = f"{rate:,.0f} rows/s" if rate is not None else human_rate(rows, elapsed)
        lines.append(
            f"- {rec.step_label(_step(ev) or '?')} on `{_code(table)}` "
            f"({_cell(figures.get('target') or '?')}): {_cell(figures.get('state') or '?')}, "
            f"{_verdict(ev)}{_attempt_note(rec, ev)}"
        )
        lines.append(
            f"  - {_count(rows)} rows this run ({_count(figures.get('rows_updated'))} in total)"
            f" in {human_duration(elapsed)}, {rate_s}"
            + (f", {_count(figures['batches'])} batches" if "batches" in figures else "")
            + (f", {_count(figures['retries'])} retries" if "retries" in figures else "")
        )
        wal = _num(figures.get("wal_bytes"))
        lines.append(
            f"  - WAL written (server-wide): {human_bytes(wal)}"
            if wal is not None
            else "  - WAL written: not measured"
        )
        before, after = (
            _num(figures.get("table_bytes_before")),
            _num(figures.get("table_bytes_after")),
        )
        if before is not None and after is not None:
            grew = f" (×{after / before:.1f})" if before else ""
            lines.append(
                f"  - table `{_code(table)}`: {human_bytes(before)} → {human_bytes(after)}{grew}"
                + (
                    f"; VACUUM (ANALYZE) {_code(table)} makes the old row versions' space reusable"
                    if before and after > before * 1.2
                    else ""
                )
            )
        else:
            lines.append("  - table growth: not measured")
        ibefore, iafter = (
            _num(figures.get("index_bytes_before")),
            _num(figures.get("index_bytes_after")),
        )
        if ibefore is not None and iafter is not None:
            lines.append(f"  - its indexes: {human_bytes(ibefore)} → {human_bytes(iafter)}")
        if figures.get("error") or figures.get("last_error"):
            lines.append(f"  - error: {_cell(figures.get('error') or figures.get('last_error'))}")
        if problem:
            lines.append(f"  - {problem}; the figures above are the journal's")
    return [*lines, ""]


def _rollback(rec: _Record) -> list[str]:
    lines = ["## Rollback plan", ""]
    backup, all_backups = rec.backups()
    if backup is None:
        failed = [ev for ev in all_backups if ev.payload.get("ok") is False]
        tried = (
            f" ({len(failed)} backup attempt(s) failed: "
            + "; ".join(_cell(ev.payload.get("summary")) for ev in failed)
            + ")"
            if failed
            else ""
        )
        lines += [
            f"> **⚠ NO BACKUP WAS TAKEN IN THIS RUN**{tried}. There is no recorded file to "
            "restore from: a rollback can only undo what the rollback SQL undoes.",
            "",
        ]
    else:
        p = backup.payload
        lines += [f"### Backup to restore from: step {rec.step_label(_step(backup) or '?')}", ""]
        lines.append(f"- File: `{_code(p.get('path') or '(no path recorded)')}`")
        size = f"{human_bytes(_num(p.get('bytes')))}"
        lines.append(f"- Size: {size}; sha256 `{_code(p.get('sha256') or '?')}`")
        tables = p.get("tables")
        what = (
            "tables " + ", ".join(f"`{_code(t)}`" for t in tables)
            if isinstance(tables, list) and tables
            else "the whole database"
        )
        lines.append(
            f"- Of {what} on {_cell(p.get('env') or '?')}, taken by {_by(backup)} in "
            f"{human_duration(_num(p.get('seconds')))} with pg_dump "
            f"{_cell(p.get('pg_dump_version') or '?')}"
        )
        if p.get("restore_command"):
            lines += ["", "Restore command (asks for the password; none is recorded):", ""]
            lines += _fence(str(p["restore_command"]), "sh")
        else:
            lines.append("- **No restore command was recorded.**")
        attempt = rec.attempts.get(backup.seq)
        if attempt is not None and attempt.total > 1:
            lines += [
                "",
                f"Attempt {attempt.number} of {attempt.total} of this backup step; the others "
                "are in the timeline.",
            ]
        lines.append("")
    rb = getattr(rec.runbook, "rollback", None)
    if rb is None:
        lines.append("The runbook was not available: its rollback plan is not shown here.")
        return lines
    description = getattr(rb, "description", "") or ""
    if description:
        lines += [str(description).strip(), ""]
    sql = getattr(rb, "sql", "") or ""
    file = getattr(rb, "file", None)
    if sql:
        lines += ["Rollback SQL:", "", *_fence(str(sql), "sql"), ""]
    if file:
        text, problem = _rollback_file(rec.runbook, str(file))
        if text is not None:
            lines += [f"Rollback SQL from `{_code(file)}`:", "", *_fence(text, "sql"), ""]
        else:
            lines += [f"Rollback SQL: `{_code(file)}` ({problem}).", ""]
    if not sql and not file:
        lines += ["The runbook gives no rollback SQL.", ""]
    steps = [s for s in getattr(rb, "steps", []) or [] if isinstance(s, str)]
    if steps:
        lines += ["Manual steps:", ""]
        lines += [f"{n}. {_cell(s)}" for n, s in enumerate(steps, 1)]
        lines.append("")
    if getattr(rb, "refresh_status", False):
        lines.append("After the rollback, capture the migration status again.")
    return lines


def _rollback_file(runbook: Any, rel: str) -> tuple[str | None, str]:
    path = Path(rel)
    base = getattr(runbook, "path", None)
    if not path.is_absolute() and isinstance(base, Path):
        path = base.parent / path
    try:
        return path.read_text(encoding="utf-8"), ""
    except OSError as exc:
        return None, f"not readable here: {exc.strerror or exc}"
    except UnicodeDecodeError:
        return None, "not UTF-8 text"


def _verification(rec: _Record) -> list[str]:
    lines = ["## Verification", ""]
    verifies = rec.results("verify")
    if not verifies:
        lines.append("No verify step was recorded in this run.")
        return lines
    for ev in verifies:
        p = ev.payload
        held = p.get("held", p.get("ok"))
        verdict = "held" if held is True else "**did NOT hold**" if held is False else "unknown"
        env = f" on {_cell(p['env'])}" if isinstance(p.get("env"), str) else ""
        lines.append(
            f"- {rec.step_label(_step(ev) or '?')}{env}: {verdict}, by {_by(ev)}"
            f"{_attempt_note(rec, ev)}"
        )
        queries = [q for q in p.get("queries") or [] if isinstance(q, dict)]
        for q in queries:
            mark = "held" if q.get("held") is True else "**did not hold**"
            name = f"{_cell(q['name'])}: " if q.get("name") else ""
            lines.append(
                f"  - {name}`{_code(_short(q.get('sql'), 160))}` expect "
                f"{_cell(q.get('expect'))}, got {_cell(q.get('got'))}: {mark}"
            )
        if not queries:
            lines.append(f"  - no queries recorded; {_said(ev)}")
    return lines


def _status_and_drift(rec: _Record) -> list[str]:
    lines = ["## Migration status and drift", ""]
    found = False
    for kind, what in (("migration-status", "Migration status"), ("drift", "Config drift")):
        for ev in rec.results(kind):
            found = True
            files = _evidence_files(ev)
            missing = [f for f in files if rec._read(f)[1] is not None]
            shown = ", ".join(f"`{_code(f)}`" for f in files)
            lines.append(
                f"- {what} {rec.step_label(_step(ev) or '?')}: {_verdict(ev)}, "
                f"{_cell(ev.payload.get('summary') or '(no summary)')} — {_by(ev)}"
                f"{_attempt_note(rec, ev)}"
            )
            if shown:
                lines.append(f"  - evidence: {shown}")
            for f in missing:
                lines.append(f"  - `{_code(f)}` is missing from the run folder")
    if not found:
        lines.append("No migration status or drift check was recorded in this run.")
    return lines


def _other_results(rec: _Record) -> list[str]:
    covered = {
        "lint", "rehearsal", "apply", "backfill", "schema-diff", "schema-capture",
        "backup", "verify", "migration-status", "drift",
    }  # fmt: skip
    others = sorted(
        (ev for (_, k), ev in rec.latest.items() if k not in covered), key=lambda e: e.seq
    )
    if not others:
        return []
    lines = ["## Other steps", ""]
    for ev in others:
        lines.append(
            f"- {_cell(ev.kind)} {rec.step_label(_step(ev) or '?')}: {_verdict(ev)}, "
            f"{_cell(ev.payload.get('summary') or '')} — {_by(ev)}{_attempt_note(rec, ev)}"
        )
    return lines


def _checklist(rec: _Record) -> list[str]:
    s = rec.state
    lines = ["## Checklist", ""]
    if not s.checklist:
        lines.append("The run has no checklist.")
        return lines
    lines += [f"{s.done_count} of {len(s.checklist)} done.", ""]
    for n, entry in enumerate(s.checklist, 1):
        tick = s.ticks.get(entry.id)
        mark = "x" if tick and tick.done else " "
        line = f"- [{mark}] {n}. {_cell(entry.text)} (`{_code(entry.id)}`)"
        if tick:
            verb = "ticked" if tick.done else "unticked"
            line += f" — {verb} by {_cell(tick.who)} at {_cell(tick.time)}"
            if tick.note:
                line += f": {_cell(tick.note)}"
        else:
            line += " — **not ticked**"
        lines.append(line)
        if entry.evidence:
            result = s.results.get(entry.evidence)
            if result is None:
                lines.append(f"  - evidence: step `{_code(entry.evidence)}` has no result yet")
            else:
                verdict = "ok" if result.ok else "**FAILED**"
                lines.append(
                    f"  - evidence: step `{_code(entry.evidence)}` {verdict} ({_cell(result.kind)}"
                    f", {_cell(result.who)}, {_cell(result.time)}): {_cell(result.summary)}"
                )
    return lines


def _notes(rec: _Record) -> list[str]:
    lines = ["## Notes", ""]
    if not rec.state.notes:
        return [*lines, "No notes."]
    for note in rec.state.notes:
        about = f" (on `{_code(note.item)}`)" if note.item else ""
        lines.append(f"- **{_cell(note.time)}** {_cell(note.who)}{about}: {_cell(note.text)}")
    return lines


def _timeline(rec: _Record) -> list[str]:
    lines = ["## Timeline", ""]
    lines += ["| # | time | who | kind | step | ok | summary |", "|---|---|---|---|---|---|---|"]
    for ev in rec.events:
        step = _step(ev)
        attempt = rec.attempts.get(ev.seq)
        step_s = f"`{_code(step, table=True)}`" if step else ""
        if attempt and attempt.total > 1:
            which = "latest" if attempt.latest else "superseded"
            step_s += f" attempt {attempt.number}/{attempt.total} ({which})"
        summary = ev.payload.get("summary")
        if not summary:
            p = ev.payload
            summary = p.get("text") or p.get("item") or p.get("reason") or p.get("title") or ""
        reason = _override(ev)
        text = _cell(_short(summary, 160))
        if reason:
            text = f"**OVERRIDE: {_cell(reason)}** — {text}"
        lines.append(
            f"| {ev.seq} | {_cell(ev.time)} | {_cell(ev.who)} | {_cell(ev.kind)} | {step_s} | "
            f"{_verdict(ev) if 'ok' in ev.payload else ''} | {text} |"
        )
    if not rec.events:
        lines.append("| | | | | | | the journal holds no readable event |")
    return lines


def _missing_summary(rec: _Record) -> list[str]:
    missing = list(dict.fromkeys(rec.missing))
    if not missing:
        return []
    shown = ", ".join(f"`{_code(m)}`" for m in missing)
    return [
        "## Missing evidence",
        "",
        f"> The journal names evidence files that are not in the run folder: {shown}. What "
        "the journal itself says is shown in their place above.",
    ]


# -- the entry points -----------------------------------------------------------------------


def _record(
    run_dir: Path, events: Sequence[Event], runbook: Any, damaged: Iterable[DamagedLine]
) -> _Record:
    return _Record(Path(run_dir), list(events), runbook, list(damaged))


def build_report(
    run_dir: Path,
    events: list[Event],
    runbook: Any = None,
    *,
    damaged: Iterable[DamagedLine] = (),
) -> tuple[str, ReportFacts]:
    """The report and its counts (the report step's figures), from one reading."""
    rec = _record(run_dir, events, runbook, damaged)
    sections = [
        _what_changed(rec),
        _risks(rec),
        _rollback(rec),
        _verification(rec),
        _status_and_drift(rec),
        _other_results(rec),
        _checklist(rec),
        _notes(rec),
        _timeline(rec),
    ]
    body: list[str] = []
    for section in sections:
        if section:
            body += ["", *section]
    # The header counts what reading the sections' evidence found missing: built last.
    out = [*_header(rec), *body]
    missing = _missing_summary(rec)
    if missing:
        out += ["", *missing]
    return "\n".join(out).rstrip("\n") + "\n", rec.facts()


def render_report(
    run_dir: Path,
    events: list[Event],
    runbook: Any = None,
    *,
    damaged: Iterable[DamagedLine] = (),
) -> str:
    """``report.md`` for the run in ``run_dir`` from its ``events`` (journal order), its
    evidence files and ``runbook`` (a ``phasetui.runbook.model.Runbook``, or None when it
    is not at hand: the rollback plan then says so). ``damaged``: the journal's unreadable
    lines, named at the top."""
    return build_report(run_dir, events, runbook, damaged=damaged)[0]
