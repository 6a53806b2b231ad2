"""A runbook ``schema-diff`` step: capture both sides, commit them, and record the review.

Capturing writes ``schema/<side>.sql``, ``schema/diff.md`` and ``schema/diff.json`` to the
run (a ``schema-capture`` event: a fact, not yet evidence). Only the DBA marking the diff
reviewed — ``v`` in the viewer, or ``--reviewed`` headless — records the step's result,
which is the evidence for the checklist item "schema dump diff checked".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from phasetui.audit.events import Event
from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.db.environments import resolve_dsn
from phasetui.errors import UserError
from phasetui.runbook.model import Runbook, Step

if TYPE_CHECKING:  # pragma: no cover
    from phasetui.schema.capture import CapturedSide, SchemaDiffResult


@dataclass(frozen=True)
class SchemaDiffStep:
    runbook: Runbook
    step: Step

    @classmethod
    def of(cls, runbook: Runbook, step_id: str) -> SchemaDiffStep:
        return cls(runbook, runbook.step_of_kind(step_id, "schema-diff"))

    def side_specs(self) -> list[str]:
        params = self.step.params
        return list(params["envs"]) if "envs" in params else [params["left"], params["right"]]

    def _capture(self, spec: str) -> CapturedSide:
        from phasetui.schema.capture import CapturedSide, capture_side
        from phasetui.schema.dump_loader import load_dump

        env = self.runbook.environments.get(spec)
        if env is not None:
            return capture_side(env.name, resolve_dsn(env))
        path = Path(spec)
        if not path.is_absolute():
            path = self.runbook.path.parent / path
        if not path.is_file():
            known = ", ".join(self.runbook.environments) or "none"
            raise UserError(
                f"step {self.step.id}: {spec!r} is neither an environment nor a dump file",
                f"name an environment ({known}) or a pg_dump --schema-only file",
            )
        text = path.read_text(encoding="utf-8")
        return CapturedSide(path.stem, text, load_dump(text, source=str(path), path=str(path)))

    def capture(self) -> SchemaDiffResult:
        from phasetui.schema.capture import diff_sides

        left, right = (self._capture(spec) for spec in self.side_specs())
        return diff_sides(left, right)

    def record_capture(
        self, repo: AuditRepo, run_id: str, result: SchemaDiffResult, who: Person
    ) -> Event:
        return repo.record(
            run_id,
            "schema-capture",
            {
                "step": self.step.id,
                "sides": self.side_specs(),
                "summary": result.summary,
                "changes": len(result.diff.changes),
            },
            who,
            files=result.files,
            summary=f"schema diff {self.step.id} captured: {result.summary}"[:120],
        )

    def record_review(
        self, repo: AuditRepo, run_id: str, result: SchemaDiffResult, who: Person
    ) -> Event:
        return repo.record_step_result(
            run_id,
            self.step.id,
            "schema-diff",
            ok=True,
            summary=f"reviewed: {result.summary}",
            payload={
                "sides": self.side_specs(),
                "changes": len(result.diff.changes),
                "file": "schema/diff.md",
            },
            who=who,
        )
