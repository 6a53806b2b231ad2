"""The state of a run, folded from its journal: who ticked what and when, and the notes.

Derived, never stored: the journal is the record, and this is recomputed from it by the
TUI, the CLI and the renderers alike, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from phasetui.audit.events import Event
from phasetui.audit.journal import JOURNAL, DamagedLine, Journal

# Event kinds with a meaning to the run itself; other parts add their own kinds freely.
RUN_STARTED = "run-started"
RUN_CLOSED = "run-closed"
TICK = "tick"
UNTICK = "untick"
NOTE = "note"


@dataclass(frozen=True)
class ChecklistEntry:
    id: str
    text: str
    phase: str = ""
    evidence: str | None = None


@dataclass
class Tick:
    done: bool
    who: str
    time: str
    note: str = ""


@dataclass
class Note:
    who: str
    time: str
    text: str
    item: str | None = None


@dataclass
class StepResult:
    """The latest recorded outcome of a runbook step: evidence for checklist items."""

    kind: str
    ok: bool
    summary: str
    who: str
    time: str
    seq: int
    files: tuple[str, ...] = ()  # the evidence files of this attempt, relative to the run


# How a run ended (``phasetui close --outcome``); a run with no run-closed event is open.
OUTCOMES = ("done", "rolled-back", "abandoned")


@dataclass
class RunState:
    run_id: str
    runbook_id: str = ""
    title: str = ""
    started_by: str = ""
    started_at: str = ""
    closed: bool = False
    outcome: str = ""  # done / rolled-back / abandoned once closed
    target: str = ""  # the environment the run is for (staging: the rehearsal; production)
    checklist: list[ChecklistEntry] = field(default_factory=list)
    ticks: dict[str, Tick] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    results: dict[str, StepResult] = field(default_factory=dict)
    # Every recorded result of a step, oldest first: each attempt keeps its own evidence.
    history: dict[str, list[StepResult]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    # Lines of the journal that could not be read or applied: shown, never hidden.
    damaged: list[DamagedLine] = field(default_factory=list)
    # An interrupted write of this run that the next write will complete or roll back.
    pending: str = ""

    @classmethod
    def fold(cls, run_id: str, events: Iterable[Event]) -> RunState:
        state = cls(run_id)
        for ev in events:
            state.apply(ev)
        return state

    @classmethod
    def from_journal(cls, run_id: str, journal: Journal) -> RunState:
        """Folds the readable lines; one that cannot be applied is damaged like a torn one."""
        state = cls(run_id)
        damaged = list(journal.damaged)
        for number, ev in journal.events:
            try:
                state.apply(ev)
            except ValueError as exc:
                damaged.append(DamagedLine(JOURNAL, number, str(exc)))
        state.damaged = sorted(damaged, key=lambda d: d.line or 0)
        return state

    def apply(self, ev: Event) -> None:
        """Applies one event; ValueError (and no change) when its payload cannot mean anything."""
        p: dict[str, Any] = ev.payload
        if ev.kind == RUN_STARTED:
            checklist = _checklist(p.get("checklist", []))
            preticked = p.get("preticked", [])
            if not isinstance(preticked, list) or not all(isinstance(i, str) for i in preticked):
                raise ValueError("run-started event whose preticked items are not names")
            self.runbook_id = str(p.get("runbook_id", ""))
            self.title = str(p.get("title", ""))
            self.target = str(p.get("target") or "")
            self.started_by, self.started_at = ev.who, ev.time
            self.checklist = checklist
            for item_id in preticked:
                self.ticks[item_id] = Tick(True, ev.who, ev.time, "ticked in the source guide")
        elif ev.kind in (TICK, UNTICK):
            item, note = p.get("item"), p.get("note", "")
            if not isinstance(item, str):
                raise ValueError(f"{ev.kind} event without an item")
            note = note if isinstance(note, str) else str(note)
            self.ticks[item] = Tick(ev.kind == TICK, ev.who, ev.time, note)
            if note:
                self.notes.append(Note(ev.who, ev.time, note, item))
        elif ev.kind == NOTE:
            self.notes.append(Note(ev.who, ev.time, str(p.get("text", ""))))
        elif ev.kind == RUN_CLOSED:
            self.closed = True
            self.outcome = str(p.get("outcome") or "done")
        self.events.append(ev)
        if isinstance(p.get("step"), str) and isinstance(p.get("ok"), bool):
            files = p.get("files")
            result = StepResult(
                ev.kind,
                p["ok"],
                str(p.get("summary", "")),
                ev.who,
                ev.time,
                ev.seq,
                tuple(str(f) for f in files) if isinstance(files, list) else (),
            )
            self.results[p["step"]] = result
            self.history.setdefault(p["step"], []).append(result)

    def latest(self, step_id: str, kinds: Iterable[str] | None = None) -> StepResult | None:
        """The newest result of ``step_id`` (of one of ``kinds``, when given)."""
        wanted = set(kinds) if kinds is not None else None
        for result in reversed(self.history.get(step_id, [])):
            if wanted is None or result.kind in wanted:
                return result
        return None

    def is_done(self, item_id: str) -> bool:
        tick = self.ticks.get(item_id)
        return bool(tick and tick.done)

    def item(self, key: str) -> ChecklistEntry | None:
        """An item by id, or by its 1-based number as listed."""
        for entry in self.checklist:
            if entry.id == key:
                return entry
        if key.isdigit() and 1 <= int(key) <= len(self.checklist):
            return self.checklist[int(key) - 1]
        return None

    def evidence(self, item_id: str) -> StepResult | None:
        entry = self.item(item_id)
        if entry is None or not entry.evidence:
            return None
        return self.results.get(entry.evidence)

    @property
    def done_count(self) -> int:
        return sum(1 for e in self.checklist if self.is_done(e.id))


def _checklist(items: object) -> list[ChecklistEntry]:
    bad = ValueError("run-started event whose checklist cannot be read")
    if not isinstance(items, list):
        raise bad
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise bad
        try:
            entry = ChecklistEntry(**item)
        except TypeError:
            raise bad from None
        if not isinstance(entry.id, str) or not isinstance(entry.text, str):
            raise bad
        out.append(entry)
    return out


def render_checklist(state: RunState) -> str:
    lines = [f"# Checklist — {state.title or state.runbook_id}", "", f"Run `{state.run_id}`", ""]
    lines.append(f"{state.done_count} of {len(state.checklist)} done.")
    if state.damaged:
        where = "; ".join(str(d) for d in state.damaged)
        lines += [
            "",
            f"> **Damaged journal**: {where}. Kept as it is; this checklist is folded from "
            "the other lines.",
        ]
    phase = None
    for n, entry in enumerate(state.checklist, 1):
        if entry.phase != phase:
            phase = entry.phase
            lines += ["", f"## {phase}" if phase else "## Checklist", ""]
        tick = state.ticks.get(entry.id)
        mark = "x" if tick and tick.done else " "
        line = f"- [{mark}] {n}. {entry.text} (`{entry.id}`)"
        if tick:
            verb = "ticked" if tick.done else "unticked"
            line += f" — {verb} by {tick.who} at {tick.time}"
            if tick.note:
                line += f": {tick.note}"
        result = state.evidence(entry.id)
        if result is not None:
            verdict = "ok" if result.ok else "FAILED"
            line += (
                f"\n  - evidence: step `{entry.evidence}` {verdict} ({result.kind}, {result.time})"
            )
            if result.summary:
                line += f": {result.summary}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def render_notes(state: RunState) -> str:
    lines = [f"# Notes — {state.title or state.runbook_id}", "", f"Run `{state.run_id}`", ""]
    if not state.notes:
        lines.append("No notes yet.")
    for note in state.notes:
        about = f" (on `{note.item}`)" if note.item else ""
        lines.append(f"- **{note.time}** {note.who}{about}: {note.text}")
    return "\n".join(lines) + "\n"
