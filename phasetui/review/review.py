"""A run's review: every section built once from its record (the TUI and headless share it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from phasetui.review import evidence as ev
from phasetui.review.run import ChecklistRow, NoteRow, RunData, checklist_rows, load_run, note_rows
from phasetui.review.source import ReviewSource


@dataclass
class RunReview:
    run: RunData
    checklist: list[ChecklistRow] = field(default_factory=list)
    notes: list[NoteRow] = field(default_factory=list)
    lint: list[ev.LintBlock] = field(default_factory=list)
    overrides: list[ev.Override] = field(default_factory=list)
    rehearsals: list[ev.RehearsalBlock] = field(default_factory=list)
    schema: list[ev.SchemaBlock] = field(default_factory=list)
    status: list[ev.TextEvidence] = field(default_factory=list)
    drift: list[ev.TextEvidence] = field(default_factory=list)
    verify: list[ev.TextEvidence] = field(default_factory=list)
    backups: list[ev.Backup] = field(default_factory=list)
    backfills: list[ev.BackfillBlock] = field(default_factory=list)
    release_notes: str = ""

    @property
    def rollback_plan(self) -> list[str]:
        """The rollback files the run wrote (``rollback/README.md``), present or not."""
        return [
            f.path for e in self.run.timeline for f in e.files if f.path.startswith("rollback/")
        ]


def build_review(run: RunData) -> RunReview:
    lint = ev.lint_blocks(run)
    return RunReview(
        run=run,
        checklist=checklist_rows(run),
        notes=note_rows(run),
        lint=lint,
        overrides=ev.overrides(run, lint),
        rehearsals=ev.rehearsal_blocks(run),
        schema=ev.schema_blocks(run),
        status=ev.text_evidence(run, "migration-status"),
        drift=ev.text_evidence(run, "drift"),
        verify=ev.text_evidence(run, "verify"),
        backups=ev.backups(run),
        backfills=ev.backfill_blocks(run),
        release_notes=ev.release_notes(run),
    )


def review_run(path: str, run_id: str, *, gap_minutes: float | None = None) -> RunReview:
    source = ReviewSource.open(path)
    kwargs = {} if gap_minutes is None else {"gap_minutes": gap_minutes}
    return build_review(load_run(source, run_id, **kwargs))
