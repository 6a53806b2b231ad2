"""The offline review of an audit repo built through the real engine, read from a clone.

The repo is written with the database settings set; the review runs with them unset, in
another time zone (Asia/Tokyo), from a ``git clone`` in a new folder, and must show what was
changed, by whom, when, what it cost, what was overridden and why, and how to roll back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from phasetui.review.commits import CommitFinder
from phasetui.review.compare import compare_runs
from phasetui.review.listing import filter_runs, list_runs
from phasetui.review.render_json import review_json
from phasetui.review.render_md import render_run
from phasetui.review.review import build_review
from phasetui.review.run import load_run
from phasetui.review.source import ReviewSource
from tests import review_support as rs
from tests.helpers import ROOT, git

pytest_plugins = ("tests.review_fixtures",)  # the built repo, its clone, the Tokyo zone


def review_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m phasetui review ARGS`` with no database settings, in Tokyo."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DSN")}
    env["TZ"] = "Asia/Tokyo"
    return subprocess.run(
        [sys.executable, "-m", "phasetui", "review", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_run_list_says_who_what_when_and_how_it_ended(cloned):
    rows = {r.run_id: r for r in list_runs(ReviewSource.open(cloned))}
    assert list(rows) == [rs.NEWER_RUN, rs.PRODUCTION_RUN, rs.STAGING_RUN]
    prod, staging = rows[rs.PRODUCTION_RUN], rows[rs.STAGING_RUN]
    assert (prod.target, prod.outcome) == ("production", "rolled-back")
    assert (staging.target, staging.outcome) == ("staging", "done")
    assert prod.people == ["Alice DBA", "Bob Pair"]
    assert sorted(prod.steps_failed) == ["drift", "no-nulls-left"]
    assert prod.overrides == 3  # lint, apply (the lint reason it carries), the verify gate
    assert prod.damaged == 1
    assert prod.duration_s == 53 * 60
    # recorded in UTC, shown in the reviewer's zone, the original kept
    assert prod.started.recorded == "2026-01-02T02:01:00+00:00"
    assert prod.started.show() == "2026-01-02 11:01:00 JST"
    assert prod.started.offset == "+00:00"
    assert "format 2" in rows[rs.NEWER_RUN].problem
    assert [r.run_id for r in filter_runs(list(rows.values()), "bob rolled")] == [rs.PRODUCTION_RUN]
    assert [r.run_id for r in filter_runs(list(rows.values()), outcome="done")] == [rs.STAGING_RUN]


def test_headless_markdown_holds_the_whole_window(cloned):
    done = review_cli(str(cloned), "--run", rs.PRODUCTION_RUN, "--format", "md")
    assert done.returncode == 0, done.stderr
    md = done.stdout
    assert "Traceback" not in done.stderr
    assert rs.PROD_NOTE in md  # the note
    assert rs.PROD_REASON in md and rs.VERIFY_REASON in md  # every override with its reason
    assert rs.RESTORE in md  # how to roll it back
    assert "gap of 41m 00s" in md  # the long pause in the window stands out
    assert "11:01:00 JST (+00:00)" in md and "recorded 2026-01-02T02:01:00+00:00" in md
    # the damaged line is named and shown, the rest is there
    assert "journal.jsonl line 8" in md and rs.DAMAGED in md
    assert "rollback SQL applied on production" in md
    # the evidence file removed after the fact: gone, with what the journal says
    assert "`drift/drift.md`" in md and "the file is gone" in md
    assert "2 settings differ (work_mem, random_page_cost)" in md
    # the backfill replayed: its chart, its throttled and paused spans, its samples
    backfill = md[md.index("## Backfills") : md.index("## Release notes")]
    assert "T throttled, P paused" in backfill
    assert f"**throttled** from 40s to 65s: {rs.THROTTLE_WHY}" in backfill
    assert "**paused** from 90s to 105s" in backfill
    assert "| 40s | 11:47:40 JST | 103,400 | 400 | 2,000 | yes: replica lag" in backfill
    # what it cost the server, and the release notes rendered offline
    assert "wal_bytes: 84.3 MB" in backfill
    assert "### Release notes — Add users.preferences" in md
    assert "Rollback SQL:" in md and "DROP COLUMN IF EXISTS preferences" in md


def test_headless_json_is_the_same_content_as_data(cloned):
    done = review_cli(str(cloned), "--run", rs.PRODUCTION_RUN, "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["run"]["outcome"] == "rolled-back"
    assert [n["text"] for n in data["notes"]] == [rs.PROD_NOTE]
    reasons = [o["reason"] for o in data["overrides"]]
    assert rs.PROD_REASON in reasons and rs.VERIFY_REASON in reasons
    chosen = [b for b in data["backups"] if b["chosen_for_rollback"]]
    assert [b["restore_command"] for b in chosen] == [rs.RESTORE]
    chart = data["backfills"][0]["chart"]
    assert len(chart["samples"]) == 30
    assert chart["samples"][8]["throttled"] and chart["samples"][8]["reason"] == rs.THROTTLE_WHY
    assert chart["samples"][8]["time"]["local"] == "2026-01-02T11:47:40+09:00"
    assert chart["samples"][8]["time"]["recorded"] == "2026-01-02T02:47:40+00:00"
    assert {(s["what"], s["start"], s["end"]) for s in chart["spans"]} == {
        ("throttled", 40.0, 65.0),
        ("paused", 90.0, 105.0),
    }
    assert data["damaged"] == [
        {"line": 8, "reason": data["damaged"][0]["reason"], "text": rs.DAMAGED}
    ]
    assert data["missing"][0]["path"] == "drift/drift.md"
    first = data["timeline"][0]["time"]
    assert (first["local"], first["offset"]) == ("2026-01-02T11:01:00+09:00", "+00:00")


def test_the_staging_run_shows_its_rehearsal_and_the_schema_diff_of_its_dumps(cloned):
    review = build_review(load_run(ReviewSource.open(cloned), rs.STAGING_RUN))
    (rehearsal,) = review.rehearsals
    assert rehearsal.environment == "staging"
    assert "ACCESS EXCLUSIVE" in rehearsal.locks
    assert "table public.users" in rehearsal.rewrites
    (schema,) = review.schema
    assert schema.files == ["schema/staging.sql", "schema/production.sql"]
    assert [(c.status, c.name) for c in schema.diff.changes] == [
        ("removed", "public.users.preferences")
    ]
    assert schema.reviewed is not None and schema.reviewed.who.startswith("Bob Pair")
    (lint,) = review.lint
    assert lint.entry.override == rs.REASON and "add-column-rewrite" in lint.rules
    tick = next(r for r in review.checklist if r.id == "backup")
    assert tick.done and tick.note == rs.TICK_NOTE and tick.evidence.ok
    md = render_run(review)
    assert rs.NOTE in md and rs.TICK_NOTE in md
    json.dumps(review_json(review))  # all of it is JSON


def test_every_event_opens_the_commit_that_added_its_line(cloned):
    source = ReviewSource.open(cloned)
    run = load_run(source, rs.PRODUCTION_RUN)
    finder = CommitFinder(source)
    backfill = next(e for e in run.timeline if e.kind == "backfill")
    view = finder.find(rs.PRODUCTION_RUN, backfill.seq, backfill.raw)
    assert not view.problem
    paths = {p for _, p in view.files}
    folder = f"runs/{rs.PRODUCTION_RUN}"
    assert f"{folder}/jobs/fill-preferences.samples.jsonl" in paths
    assert f"{folder}/journal.jsonl" in paths
    assert "+" + backfill.raw in view.diff.splitlines()
    assert view.author == "Bob Pair <bob@example.org>"
    # the same through the CLI, for the note
    note = next(e for e in run.timeline if e.kind == "note")
    done = review_cli(str(cloned), "--run", rs.PRODUCTION_RUN, "--event", str(note.seq))
    assert done.returncode != 0 and "--format" in done.stderr  # no terminal: print instead
    done = review_cli(
        str(cloned), "--run", rs.PRODUCTION_RUN, "--event", str(note.seq), "--format", "md"
    )
    assert done.returncode == 0, done.stderr
    assert rs.PROD_NOTE in done.stdout and f"{folder}/notes.md" in done.stdout


def test_two_runs_side_by_side(cloned):
    source = ReviewSource.open(cloned)
    c = compare_runs(load_run(source, rs.STAGING_RUN), load_run(source, rs.PRODUCTION_RUN))
    rows = {r.step: r for r in c.rows}
    assert list(rows)[:4] == ["status", "backup-prod", "schema-diff", "add-column"]
    assert rows["backup-prod"].differences == ["attempts: 1 vs 2"]
    assert rows["backup-prod"].right.seconds == 12.4 and rows["backup-prod"].right.measured
    assert any(d.startswith("locks: ACCESS EXCLUSIVE") for d in rows["add-column"].differences)
    assert rows["no-nulls-left"].differences == ["outcome: ok vs FAILED"]
    assert rows["rollback"].left is None
    assert rows["fill-preferences"].left.seconds == 150.0
    assert rows["fill-preferences"].right.seconds == 900.0
    done = review_cli(
        str(cloned), "--run", rs.STAGING_RUN, "--compare", rs.PRODUCTION_RUN, "--format", "md"
    )
    assert done.returncode == 0, done.stderr
    assert "| `no-nulls-left` (No user without preferences) | ok verify" in done.stdout


def test_the_list_headless(cloned):
    done = review_cli(str(cloned), "--format", "md")
    assert done.returncode == 0, done.stderr
    assert "Times in JST (UTC+09:00)" in done.stdout
    assert "| 2026-01-02 11:01:00 JST | `20260102-020000-users-preferences-production`" in (
        done.stdout
    )
    assert "written in audit format 2 by phasetui 9.1.0" in done.stdout
    done = review_cli(str(cloned), "--format", "json", "--outcome", "rolled-back")
    runs = json.loads(done.stdout)["runs"]
    assert [r["run_id"] for r in runs] == [rs.PRODUCTION_RUN]


def test_the_review_writes_nothing_and_takes_no_lock(cloned):
    before = git(cloned, "rev-parse", "HEAD")
    for args in (
        ["--format", "md"],
        ["--run", rs.PRODUCTION_RUN, "--format", "json"],
        ["--run", rs.PRODUCTION_RUN, "--event", "7", "--format", "md"],
    ):
        assert review_cli(str(cloned), *args).returncode == 0
    assert git(cloned, "status", "--porcelain", "--ignored") == ""
    assert git(cloned, "rev-parse", "HEAD") == before
    assert not (cloned / ".git" / "phasetui.lock").exists()
    assert not (cloned / ".git" / "index.lock").exists()
