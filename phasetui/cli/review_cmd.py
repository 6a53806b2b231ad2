"""``phasetui review [AUDIT_REPO]``: past runs, offline, from the audit repo (a clone is enough).

Without ``--format`` it opens the full-screen browser; with ``--format md|json`` it prints
the same content: the run list, one run (``--run``), one event's commit (``--run --event``)
or two runs side by side (``--run --compare``). It opens no database connection and loads
no database driver: PHASETUI_*_DSN may be unset and no server running.
"""

from __future__ import annotations

import sys

import click

from phasetui.errors import UserError


@click.command("review")
@click.argument("audit_repo", required=False)
@click.option("--run", "run_id", default=None, metavar="ID", help="One run (default: the list).")
@click.option(
    "--compare", "other_id", default=None, metavar="ID", help="With --run: set this run beside it."
)
@click.option("--event", "seq", type=int, default=None, help="With --run: this event's commit.")
@click.option("--search", default="", help="Only runs whose row holds every word.")
@click.option(
    "--outcome",
    type=click.Choice(["done", "rolled-back", "abandoned", "open"]),
    default=None,
    help="Only runs that ended so.",
)
@click.option(
    "--gap-minutes",
    type=click.FloatRange(min=0),
    default=15.0,
    show_default=True,
    help="A pause between two events longer than this stands out in the timeline.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json"]),
    default=None,
    help="Print instead of opening the browser: Markdown (a ticket) or JSON (tools).",
)
def review(
    audit_repo: str | None,
    run_id: str | None,
    other_id: str | None,
    seq: int | None,
    search: str,
    outcome: str | None,
    gap_minutes: float,
    fmt: str | None,
) -> None:
    """Review past runs: timeline, evidence, overrides, backfills, rollback — no database."""
    from phasetui.cli.options import audit_path
    from phasetui.review.source import ReviewSource

    if (other_id or seq is not None) and not run_id:
        raise UserError("--compare and --event need --run", "add --run ID")
    source = ReviewSource.open(audit_path(audit_repo))
    if fmt is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UserError(
                "phasetui review needs a terminal for its browser",
                "add --format md or --format json to print instead",
            )
        from phasetui.tui.review_app import ReviewApp

        ReviewApp(source, run_id=run_id, other_id=other_id, gap_minutes=gap_minutes).run()
        return
    click.echo(
        _headless(source, run_id, other_id, seq, search, outcome, gap_minutes, fmt), nl=False
    )


def _headless(source, run_id, other_id, seq, search, outcome, gap_minutes, fmt) -> str:
    from phasetui.review import render_json as rj
    from phasetui.review import render_md as rm
    from phasetui.review.run import load_run

    if not run_id:
        from phasetui.review.listing import filter_runs, list_runs

        rows = filter_runs(list_runs(source), search, outcome or "")
        if fmt == "json":
            return rj.dumps(rj.list_json(rows, str(source.path)))
        return rm.render_list(rows, str(source.path))
    run = load_run(source, run_id, gap_minutes=gap_minutes)
    if seq is not None:
        from phasetui.review.commits import CommitFinder

        entry = run.entry(seq)
        if entry is None:
            known = f"{run.timeline[0].seq}-{run.timeline[-1].seq}" if run.timeline else "none"
            raise UserError(f"run {run_id} has no event {seq}", f"events: {known}")
        view = CommitFinder(source).find(run_id, seq, entry.raw)
        if fmt == "json":
            return rj.dumps({"event": entry.to_json(), "commit": view.to_json()})
        return rm.render_commit(view, seq)
    if other_id:
        from phasetui.review.compare import compare_runs

        comparison = compare_runs(run, load_run(source, other_id, gap_minutes=gap_minutes))
        if fmt == "json":
            return rj.dumps(comparison.to_json())
        return rm.render_compare(comparison)
    from phasetui.review.review import build_review

    built = build_review(run)
    if fmt == "json":
        return rj.dumps(rj.review_json(built))
    return rm.render_run(built)
