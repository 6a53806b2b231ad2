"""The runbook's ``report`` step: release notes (``report.md``) from the run's own record.

Reads the run folder only (the journal and the evidence beside it) and renders with
:func:`phasetui.audit.report.build_report`; no database is touched, nothing is written
here: the runner commits the file the outcome names, with the attempt's own name.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from phasetui.audit.journal import JOURNAL, read_journal
from phasetui.audit.report import build_report
from phasetui.errors import UserError
from phasetui.ops.outcome import StepContext, StepOutcome

DEFAULT_OUTPUT = "report.md"


def output_name(ctx: StepContext) -> str:
    """The step's ``output`` (default ``report.md``): a file inside the run folder."""
    name = str((ctx.step.params or {}).get("output") or DEFAULT_OUTPUT)
    path = PurePosixPath(name)
    reserved = (JOURNAL, "checklist.md", "notes.md")
    if path.is_absolute() or ".." in path.parts or "\\" in name or str(path) in reserved:
        where = f" (line {ctx.step.line})" if getattr(ctx.step, "line", 0) else ""
        raise UserError(
            f"step {ctx.step.id}: output {name!r} is not a file the report may write in the "
            "run folder",
            f"give `output` a plain relative name such as report.md{where}",
        )
    return str(path)


def run_step(ctx: StepContext) -> StepOutcome:
    if ctx.run_dir is None:
        raise UserError(
            f"step {ctx.step.id}: a report is written from a run, and none is open",
            "start or open the run first (phasetui run RUNBOOK), then run the report step",
        )
    run_dir = Path(ctx.run_dir)
    name = output_name(ctx)
    try:
        journal = read_journal(run_dir / JOURNAL)
    except FileNotFoundError:
        raise UserError(
            f"step {ctx.step.id}: the run folder {run_dir} has no {JOURNAL}: there is no "
            "record to report on",
            "restore the journal from the audit repo's history (git checkout HEAD -- "
            f"{JOURNAL}), or start a new run",
        ) from None
    except OSError as exc:
        raise UserError(
            f"step {ctx.step.id}: cannot read {run_dir / JOURNAL}: {exc.strerror or exc}",
            "check the audit repo's permissions",
        ) from None
    events = [ev for _, ev in journal.events]
    if (ctx.step.params or {}).get("template"):
        ctx.progress("note: `template` is not supported yet; the built-in layout is used")
    ctx.progress(f"rendering {name} from {len(events)} events")
    text, facts = build_report(run_dir, events, ctx.runbook, damaged=journal.damaged)
    if not events:
        summary = f"{name}: the run's journal holds no readable event"
    else:
        backup = "backup recorded" if facts.backup else "NO backup recorded"
        summary = (
            f"{name}: {facts.steps_ok} step results ok, {facts.steps_failed} failed, "
            f"{facts.overrides} overrides, {backup}"
        )
        if facts.missing_files:
            summary += f", {facts.missing_files} evidence files missing"
        if facts.damaged_lines:
            summary += f", {facts.damaged_lines} damaged journal lines"
    return StepOutcome(
        kind="report",
        ok=bool(events),
        summary=summary,
        files={name: text},
        figures={"output": name, **facts.to_dict()},
    )
