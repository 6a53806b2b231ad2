"""What a clone may hold: the review refuses clearly or shows what is left, never a traceback.

Also: the review's code path loads no database driver (psycopg, phasetui.db, phasetui.ops),
after importing the CLI and the browser, and after a whole headless review.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from phasetui.errors import UserError
from phasetui.review.commits import CommitFinder
from phasetui.review.review import build_review
from phasetui.review.run import load_run
from phasetui.review.samples import parse_samples
from phasetui.review.source import ReviewSource
from tests import review_support as rs
from tests.helpers import ROOT, git

pytest_plugins = ("tests.review_fixtures",)


def review_cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DSN")}
    return subprocess.run(
        [sys.executable, "-m", "phasetui", "review", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def refused(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("phasetui: ")
    for word in words:
        assert word in done.stderr, done.stderr


def test_a_folder_that_is_not_an_audit_repo(tmp_path):
    refused(review_cli(str(tmp_path / "nowhere"), "--format", "md"), "does not exist")
    (tmp_path / "empty").mkdir()
    refused(review_cli(str(tmp_path / "empty"), "--format", "md"), "not a phasetui audit repo")
    other = tmp_path / "project"
    other.mkdir()
    git(other, "init", "-q")
    (other / "README.md").write_text("# my project\n")
    refused(review_cli(str(other), "--format", "json"), "not a phasetui audit repo", "fix:")
    (tmp_path / "file.txt").write_text("x")
    refused(review_cli(str(tmp_path / "file.txt"), "--format", "md"), "is a file")


def test_a_run_from_a_newer_format_names_the_version(cloned):
    done = review_cli(str(cloned), "--run", rs.NEWER_RUN, "--format", "md")
    refused(done, "audit format 2", "phasetui 9.1.0", "reads format 1", "pip install -U")
    with pytest.raises(UserError, match="format 2 by phasetui 9.1.0"):
        load_run(ReviewSource.open(cloned), rs.NEWER_RUN)


def test_unknown_run_and_bad_arguments(cloned):
    refused(review_cli(str(cloned), "--run", "no-such-run", "--format", "md"), "no run")
    refused(review_cli(str(cloned), "--run", "../etc", "--format", "md"), "not a run id")
    refused(review_cli(str(cloned), "--compare", rs.STAGING_RUN, "--format", "md"), "--run")
    done = review_cli(str(cloned), "--run", rs.STAGING_RUN, "--event", "999", "--format", "md")
    refused(done, "no event 999")


def test_a_run_whose_journal_is_gone(cloned):
    (cloned / "runs" / rs.STAGING_RUN / "journal.jsonl").unlink()
    refused(review_cli(str(cloned), "--run", rs.STAGING_RUN, "--format", "md"), "record is gone")
    done = review_cli(str(cloned), "--format", "json")
    rows = {r["run_id"]: r for r in json.loads(done.stdout)["runs"]}
    assert "record is gone" in rows[rs.STAGING_RUN]["problem"]


def test_damaged_lines_of_every_kind_are_named_and_the_rest_shown(cloned):
    journal = cloned / "runs" / rs.STAGING_RUN / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines.insert(3, b'{"seq": 4, "time": "x", "who": "a", "kind": "k", "pay\xff"}\n')
    lines.insert(6, b"\x00\x00\x00\n")
    journal.write_bytes(b"".join(lines) + b'{"seq": 77')  # and torn at the end
    run = load_run(ReviewSource.open(cloned), rs.STAGING_RUN)
    reasons = {d.line: d.reason for d in run.damaged}
    assert reasons[4].startswith("not UTF-8")
    assert reasons[7].startswith("holds NUL bytes")
    assert reasons[max(reasons)] == "torn: the last line stops before its end"
    review = build_review(run)
    assert review.rehearsals and review.backfills  # the other lines still count
    done = review_cli(str(cloned), "--run", rs.STAGING_RUN, "--format", "md")
    assert done.returncode == 0, done.stderr
    assert "journal.jsonl line 4: not UTF-8" in done.stdout
    assert "\\xff" in done.stdout  # the bytes shown as they are, escaped


def test_missing_evidence_files_show_what_the_journal_says(cloned):
    folder = cloned / "runs" / rs.STAGING_RUN
    (folder / "jobs" / "fill-preferences.samples.jsonl").unlink()
    (folder / "lint" / "add-column.json").unlink()
    (folder / "schema" / "production.sql").unlink()
    review = build_review(load_run(ReviewSource.open(cloned), rs.STAGING_RUN))
    (backfill,) = review.backfills
    assert backfill.series is None
    assert "samples.jsonl is missing" in backfill.problem
    assert "rows this run" in backfill.problem  # what the journal says
    (lint,) = review.lint
    assert "lint/add-column.json is missing" in lint.problem
    assert [f.rule for f in lint.findings] == ["add-column-rewrite"]  # the journal's rules
    (schema,) = review.schema
    assert schema.diff is None and "production" in schema.problem
    paths = {m.path for m in review.run.missing}
    assert {"jobs/fill-preferences.samples.jsonl", "lint/add-column.json"} <= paths


def test_a_plain_copy_without_git_still_reviews(cloned, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(cloned, copy, ignore=shutil.ignore_patterns(".git"))
    source = ReviewSource.open(copy)
    run = load_run(source, rs.PRODUCTION_RUN)
    view = CommitFinder(source).find(rs.PRODUCTION_RUN, 1, run.timeline[0].raw)
    assert "not a git clone" in view.problem
    done = review_cli(str(copy), "--run", rs.PRODUCTION_RUN, "--event", "1", "--format", "md")
    assert done.returncode == 0 and "not a git clone" in done.stdout


def test_damaged_samples_are_named_and_the_rest_charted():
    data = (
        b'{"time": "2026-01-01T00:00:00+00:00", "rows": 0, "rate": 10}\n'
        b"garbage\n"
        b'{"time": 1767225605, "rows": 50, "rate": 10, "throttled": true, "reason": "lag"}\n'
        b'{"rows": 60}\n'
        b'{"time": "2026-01-01T00:00:10+00:00", "rows": 100, "rate": 10}\n'
    )
    series = parse_samples(data, "jobs/x.samples.jsonl")
    assert [s.t for s in series.samples] == [0.0, 5.0, 10.0]
    assert series.damaged[0].startswith("line 2: not JSON")
    assert series.damaged[1] == "line 4: no readable time"
    assert [(s.what, s.start, s.end, s.reason) for s in series.spans] == [
        ("throttled", 5.0, 10.0, "lag")
    ]


IMPORTS = """
import sys
from click.testing import CliRunner
import phasetui.cli.review_cmd
import phasetui.tui.review_app, phasetui.tui.review_run_screen, phasetui.tui.review_runs_screen
import phasetui.tui.review_compare_screen, phasetui.tui.review_commit_screen
import phasetui.tui.review_schema
def loaded():
    return sorted(m for m in sys.modules
                  if m.split(".")[0] == "psycopg" or m.startswith(("phasetui.db", "phasetui.ops",
                                                                  "phasetui.backfill")))
print("after import:", loaded())
from phasetui.cli import main
for args in (["--format", "md"], ["--run", sys.argv[2], "--format", "json"],
             ["--run", sys.argv[3], "--format", "md"],
             ["--run", sys.argv[3], "--compare", sys.argv[2], "--format", "json"],
             ["--run", sys.argv[2], "--event", "7", "--format", "md"]):
    out = CliRunner().invoke(main, ["review", sys.argv[1], *args])
    assert out.exit_code == 0, out.output
print("after review:", loaded())
"""


def test_the_review_loads_no_database_code(cloned):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DSN")}
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS, str(cloned), rs.PRODUCTION_RUN, rs.STAGING_RUN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["after import: []", "after review: []"]
