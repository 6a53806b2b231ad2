"""One run as it happened, read from its folder: timeline, checklist, notes and evidence.

Read only, from the journal and the files beside it (and the frozen runbook for step titles
and the rollback plan). Never a traceback for what a clone may hold: a damaged journal line
is named with its text and the rest is shown; an evidence file the journal names but the
folder lacks is shown as gone, with what the journal says about it.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasetui.audit.events import Event
from phasetui.audit.journal import JOURNAL, DamagedLine, parse_line
from phasetui.audit.run_state import RunState
from phasetui.errors import UserError
from phasetui.review.format import format_problem, refuse_format
from phasetui.review.listing import RunRow, override_reason, person_name, scan_journal, step_of
from phasetui.review.source import ReviewSource
from phasetui.review.times import Stamp, seconds_between

GAP_MINUTES = 15.0  # a pause longer than this between two events stands out in the timeline


@dataclass
class FileRef:
    path: str  # relative to the run folder
    present: bool


@dataclass
class TimelineEntry:
    seq: int
    line: int  # the journal line it is on
    time: Stamp
    who: str
    kind: str
    step: str | None
    ok: bool | None
    summary: str
    override: str  # the written reason, when the event went past a gate
    gap_s: float | None  # since the previous event
    long_gap: bool
    files: list[FileRef]
    raw: str  # the journal line as written (to find its commit)
    payload: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "line": self.line,
            "time": self.time.to_json(),
            "who": self.who,
            "kind": self.kind,
            "step": self.step,
            "ok": self.ok,
            "summary": self.summary,
            "override": self.override or None,
            "gap_s": self.gap_s,
            "long_gap": self.long_gap,
            "files": [{"path": f.path, "present": f.present} for f in self.files],
        }


@dataclass
class Damaged:
    line: int | None
    reason: str
    text: str  # the line as it is (escaped, shortened), so a reviewer sees what is there

    def __str__(self) -> str:
        where = f"{JOURNAL} line {self.line}" if self.line else JOURNAL
        return f"{where}: {self.reason}"


@dataclass
class ChecklistRow:
    number: int
    id: str
    text: str
    phase: str
    done: bool
    who: str
    time: Stamp | None
    note: str
    evidence_step: str | None
    evidence: TimelineEntry | None  # the step's latest result


@dataclass
class NoteRow:
    time: Stamp
    who: str
    text: str
    item: str | None


@dataclass
class Missing:
    path: str
    seq: int
    kind: str
    step: str | None
    said: str  # what the journal says about the event whose file is gone


@dataclass
class RunData:
    """The record of one run, read; :mod:`phasetui.review.evidence` builds the sections."""

    source: ReviewSource
    run_id: str
    folder: Path
    row: RunRow
    events: list[Event]
    timeline: list[TimelineEntry]
    damaged: list[Damaged]
    state: RunState
    runbook: Any  # phasetui.runbook.model.Runbook, or None when the frozen copy won't load
    runbook_problem: str = ""

    def read_bytes(self, rel: str) -> bytes | None:
        target = _inside(self.folder, rel)
        if target is None:
            return None
        try:
            return target.read_bytes()
        except OSError:
            return None

    def read_text(self, rel: str) -> str | None:
        data = self.read_bytes(rel)
        return None if data is None else data.decode("utf-8", "replace")

    def exists(self, rel: str) -> bool:
        target = _inside(self.folder, rel)
        return bool(target and target.is_file())

    def entry(self, seq: int) -> TimelineEntry | None:
        return next((e for e in self.timeline if e.seq == seq), None)

    def latest(self, kind: str) -> list[TimelineEntry]:
        """The latest event of each step of ``kind``, in journal order."""
        found: dict[str, TimelineEntry] = {}
        for e in self.timeline:
            if e.kind == kind and e.step is not None:
                found.pop(e.step, None)
                found[e.step] = e
        return list(found.values())

    def attempts(self, step: str, kind: str) -> list[TimelineEntry]:
        return [e for e in self.timeline if e.step == step and e.kind == kind]

    def step_title(self, step_id: str) -> str:
        finder = getattr(self.runbook, "step", None)
        try:
            step = finder(step_id) if callable(finder) else None
        except Exception:  # noqa: BLE001 - a runbook that cannot answer: no title
            step = None
        return str(getattr(step, "title", "") or "")

    @property
    def missing(self) -> list[Missing]:
        out = []
        for e in self.timeline:
            for f in e.files:
                if not f.present:
                    out.append(Missing(f.path, e.seq, e.kind, e.step, e.summary))
        return out


def _inside(folder: Path, rel: str) -> Path | None:
    base = folder.resolve()
    try:
        target = (base / rel).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    return target if base in target.parents else None


def event_files(payload: dict[str, Any]) -> list[str]:
    """The evidence an event names: ``files`` (list or mapping) and ``file``."""
    out: list[str] = []
    files = payload.get("files")
    if isinstance(files, dict):
        out += [k for k in files if isinstance(k, str)]
    elif isinstance(files, list):
        out += [f for f in files if isinstance(f, str)]
    if isinstance(payload.get("file"), str):
        out.append(payload["file"])
    return list(dict.fromkeys(out))


def _summary(ev: Event) -> str:
    p = ev.payload
    for key in ("summary", "text", "reason", "item", "title"):
        value = p.get(key)
        if isinstance(value, str) and value:
            return " ".join(value.split())
    return ""


def _shown(raw: bytes) -> str:
    text = raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")
    return text if len(text) <= 300 else text[:299] + "…"


def load_run(source: ReviewSource, run_id: str, *, gap_minutes: float = GAP_MINUTES) -> RunData:
    """Reads one run; refuses (UserError) a run with no journal or from a newer format."""
    folder = source.run_dir(run_id)
    journal = folder / JOURNAL
    try:
        data = journal.read_bytes()
    except FileNotFoundError:
        raise UserError(
            f"run {run_id} has no {JOURNAL}: its record is gone (the folder holds "
            f"{', '.join(sorted(p.name for p in folder.iterdir())) or 'nothing'})",
            f"find where it went: git -C {source.path} log --stat -- runs/{run_id}",
        ) from None
    except OSError as exc:
        raise UserError(
            f"{journal} cannot be read ({exc.strerror or exc})", "check its permissions"
        ) from None
    row = scan_journal(run_id, data)
    events: list[Event] = []
    numbered: list[tuple[int, Event, str]] = []
    damaged: list[Damaged] = []
    raw_lines = data.split(b"\n")
    ends = data.endswith(b"\n")
    if ends:
        raw_lines.pop()
    for number, raw in enumerate(raw_lines, 1):
        if not raw.strip():
            continue
        result = parse_line(raw, unterminated=number == len(raw_lines) and not ends)
        if isinstance(result, Event):
            events.append(result)
            numbered.append((number, result, raw.decode("utf-8")))
        else:
            damaged.append(Damaged(number, result, _shown(raw)))
    started = next((ev for ev in events if ev.kind == "run-started"), None)
    if started is not None:
        problem = format_problem(run_id, started.payload)
        if problem:
            raise refuse_format(run_id, problem)
    state = RunState(run_id)
    for number, ev, _ in numbered:
        try:
            state.apply(ev)
        except ValueError as exc:
            damaged.append(Damaged(number, str(exc), ""))
    damaged.sort(key=lambda d: d.line or 0)
    state.damaged = [DamagedLine(JOURNAL, d.line, d.reason) for d in damaged]
    timeline = _timeline(folder, numbered, gap_minutes)
    runbook, rb_problem = _frozen_runbook(folder, started)
    return RunData(
        source, run_id, folder, row, events, timeline, damaged, state, runbook, rb_problem
    )


def files_in(folder: Path) -> set[str]:
    """Every file under the run folder, relative (one walk: a 20,000-event run names tens of
    thousands of evidence files, and a stat of each through ``resolve`` takes seconds)."""
    out: set[str] = set()
    for dirpath, _dirs, names in os.walk(folder):
        rel = Path(dirpath).relative_to(folder).as_posix()
        prefix = "" if rel == "." else rel + "/"
        out.update(prefix + name for name in names)
    return out


def _timeline(
    folder: Path, numbered: list[tuple[int, Event, str]], gap_minutes: float
) -> list[TimelineEntry]:
    present = files_in(folder)
    out: list[TimelineEntry] = []
    previous: Stamp | None = None
    for number, ev, raw in numbered:
        stamp = Stamp.parse(ev.time)
        gap = seconds_between(previous, stamp) if previous else None
        ok = ev.payload.get("ok")
        files = []
        for rel in event_files(ev.payload):
            norm = posixpath.normpath(rel)
            files.append(FileRef(rel, norm in present and not norm.startswith("../")))
        out.append(
            TimelineEntry(
                seq=ev.seq,
                line=number,
                time=stamp,
                who=ev.who,
                kind=ev.kind,
                step=step_of(ev.kind, ev.payload),
                ok=ok if isinstance(ok, bool) else None,
                summary=_summary(ev),
                override=override_reason(ev.kind, ev.payload),
                gap_s=gap,
                long_gap=gap is not None and gap > gap_minutes * 60,
                files=files,
                raw=raw,
                payload=ev.payload,
            )
        )
        previous = stamp if stamp.when else previous
    return out


def _frozen_runbook(folder: Path, started: Event | None) -> tuple[Any, str]:
    """The run's frozen runbook, loaded (no database is touched), or why not."""
    name = started.payload.get("runbook_file") if started else None
    if not isinstance(name, str) or "/" in name or not name:
        return None, "the run names no frozen runbook"
    path = folder / name
    if not path.is_file():
        return None, f"the frozen runbook {name} is missing from the run folder"
    from phasetui.runbook.errors import RunbookError
    from phasetui.runbook.loader import load_runbook

    try:
        return load_runbook(path), ""
    except RunbookError as exc:
        return None, f"the frozen runbook {name} does not load here: {exc}"
    except Exception as exc:  # noqa: BLE001 - a reviewer still gets the rest of the run
        return None, f"the frozen runbook {name} does not load here: {exc}"


def checklist_rows(run: RunData) -> list[ChecklistRow]:
    s = run.state
    rows = []
    for n, entry in enumerate(s.checklist, 1):
        tick = s.ticks.get(entry.id)
        evidence = None
        if entry.evidence:
            result = s.results.get(entry.evidence)
            evidence = run.entry(result.seq) if result else None
        rows.append(
            ChecklistRow(
                n,
                entry.id,
                entry.text,
                entry.phase,
                bool(tick and tick.done),
                person_name(tick.who) if tick else "",
                Stamp.parse(tick.time) if tick else None,
                tick.note if tick else "",
                entry.evidence,
                evidence,
            )
        )
    return rows


def note_rows(run: RunData) -> list[NoteRow]:
    return [NoteRow(Stamp.parse(n.time), n.who, n.text, n.item) for n in run.state.notes]
