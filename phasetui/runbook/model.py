"""The runbook model: environments, phases of steps, a checklist and a rollback plan.

Loaded from TOML or from a Markdown guide; later parts (lint, backfill, verify, …) read a
step's ``params`` — the step's table exactly as written, already validated by kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasetui.audit.run_state import ChecklistEntry
from phasetui.environment import Environment

PHASE_KINDS = ("prepare", "expand", "backfill", "contract", "signoff", "rollback", "other")


@dataclass
class Step:
    id: str
    kind: str
    title: str
    phase: str
    env: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    line: int = 0

    @property
    def label(self) -> str:
        return self.title or self.id


@dataclass
class Phase:
    id: str
    title: str
    kind: str = "other"
    steps: list[Step] = field(default_factory=list)
    line: int = 0


@dataclass
class ChecklistItem:
    id: str
    text: str
    phase: str = ""
    evidence: str | None = None
    line: int = 0
    checked_in_source: bool = False

    def entry(self) -> ChecklistEntry:
        return ChecklistEntry(self.id, self.text, self.phase, self.evidence)


@dataclass
class Rollback:
    description: str = ""
    backup: str | None = None
    sql: str = ""
    file: str | None = None
    steps: list[str] = field(default_factory=list)
    refresh_status: bool = True
    # Where the manual steps are written on a rollback (the guide: database-backups/README.md),
    # relative to the runbook's folder; they always go into the run folder too.
    notes_file: str | None = None


@dataclass
class Runbook:
    id: str
    title: str
    path: Path
    source: str
    format: str  # "toml" or "markdown"
    description: str = ""
    owner: str = ""
    pg_version: int | None = None
    environments: dict[str, Environment] = field(default_factory=dict)
    phases: list[Phase] = field(default_factory=list)
    checklist: list[ChecklistItem] = field(default_factory=list)
    rollback: Rollback = field(default_factory=Rollback)

    def steps(self) -> list[Step]:
        return [s for p in self.phases for s in p.steps]

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps() if s.id == step_id), None)

    def step_of_kind(self, step_id: str, kind: str) -> Step:
        """The step ``step_id``, which must be a ``kind`` step; else a UserError listing them."""
        from phasetui.errors import UserError

        step = self.step(step_id)
        if step is not None and step.kind == kind:
            return step
        known = ", ".join(s.id for s in self.steps() if s.kind == kind) or "none"
        what = f"is a {step.kind} step" if step else "does not exist"
        raise UserError(
            f"step {step_id!r} of runbook {self.id!r} {what}", f"{kind} steps here: {known}"
        )

    def checklist_entries(self) -> list[ChecklistEntry]:
        return [item.entry() for item in self.checklist]

    @property
    def frozen_name(self) -> str:
        """File name of the frozen copy in the run folder."""
        return "runbook.toml" if self.format == "toml" else "runbook.md"
