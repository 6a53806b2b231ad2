"""Two runs of one runbook side by side: the staging rehearsal and the production window.

Step by step (the runbook's order, then any step only one run has): the latest outcome,
how many attempts, how long it took, and what differs in lint (rules found) and in the lock
rehearsal (locks taken, tables rewritten). A duration comes from the step's own figures when
it recorded one, else it is the time since the event before it (marked ``~``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from phasetui.review.evidence import LintBlock, RehearsalBlock, lint_blocks, rehearsal_blocks
from phasetui.review.run import RunData, TimelineEntry

_DURATION_KEYS = ("elapsed_seconds", "seconds", "duration_s")


@dataclass
class StepSide:
    kind: str
    ok: bool | None
    summary: str
    attempts: int
    seconds: float | None
    measured: bool  # False: the time since the event before it
    time: str
    lint_rules: list[str] = field(default_factory=list)
    locks: list[str] = field(default_factory=list)
    rewrites: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CompareRow:
    step: str
    title: str
    left: StepSide | None
    right: StepSide | None
    differences: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "title": self.title,
            "left": self.left.to_json() if self.left else None,
            "right": self.right.to_json() if self.right else None,
            "differences": self.differences,
        }


@dataclass
class Comparison:
    left: RunData
    right: RunData
    rows: list[CompareRow]
    warning: str = ""

    def to_json(self) -> dict[str, Any]:
        def head(run: RunData) -> dict[str, Any]:
            return {"run_id": run.run_id, "target": run.row.target, "outcome": run.row.outcome}

        return {
            "left": head(self.left),
            "right": head(self.right),
            "warning": self.warning,
            "steps": [r.to_json() for r in self.rows],
        }


def _duration(run: RunData, entry: TimelineEntry) -> tuple[float | None, bool]:
    for key in _DURATION_KEYS:
        value = entry.payload.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value), True
    return entry.gap_s, False


def _sides(run: RunData) -> dict[str, StepSide]:
    lints: dict[str, LintBlock] = {b.entry.step or "": b for b in lint_blocks(run)}
    rehearsals: dict[str, RehearsalBlock] = {b.entry.step or "": b for b in rehearsal_blocks(run)}
    latest: dict[str, TimelineEntry] = {}
    counts: dict[str, int] = {}
    for e in run.timeline:
        if e.step is None or e.ok is None:
            continue
        latest[e.step] = e
        counts[(e.step, e.kind)] = counts.get((e.step, e.kind), 0) + 1
    out = {}
    for step, e in latest.items():
        seconds, measured = _duration(run, e)
        lint, rehearsal = lints.get(step), rehearsals.get(step)
        out[step] = StepSide(
            e.kind,
            e.ok,
            e.summary,
            counts[(step, e.kind)],
            seconds,
            measured,
            e.time.recorded,
            lint.rules if lint else [],
            rehearsal.locks if rehearsal else [],
            rehearsal.rewrites if rehearsal else [],
        )
    return out


def _order(left: RunData, right: RunData, steps: set[str]) -> list[str]:
    ordered: list[str] = []
    for run in (left, right):
        finder = getattr(run.runbook, "steps", None)
        if callable(finder):
            try:
                ordered += [s.id for s in finder()]
            except Exception:  # noqa: BLE001 - no runbook order: journal order below
                pass
    for run in (left, right):
        ordered += [e.step for e in run.timeline if e.step]
    seen = list(dict.fromkeys(s for s in ordered if s in steps))
    return seen


def _differences(a: StepSide | None, b: StepSide | None) -> list[str]:
    if a is None or b is None:
        return ["only in the " + ("right" if a is None else "left") + " run"]
    out = []
    if a.ok != b.ok:
        out.append(f"outcome: {_verdict(a.ok)} vs {_verdict(b.ok)}")
    if a.attempts != b.attempts:
        out.append(f"attempts: {a.attempts} vs {b.attempts}")
    if set(a.lint_rules) != set(b.lint_rules):
        only_a = sorted(set(a.lint_rules) - set(b.lint_rules))
        only_b = sorted(set(b.lint_rules) - set(a.lint_rules))
        out.append(
            "lint: "
            + "; ".join(
                part
                for part in (
                    f"only left {', '.join(only_a)}" if only_a else "",
                    f"only right {', '.join(only_b)}" if only_b else "",
                )
                if part
            )
        )
    if a.locks != b.locks:
        out.append(f"locks: {', '.join(a.locks) or 'none'} vs {', '.join(b.locks) or 'none'}")
    if a.rewrites != b.rewrites:
        out.append(
            f"rewrites: {', '.join(a.rewrites) or 'none'} vs {', '.join(b.rewrites) or 'none'}"
        )
    return out


def _verdict(ok: bool | None) -> str:
    return "ok" if ok is True else "FAILED" if ok is False else "-"


def compare_runs(left: RunData, right: RunData) -> Comparison:
    a, b = _sides(left), _sides(right)
    rows = []
    for step in _order(left, right, set(a) | set(b)):
        title = left.step_title(step) or right.step_title(step)
        rows.append(
            CompareRow(
                step, title, a.get(step), b.get(step), _differences(a.get(step), b.get(step))
            )
        )
    warning = ""
    if left.row.runbook_id != right.row.runbook_id:
        warning = (
            f"these runs are of different runbooks ({left.row.runbook_id or '?'} and "
            f"{right.row.runbook_id or '?'}): steps are matched by id only"
        )
    return Comparison(left, right, rows, warning)


def partner_run(rows: list[Any], run: RunData) -> str | None:
    """The run to compare with by default: the newest other run of the same runbook for
    another target (the staging rehearsal of a production window, and back)."""
    same = [
        r
        for r in rows
        if r.runbook_id == run.row.runbook_id and r.run_id != run.run_id and not r.problem
    ]
    other = [r for r in same if r.target != run.row.target] or same
    return other[0].run_id if other else None
