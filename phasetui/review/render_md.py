"""The review as Markdown (for a ticket): the same content the browser shows, section by section."""

from __future__ import annotations

from phasetui.review.commits import CommitView
from phasetui.review.compare import Comparison
from phasetui.review.listing import RunRow, person_name
from phasetui.review.mdtext import cell, code, demote, fence, took, verdict
from phasetui.review.review import RunReview
from phasetui.review.samples import chart
from phasetui.review.times import local_zone_name
from phasetui.units import human_bytes, human_duration

MAX_OTHER_BACKUPS = 20  # backup attempts besides the one a rollback uses, listed
MAX_MISSING = 30  # missing files named one by one in the overview
MAX_SAMPLE_ROWS = 40  # sample rows listed in Markdown; the JSON holds them all


def render_list(rows: list[RunRow], source: str) -> str:
    lines = [f"# Runs in {cell(source)}", "", f"Times in {local_zone_name()}.", ""]
    if not rows:
        return "\n".join([*lines, "No runs yet."]) + "\n"
    lines += [
        "| started | run | runbook | target | outcome | people | took | failed | overrides |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        outcome = r.outcome if not r.problem else f"**cannot review**: {r.problem}"
        damaged = f" ({r.damaged} damaged line(s))" if r.damaged else ""
        lines.append(
            f"| {cell(r.started.show())} | `{code(r.run_id)}` | {cell(r.runbook_id)} | "
            f"{cell(r.target or '-')} | {cell(outcome)}{damaged} | {cell(', '.join(r.people))} "
            f"| {took(r.duration_s)} | {cell(', '.join(r.steps_failed) or '0')} | "
            f"{r.overrides} |"
        )
    return "\n".join(lines) + "\n"


def _header(review: RunReview) -> list[str]:
    run, row = review.run, review.run.row
    lines = [f"# Review — {cell(row.title or row.runbook_id or run.run_id)}", ""]
    lines += [
        f"- Run: `{code(run.run_id)}`",
        f"- Runbook: `{code(row.runbook_id or '?')}`",
        f"- Target: {cell(row.target or '(none recorded)')}",
        f"- Outcome: **{cell(row.outcome)}**",
        f"- Started: {cell(row.started.show())} (recorded {cell(row.started.recorded)})",
        f"- Last event: {cell(row.ended.show())} (recorded {cell(row.ended.recorded)})",
        f"- Duration: {took(row.duration_s)}",
        f"- People: {cell(', '.join(row.people) or '?')}",
        f"- Events: {row.events}; steps failed: {cell(', '.join(row.steps_failed) or 'none')}"
        f"; overrides: {len(review.overrides)}",
        f"- Times shown in {local_zone_name()}; each keeps the time as recorded.",
    ]
    if run.runbook_problem:
        lines.append(f"- Runbook: {cell(run.runbook_problem)}")
    for d in run.damaged:
        shown = f": `{code(d.text)}`" if d.text else ""
        lines += [
            "",
            f"> **Damaged journal line** — {cell(str(d))}{shown}. It is left as it is; "
            "the review is built from the other lines.",
        ]
    missing = run.missing
    for m in missing[:MAX_MISSING]:
        lines += [
            "",
            f"> **Missing evidence** `{code(m.path)}` (event {m.seq}, {cell(m.kind)}"
            f" {cell(m.step or '')}): the file is gone from the run folder; the journal "
            f"says: {cell(m.said)}",
        ]
    if len(missing) > MAX_MISSING:
        lines += [
            "",
            f"> … and {len(missing) - MAX_MISSING} more missing files (the JSON lists all).",
        ]
    return lines


def _timeline(review: RunReview) -> list[str]:
    lines = ["## Timeline", ""]
    lines += [
        "| # | time | who | what | step | result | summary |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in review.run.timeline:
        if e.long_gap:
            lines.append(f"| | | | **gap of {human_duration(e.gap_s)}** | | | |")
        text = cell(e.summary)
        if e.override:
            text = f"**OVERRIDE: {cell(e.override)}** — {text}"
        gone = [f.path for f in e.files if not f.present]
        if gone:
            text += " — **missing:** " + ", ".join(f"`{code(g)}`" for g in gone)
        lines.append(
            f"| {e.seq} | {cell(e.time.show())} ({cell(e.time.offset)}) | "
            f"{cell(person_name(e.who))} | {cell(e.kind)} | {cell(e.step or '')} | "
            f"{verdict(e.ok)} | {text} |"
        )
    return lines


def _checklist(review: RunReview) -> list[str]:
    lines = ["## Checklist", ""]
    if not review.checklist:
        return [*lines, "The run has no checklist."]
    done = sum(1 for r in review.checklist if r.done)
    lines += [f"{done} of {len(review.checklist)} done.", ""]
    for r in review.checklist:
        mark = "x" if r.done else " "
        line = f"- [{mark}] {r.number}. {cell(r.text)} (`{code(r.id)}`)"
        if r.time is not None:
            line += (
                f" — {'ticked' if r.done else 'unticked'} by {cell(r.who)} at {cell(r.time.show())}"
            )
            if r.note:
                line += f": {cell(r.note)}"
        lines.append(line)
        if r.evidence_step:
            e = r.evidence
            if e is None:
                lines.append(f"  - evidence: step `{code(r.evidence_step)}` has no result")
            else:
                files = ", ".join(
                    f"`{code(f.path)}`" + ("" if f.present else " (**missing**)") for f in e.files
                )
                lines.append(
                    f"  - evidence: step `{code(r.evidence_step)}` {verdict(e.ok)} ({cell(e.kind)},"
                    f" {cell(e.time.show())}): {cell(e.summary)}" + (f" — {files}" if files else "")
                )
    return lines


def _notes(review: RunReview) -> list[str]:
    lines = ["## Notes", ""]
    if not review.notes:
        return [*lines, "No notes."]
    for n in review.notes:
        about = f" (on `{code(n.item)}`)" if n.item else ""
        lines.append(
            f"- **{cell(n.time.show())}** {cell(person_name(n.who))}{about}: {cell(n.text)}"
        )
    return lines


def _lint(review: RunReview) -> list[str]:
    lines = ["## Lint findings", ""]
    if not review.lint:
        lines.append("No lint was recorded in this run.")
    for b in review.lint:
        e = b.entry
        n = lambda v: "?" if v is None else f"{v:.0f}"  # noqa: E731
        attempts = f" (attempt {b.attempts} of {b.attempts})" if b.attempts > 1 else ""
        lines.append(
            f"- `{code(e.step)}` ({cell(b.phase or '?')} phase): {n(b.errors)} errors, "
            f"{n(b.warnings)} warnings, {verdict(e.ok)}{attempts}"
        )
        if e.override:
            lines.append(f"  - overridden by {cell(person_name(e.who))}: “{cell(e.override)}”")
        if b.problem:
            lines.append(f"  - {cell(b.problem)}")
        for f in b.findings:
            allowed = f"; allowed in the SQL: “{cell(f.suppressed)}”" if f.suppressed else ""
            lines.append(
                f"  - {cell(f.severity)} `{code(f.rule)}` (line {cell(f.line)}): "
                f"{cell(f.message)}{allowed}"
            )
    lines += ["", "## Overrides", ""]
    if not review.overrides:
        lines.append("No gate was overridden in this run.")
    for o in review.overrides:
        e = o.entry
        lines.append(
            f"- **{cell(o.what)}** — {cell(e.kind)} `{code(e.step or '?')}` by "
            f"{cell(person_name(e.who))} at {cell(e.time.show())} (event {e.seq}): "
            f"“{cell(o.reason)}”"
        )
    return lines


def _rehearsals(review: RunReview) -> list[str]:
    lines = ["## Lock rehearsals", ""]
    if not review.rehearsals:
        return [*lines, "No lock rehearsal was recorded in this run."]
    for b in review.rehearsals:
        e = b.entry
        failed = f"; failed: {cell(b.failure)}" if b.failure else ""
        lines += [
            f"### `{code(e.step)}` on {cell(b.environment or '?')}: {verdict(e.ok)}{failed}",
            "",
        ]
        if b.problem:
            lines += [f"> {cell(b.problem)}", ""]
            continue
        lines += [
            "| # | line | statement | status | strongest lock | blocks | rewrites | time |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in b.rows:
            lines.append(
                f"| {cell(r.index)} | {cell(r.line)} | `{code(r.sql[:90])}` | {cell(r.status)} | "
                f"{cell(r.lock)} | {cell(r.blocks)} | {cell(', '.join(r.rewrites) or 'no')} | "
                f"{took(r.seconds)} |"
            )
        lines.append("")
    return lines


def _schema(review: RunReview) -> list[str]:
    lines = ["## Schema diff", ""]
    if not review.schema:
        return [*lines, "No schema diff was captured in this run."]
    for b in review.schema:
        e = b.entry
        seen = (
            f"reviewed by {cell(person_name(b.reviewed.who))} at {cell(b.reviewed.time.show())}"
            if b.reviewed
            else "**not marked reviewed**"
        )
        lines += [f"### `{code(e.step)}`: {' vs '.join(cell(s) for s in b.sides)} — {seen}", ""]
        if b.files:
            lines += [
                "From the dumps committed in the run: "
                + ", ".join(f"`{code(f)}`" for f in b.files)
                + " (the same loader and diff as the live step).",
                "",
            ]
        if b.problem:
            lines += [f"> {cell(b.problem)}", ""]
        if b.markdown:
            lines += [demote(b.markdown, 3).strip(), ""]
    return lines


def _texts(title: str, items, empty: str) -> list[str]:
    lines = [f"## {title}", ""]
    if not items:
        return [*lines, empty]
    for t in items:
        e = t.entry
        lines += [f"### `{code(e.step)}`: {verdict(e.ok)} — {cell(e.summary)}", ""]
        for path, text in t.texts:
            if text is None:
                lines += [f"`{code(path)}` is **missing** from the run folder.", ""]
            else:
                lines += [f"`{code(path)}`:", "", *fence(text or "(empty)"), ""]
    return lines


def _backup(review: RunReview) -> list[str]:
    lines = ["## Backup and rollback", ""]
    chosen = [b for b in review.backups if b.chosen]
    if not chosen:
        lines += [
            "> **No good backup was recorded in this run**: there is no file to restore from.",
            "",
        ]
    for b in chosen:
        e = b.entry
        lines += [f"### Backup `{code(e.step)}` {verdict(e.ok)} — **the one a rollback restores**"]
        lines += [
            "",
            f"- {cell(e.summary)}",
            f"- File: `{code(b.path or '(none)')}`; {human_bytes(b.bytes)}; sha256 "
            f"`{code(b.sha256 or '?')}`",
            f"- Of {cell(', '.join(b.tables) or 'the whole database')} on {cell(b.env or '?')}, "
            f"by {cell(person_name(e.who))} at {cell(e.time.show())} in {took(b.seconds)}"
            f" with {cell(b.pg_dump_version or 'pg_dump ?')}",
        ]
        if b.restore_command:
            lines += ["", "Restore command (it asks for the password; none is recorded):", ""]
            lines += [*fence(b.restore_command, "sh"), ""]
        else:
            lines += ["- **No restore command was recorded.**", ""]
    others = [b for b in review.backups if not b.chosen]
    if others:
        lines += ["Other backup attempts:", ""]
    for b in others[:MAX_OTHER_BACKUPS]:
        e = b.entry
        lines.append(
            f"- `{code(e.step)}` {verdict(e.ok) or '-'} at {cell(e.time.show())} by "
            f"{cell(person_name(e.who))}: {cell(e.summary)}"
            + (f" — `{code(b.path)}`" if b.path else "")
        )
    if len(others) > MAX_OTHER_BACKUPS:
        lines.append(f"- … and {len(others) - MAX_OTHER_BACKUPS} more (the timeline has each)")
    if review.rollback_plan:
        lines += [
            "",
            "Rollback files written in the run: "
            + ", ".join(f"`{code(p)}`" for p in review.rollback_plan),
        ]
    return lines


def _backfills(review: RunReview) -> list[str]:
    lines = ["## Backfills", ""]
    if not review.backfills:
        return [*lines, "No backfill was recorded in this run."]
    for b in review.backfills:
        e = b.entry
        f = b.figures
        lines += [
            f"### `{code(e.step)}` on `{code(f.get('table', '?'))}`: "
            f"{cell(f.get('state', '?'))} {verdict(e.ok)}",
            "",
        ]
        lines += [
            f"- {cell(k)}: {cell(figure(k, v))}"
            for k, v in f.items()
            if k not in ("table", "state")
        ]
        if b.problem:
            lines += ["", f"> {cell(b.problem)}"]
        s = b.series
        if s is not None:
            lines += ["", f"Replayed from `{code(b.samples_file)}` ({len(s.samples)} samples):", ""]
            lines += [*fence("\n".join(chart(s))), ""]
            for sp in s.spans:
                why = f": {cell(sp.reason)}" if sp.reason else ""
                lines.append(f"- **{sp.what}** from {sp.start:,.0f}s to {sp.end:,.0f}s{why}")
            for d in s.damaged:
                lines.append(f"- damaged sample {cell(d)}")
            lines += [
                "",
                "| t | time | rows | rate | batch | throttled | retries | state |",
                "|---|---|---|---|---|---|---|---|",
            ]
            step = max(1, len(s.samples) // MAX_SAMPLE_ROWS)
            for sm in s.samples[::step]:
                thr = f"yes: {cell(sm.reason)}" if sm.throttled else ""
                lines.append(
                    f"| {sm.t:,.0f}s | {cell(sm.time.show(date=False))} | {_n(sm.rows)} | "
                    f"{_n(sm.rate)} | {_n(sm.batch_size)} | {thr} | {_n(sm.retries)} | "
                    f"{cell(sm.state)} |"
                )
        lines.append("")
    return lines


def figure(key: str, value: object) -> str:
    """A backfill figure as the live pane shows it: sizes, durations, counts."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if key.endswith("_bytes") or key.endswith("_bytes_before") or key.endswith("_bytes_after"):
        return human_bytes(value)
    if key.endswith("_seconds"):
        return human_duration(value)
    if key == "rows_per_second":
        return f"{value:,.0f} rows/s"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _n(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def _verify(review: RunReview) -> list[str]:
    from phasetui.review.evidence import verify_queries

    lines = _texts("Verify", review.verify, "No verify step was recorded in this run.")
    for t in review.verify:
        for q in verify_queries(t.entry):
            mark = "held" if q.held else "**did not hold**"
            lines.append(f"- `{code(q.sql)}` expect {cell(q.expect)}, got {cell(q.got)}: {mark}")
    return lines


def _status(review: RunReview) -> list[str]:
    lines = _texts("Migration status", review.status, "No migration status was recorded.")
    lines += ["", *_texts("Drift", review.drift, "No drift check was recorded.")]
    return [*lines, "", *_verify(review)]


def _release_notes(review: RunReview) -> list[str]:
    return ["## Release notes", "", demote(review.release_notes, 2).strip()]


# The sections in order: (id, tab title, builder). The browser shows one tab per section.
SECTIONS = (
    ("overview", "Overview", _header),
    ("timeline", "Timeline", _timeline),
    ("checklist", "Checklist & notes", lambda r: [*_checklist(r), "", *_notes(r)]),
    ("lint", "Lint & overrides", _lint),
    ("rehearsal", "Rehearsal", _rehearsals),
    ("schema", "Schema", _schema),
    ("status", "Status & drift", _status),
    ("backup", "Backup", _backup),
    ("backfill", "Backfill", _backfills),
    ("release", "Release notes", _release_notes),
)


def section(review: RunReview, section_id: str) -> str:
    for sid, _, build in SECTIONS:
        if sid == section_id:
            return "\n".join(build(review)).rstrip("\n") + "\n"
    raise KeyError(section_id)


def render_run(review: RunReview) -> str:
    out: list[str] = []
    for _, _, build in SECTIONS:
        out += [*build(review), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _run_line(r: RunRow) -> str:
    return f"`{code(r.run_id)}` ({cell(r.target or '?')}, {cell(r.outcome)}, {took(r.duration_s)})"


def render_compare(c: Comparison) -> str:
    l, r = c.left.row, c.right.row  # noqa: E741
    lines = [
        f"# Compare — {cell(l.title or l.runbook_id)}",
        "",
        f"- Left: {_run_line(l)}",
        f"- Right: {_run_line(r)}",
    ]
    if c.warning:
        lines += ["", f"> {cell(c.warning)}"]
    lines += ["", "| step | left | right | differences |", "|---|---|---|---|"]
    for row in c.rows:

        def side(s) -> str:
            if s is None:
                return "—"
            att = f", {s.attempts} attempts" if s.attempts > 1 else ""
            return f"{verdict(s.ok) or '-'} {cell(s.kind)}, {took(s.seconds, s.measured)}{att}"

        title = f" ({cell(row.title)})" if row.title else ""
        lines.append(
            f"| `{code(row.step)}`{title} | {side(row.left)} | {side(row.right)} | "
            f"{cell('; '.join(row.differences))} |"
        )
    return "\n".join(lines) + "\n"


def render_commit(view: CommitView, seq: int) -> str:
    if view.problem:
        return f"# Event {seq}: no commit\n\n{view.problem}\n"
    lines = [
        f"# Event {seq}: commit `{view.sha[:12]}`",
        "",
        f"- Author: {cell(view.author)}",
        f"- Date: {cell(view.date.show())} (recorded {cell(view.date.recorded)})",
        "",
        *fence(view.message),
        "",
        "Files changed:",
        "",
        *[f"- {cell(s)} `{code(p)}`" for s, p in view.files],
        "",
        *fence(view.diff, "diff"),
    ]
    if view.truncated:
        lines.append("(the diff is longer; shown up to its first 200,000 characters)")
    return "\n".join(lines) + "\n"
