"""The report step: release notes from a real run's record, whatever shape the record is in.

A run is built in a real audit repo: lint (refused, then overridden with a reason), a lock
rehearsal on staging that rewrites the table and an apply on production (both real, on the
test PostgreSQL), a schema diff of two dumps, backfill figures, a failed then a good backup,
verify, drift and migration status, ticks and notes. The report must say what each of them
says, take the latest attempt as a step's result, and keep rendering when an evidence file
is gone or a journal line is damaged.
"""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.audit.report import build_report, render_report
from phasetui.backfill.result import BackfillResult, record_result
from phasetui.errors import UserError
from phasetui.ops.outcome import StepContext
from phasetui.ops.report_step import run_step
from phasetui.ops.schema_step import SchemaDiffStep
from phasetui.ops.sql_step import SqlStep, gate_and_record, lint_sql, record_lint
from phasetui.runbook.loader import load_runbook
from phasetui.runbook.model import Step
from phasetui.schema.capture import CapturedSide, diff_sides
from phasetui.schema.dump_loader import load_dump
from phasetui.units import human_bytes, human_duration, human_rate
from tests.helpers import ROOT, SAMPLES, git, write

ALICE = Person("Alice DBA", "alice@example.org")
BOB = Person("Bob Pair", "bob@example.org")
REASON = "table users has 50 rows here, the rewrite takes milliseconds"
BACKUP_PATH = "/var/backups/phasetui/pre_users_preferences-20260101-020500.dump"
RESTORE = (
    "pg_restore -h 127.0.0.1 -p 5432 -U dba -d app --clean --if-exists --single-transaction "
    + BACKUP_PATH
)
NOTE = "Change window 02:00-04:00 UTC agreed with the app team"
TICK_NOTE = "dump checked with pg_restore --list"
USERS = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, locale text DEFAULT 'en');"
ADDED = (
    "ALTER TABLE users ADD COLUMN preferences jsonb;\n"
    "ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();\n"
)
DUMP_A = """
CREATE TABLE public.users (
    id bigint NOT NULL,
    email text,
    locale text DEFAULT 'en'::text
);
"""
DUMP_B = """
CREATE TABLE public.users (
    id bigint NOT NULL,
    email text,
    locale text DEFAULT 'en'::text,
    preferences jsonb
);
"""


@pytest.fixture
def runbook(tmp_path, make_db, monkeypatch):
    """The sample runbook, its add-column step adding a column with a volatile default (a
    rewrite lint calls an error), on two real databases standing for staging and production."""
    staging, production = make_db("staging"), make_db("production")
    for dsn in (staging, production):
        with psycopg.connect(dsn) as conn:
            conn.execute(USERS)
            conn.execute("INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 50) g")
    monkeypatch.setenv("PHASETUI_STAGING_DSN", staging)
    monkeypatch.setenv("PHASETUI_PRODUCTION_DSN", production)
    text = (SAMPLES / "users_preferences.toml").read_text(encoding="utf-8")
    text = text.replace("ALTER TABLE users ADD COLUMN preferences jsonb;\n", ADDED)
    assert ADDED in text
    return load_runbook(write(tmp_path / "rb" / "users_preferences.toml", text))


def start(tmp_path, rb):
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = repo.start_run(
        runbook_id=rb.id,
        title=rb.title,
        runbook_text=rb.source,
        runbook_name=rb.frozen_name,
        checklist=rb.checklist_entries(),
        who=ALICE,
        run_id="20260101-020000-users-preferences",
    )
    return repo, run_id


def backfill_result() -> BackfillResult:
    return BackfillResult(
        name="fill-preferences",
        mode="batched",
        target="production (127.0.0.1:5432/app)",
        table="users",
        key=["id"],
        set=["preferences = jsonb_build_object('theme', 'light', 'locale', locale)"],
        where="preferences IS NULL",
        state="done",
        rows_updated=2_000_000,
        rows_this_run=2_000_000,
        batches=200,
        retries=1,
        throttled_seconds=3.5,
        elapsed_seconds=754.2,
        rows_per_second=2651.8,
        workers=2,
        batch_size=10000,
        started_at="2026-01-01T02:20:00+00:00",
        finished_at="2026-01-01T02:32:34+00:00",
        wal_bytes=843_000_000,
        table_bytes_before=153_000_000,
        table_bytes_after=451_000_000,
        index_bytes_before=45_000_000,
        index_bytes_after=90_000_000,
        final_check={"checked": True, "passes": 1},
    )


def record_everything(tmp_path, rb):
    """Every kind of result the runbook's steps leave, the way each one records it."""
    repo, run_id = start(tmp_path, rb)
    repo.record_step_result(
        run_id,
        "status",
        "migration-status",
        ok=True,
        summary="staging 14 migrations, production 13: 1 only on staging",
        payload={
            "envs": ["staging", "production"],
            "only_in_one": 1,
            "files": ["status/staging.txt", "status/production.txt", "status/diff.txt"],
        },
        files={
            "status/staging.txt": "2026_01_01_000000_add_preferences 3\n",
            "status/production.txt": "",
            "status/diff.txt": "only on staging: 2026_01_01_000000_add_preferences\n",
        },
        who=ALICE,
    )
    # backup: attempt 1 failed, attempt 2 (the runner's renamed files) ok
    repo.record_step_result(
        run_id,
        "backup-prod",
        "backup",
        ok=False,
        summary="pg_dump 16 cannot dump a PostgreSQL 18 server",
        payload={"env": "production", "files": ["backup/backup-prod.md"]},
        files={"backup/backup-prod.md": "# failed\n"},
        who=ALICE,
    )
    repo.record_step_result(
        run_id,
        "backup-prod",
        "backup",
        ok=True,
        summary="pre_users_preferences-20260101-020500.dump 41.2 MB, 1 table",
        payload={
            "path": BACKUP_PATH,
            "bytes": 41_234_567,
            "sha256": "9f" * 32,
            "seconds": 12.4,
            "pg_dump_version": "pg_dump (PostgreSQL) 18.1",
            "restore_command": RESTORE,
            "tables": ["public.users"],
            "env": "production",
            "files": ["backup/backup-prod.2.md", "backup/backup-prod.2.json"],
        },
        files={"backup/backup-prod.2.md": "# backup\n", "backup/backup-prod.2.json": "{}\n"},
        who=ALICE,
    )
    step = SchemaDiffStep.of(rb, "schema-diff")
    diff = diff_sides(
        CapturedSide("staging", DUMP_B, load_dump(DUMP_B, source="env:staging")),
        CapturedSide("production", DUMP_A, load_dump(DUMP_A, source="env:production")),
    )
    step.record_capture(repo, run_id, diff, ALICE)
    step.record_review(repo, run_id, diff, BOB)

    add = SqlStep(rb, rb.step("add-column"), rb.environments["production"])
    report = add.lint(connect=False)
    assert report.errors, "the fixture's SQL must give lint an error to override"
    with pytest.raises(UserError):
        gate_and_record(repo, run_id, "add-column", report, ALICE, None)  # attempt 1: refused
    gate = gate_and_record(repo, run_id, "add-column", report, ALICE, REASON)  # attempt 2
    add.record_rehearsal(repo, run_id, add.rehearse(), ALICE)
    applied = add.apply(confirm="production", gate=gate)
    assert applied.ok
    add.record_apply(repo, run_id, applied, ALICE)

    record_result(repo, run_id, "fill-preferences", backfill_result(), str(ALICE))
    repo.record_step_result(
        run_id,
        "no-nulls-left",
        "verify",
        ok=True,
        summary="1 query held on production",
        payload={
            "env": "production",
            "held": True,
            "queries": [
                {
                    "sql": "SELECT count(*) FROM users WHERE preferences IS NULL",
                    "expect": "0",
                    "got": "0",
                    "held": True,
                }
            ],
            "files": ["verify/no-nulls-left.md"],
        },
        files={"verify/no-nulls-left.md": "# verify\n"},
        who=BOB,
    )
    repo.record_step_result(
        run_id,
        "drift",
        "drift",
        ok=False,
        summary="2 settings differ (work_mem, random_page_cost), 1 grant only on staging",
        payload={"envs": ["staging", "production"], "files": ["drift/drift.md"]},
        files={"drift/drift.md": "# drift\n"},
        who=BOB,
    )
    repo.tick(run_id, "backup", note=TICK_NOTE, who=BOB)
    repo.note(run_id, NOTE, who=ALICE)
    return repo, run_id


def section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def test_the_report_says_what_every_step_recorded(tmp_path, runbook):
    repo, run_id = record_everything(tmp_path, runbook)
    events = repo.events(run_id)
    text, facts = build_report(repo.run_dir(run_id), events, runbook)

    changed = section(text, "What changed")
    assert "staging" in changed and "reviewed by Bob Pair" in changed
    assert "preferences" in changed  # the column the diff found, from schema/diff.json
    apply_row = next(line for line in changed.splitlines() if "`add-column`" in line)
    assert "| production | 3 | 0 | ok" in apply_row  # SET + 2 ALTERs, no retries

    risks = section(text, "Risks")
    assert f"“{REASON}”" in risks
    assert "add-column-rewrite" in risks  # the finding itself, from lint/add-column.json
    # the refused lint is attempt 1; the overridden one, attempt 2, is the result
    assert "1 errors, 0 warnings, ok (attempt 2 of 2; earlier ones in the timeline)" in risks
    assert "**rewrites table `public.users`**" in risks  # from rehearsal/add-column.json
    assert "ACCESS EXCLUSIVE" in risks
    assert "2,000,000 rows this run" in risks and "12m 34s" in risks
    assert "2,652 rows/s" in risks and "843.0 MB" in risks
    assert "153.0 MB → 451.0 MB" in risks and "VACUUM (ANALYZE) users" in risks

    rollback = section(text, "Rollback plan")
    assert f"`{BACKUP_PATH}`" in rollback and RESTORE in rollback
    assert "41.2 MB" in rollback and "9f" * 32 in rollback
    assert "ALTER TABLE users DROP COLUMN IF EXISTS preferences;" in rollback
    assert "1. Stop the application code" in rollback
    assert runbook.rollback.description in rollback
    assert "NO BACKUP" not in text

    verify = section(text, "Verification")
    assert "held" in verify and "SELECT count(*) FROM users WHERE preferences IS NULL" in verify
    assert "expect 0, got 0" in verify

    status = section(text, "Migration status and drift")
    assert "1 only on staging" in status and "`status/diff.txt`" in status
    assert "work_mem" in status and "**FAILED**" in status

    checklist = section(text, "Checklist")
    tick = next(ev for ev in events if ev.kind == "tick")
    assert (
        f"Backup taken, file path recorded (`backup`) — ticked by {BOB} at {tick.time}: "
        f"{TICK_NOTE}" in checklist
    )
    backup_ok = next(ev for ev in events if ev.kind == "backup" and ev.payload["ok"])
    assert f"step `backup-prod` ok (backup, {ALICE}, {backup_ok.time})" in checklist
    assert "Config drift checked (`drift`) — **not ticked**" in checklist
    assert "step `drift` **FAILED**" in checklist
    assert NOTE in section(text, "Notes")

    timeline = section(text, "Timeline")
    assert len([ln for ln in timeline.splitlines() if ln.startswith("| ")]) == len(events) + 1
    assert "`add-column` attempt 1/2 (superseded)" in timeline
    assert "`add-column` attempt 2/2 (latest)" in timeline
    assert "`backup-prod` attempt 1/2 (superseded)" in timeline
    override_rows = [ln for ln in timeline.splitlines() if f"**OVERRIDE: {REASON}**" in ln]
    assert [r.split("|")[4].strip() for r in override_rows] == ["lint", "apply"]

    assert facts.backup and facts.overrides == 2 and facts.missing_files == 0
    assert facts.steps_failed == 1  # drift; the refused lint and failed backup were retried
    assert facts.events == len(events) and facts.damaged_lines == 0


def test_a_missing_evidence_file_is_named_with_what_the_journal_says(tmp_path, runbook):
    repo, run_id = record_everything(tmp_path, runbook)
    folder = repo.run_dir(run_id)
    (folder / "rehearsal" / "add-column.json").unlink()
    (folder / "schema" / "diff.json").unlink()
    (folder / "drift" / "drift.md").unlink()
    text, facts = build_report(folder, repo.events(run_id), runbook)
    risks = section(text, "Risks")
    assert "`rehearsal/add-column.json` is missing from the run folder" in risks
    rehearsal = next(ev for ev in repo.events(run_id) if ev.kind == "rehearsal")
    assert f"the journal says: {rehearsal.payload['summary']}" in risks
    assert "`schema/diff.json` is missing" in section(text, "What changed")
    assert "`drift/drift.md` is missing" in section(text, "Migration status and drift")
    assert facts.missing_files == 3
    assert "**3 evidence file(s) missing**" in text.split("\n## ")[0]
    assert "## Missing evidence" in text
    assert RESTORE in text  # the rest of the report is all there


def test_a_damaged_journal_line_is_named_and_the_rest_renders(tmp_path, runbook):
    repo, run_id = record_everything(tmp_path, runbook)
    journal = repo.run_dir(run_id) / "journal.jsonl"
    good = journal.read_bytes()
    journal.write_bytes(good + b'{"seq": 99, "time": "x", "who": "torn\n' + b"\x00" * 20 + b"\n")
    git(repo.path, "commit", "-qam", "test: damage two lines")
    lines = len(good.splitlines())
    ctx = StepContext(
        step=runbook.step("release-notes"),
        runbook=runbook,
        run_id=run_id,
        run_dir=repo.run_dir(run_id),
    )
    outcome = run_step(ctx)
    text = outcome.files["report.md"]
    assert outcome.ok and outcome.figures["damaged_lines"] == 2
    assert f"journal.jsonl line {lines + 1}" in text and f"line {lines + 2}" in text
    assert "**Damaged journal**" in text
    assert BACKUP_PATH in text and NOTE in text and REASON in text


def test_run_step_renders_the_run_into_its_output(tmp_path, runbook):
    repo, run_id = record_everything(tmp_path, runbook)
    lines = []
    ctx = StepContext(
        step=runbook.step("release-notes"),
        runbook=runbook,
        run_id=run_id,
        run_dir=repo.run_dir(run_id),
        progress=lines.append,
    )
    outcome = run_step(ctx)
    events = repo.events(run_id)
    assert outcome.kind == "report" and outcome.ok
    assert list(outcome.files) == ["report.md"]
    assert outcome.files["report.md"] == render_report(repo.run_dir(run_id), events, runbook)
    assert outcome.figures == {
        "output": "report.md",
        "events": len(events),
        # status, backup, schema-diff, lint, rehearsal, apply, backfill, verify; drift failed
        "steps_ok": 8,
        "steps_failed": 1,
        "overrides": 2,
        "backup": True,
        "missing_files": 0,
        "damaged_lines": 0,
    }
    assert "1 failed, 2 overrides, backup recorded" in outcome.summary
    assert lines and "events" in lines[0]
    # the runner records it; a report of the run then counts its own event too
    repo.record_step_result(
        run_id, "release-notes", outcome.kind, ok=outcome.ok, summary=outcome.summary,
        payload=outcome.figures, files=outcome.files, who=ALICE,
    )  # fmt: skip
    again = run_step(ctx)
    assert "release-notes" in section(again.files["report.md"], "Checklist")
    assert "Risks and rollback steps recorded in the release notes" in again.files["report.md"]


def test_run_step_output_name_and_refusals(tmp_path):
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = repo.start_run(
        runbook_id="r", title="R", runbook_text="", runbook_name="runbook.toml",
        checklist=[], who=ALICE,
    )  # fmt: skip
    folder = repo.run_dir(run_id)

    said: list[str] = []

    def ctx(params, run_dir=folder):
        step = Step("notes", "report", "Release notes", "signoff", params=params)
        return StepContext(step=step, runbook=None, run_dir=run_dir, progress=said.append)

    outcome = run_step(ctx({"output": "release/notes.md"}))
    assert list(outcome.files) == ["release/notes.md"] and outcome.ok
    text = outcome.files["release/notes.md"]
    assert "**⚠ NO BACKUP WAS TAKEN IN THIS RUN**" in text
    assert "The runbook was not available" in text
    assert "backup **NOT recorded**" in text and "NO backup recorded" in outcome.summary
    for bad in ("../outside.md", "/tmp/x.md", "journal.jsonl", "checklist.md"):
        with pytest.raises(UserError, match="not a file the report may write"):
            run_step(ctx({"output": bad}))
    with pytest.raises(UserError, match="none is open"):
        run_step(ctx({}, run_dir=None))
    with pytest.raises(UserError, match="has no journal.jsonl"):
        run_step(ctx({}, run_dir=tmp_path / "nowhere"))
    empty = tmp_path / "empty-run"
    empty.mkdir()
    (empty / "journal.jsonl").write_bytes(b"")
    run_step(ctx({"template": "notes.tmpl"}))
    assert any("`template` is not supported yet" in line for line in said)
    nothing = run_step(ctx({}, run_dir=empty))
    assert not nothing.ok and "no readable event" in nothing.summary


def test_a_failed_backup_alone_is_no_backup(tmp_path):
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = repo.start_run(
        runbook_id="r", title="R", runbook_text="", runbook_name="runbook.toml",
        checklist=[], who=ALICE,
    )  # fmt: skip
    repo.record_step_result(
        run_id, "backup", "backup", ok=False, summary="no space left on /var/backups", who=ALICE
    )
    text = render_report(repo.run_dir(run_id), repo.events(run_id), None)
    assert "NO BACKUP WAS TAKEN IN THIS RUN** (1 backup attempt(s) failed: no space left" in text


def test_hostile_payloads_render_without_crashing(tmp_path):
    """A journal is data: paths out of the run, pipes and backticks, odd types."""
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = repo.start_run(
        runbook_id="r", title="R", runbook_text="", runbook_name="runbook.toml",
        checklist=[], who=ALICE,
    )  # fmt: skip
    repo.record_step_result(
        run_id, "s|1", "rehearsal", ok=True, summary="a | b ``` c",
        payload={"file": "../../../../../../../etc/passwd.json", "statements": "many"}, who=ALICE,
    )  # fmt: skip
    repo.record_step_result(
        run_id, "v", "verify", ok=False, summary="x",
        payload={"queries": ["not a dict", {"sql": None}], "held": "maybe"}, who=ALICE,
    )  # fmt: skip
    repo.record_step_result(
        run_id, "b", "backup", ok=True, summary="ok", payload={"bytes": "big", "tables": 3},
        who=ALICE,
    )  # fmt: skip
    text = render_report(repo.run_dir(run_id), repo.events(run_id), None)
    assert "points outside the run folder and was not read" in text
    assert "root:" not in text
    assert "s\\|1" in text and "a \\| b" in text
    assert "(no path recorded)" in text and "**No restore command was recorded.**" in text


def test_units():
    assert human_bytes(41_234_567) == "41.2 MB" and human_bytes(999) == "999 B"
    assert human_bytes(None) == "?" and human_bytes(2.5e15) == "2.5 PB"
    assert human_duration(0.25) == "250 ms" and human_duration(12.34) == "12.3s"
    assert human_duration(754.2) == "12m 34s" and human_duration(3725) == "1h 02m 05s"
    assert human_duration(2 * 86400 + 3 * 3600) == "2d 03h 00m" and human_duration(None) == "?"
    assert human_rate(2_000_000, 754.2) == "2,652 rows/s" and human_rate(5, 0) == "?"


def test_the_report_imports_no_database_code():
    code = (
        "import sys\n"
        "import phasetui.audit.report, phasetui.ops.report_step\n"
        "bad = [m for m in sys.modules if m == 'psycopg' or m.startswith(('psycopg.', "
        "'phasetui.db')) or m == 'textual']\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_rule_allowed_in_the_sql_and_an_apply_after_a_failed_rehearsal_are_risks(tmp_path):
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = repo.start_run(
        runbook_id="r", title="R", runbook_text="", runbook_name="runbook.toml",
        checklist=[], who=ALICE,
    )  # fmt: skip
    sql = (
        "-- phasetui: allow add-column-rewrite lookup table of 12 rows\n"
        "ALTER TABLE countries ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();\n"
    )
    report = lint_sql(sql, "countries.sql", phase="expand")
    assert not report.errors and report.findings[0].suppressed
    record_lint(repo, run_id, "countries", report, ALICE)
    repo.record_step_result(
        run_id, "countries", "apply", ok=True, summary="applied on staging: 1 statement",
        payload={"statements": 1, "retries": 0, "environment": "staging",
                 "after_failed_rehearsal": '#1 (line 2): relation "countries" does not exist'},
        who=BOB,
    )  # fmt: skip
    text, facts = build_report(repo.run_dir(run_id), repo.events(run_id), None)
    overrides = section(text, "Risks").split("### Lint findings")[0]
    assert "**allowed in the SQL** `add-column-rewrite`" in overrides
    assert "“lookup table of 12 rows”" in overrides
    assert "**applied after a FAILED rehearsal**" in overrides and "does not exist" in overrides
    assert "No gate was overridden" not in overrides
    assert facts.overrides == 0  # neither is a gate overridden with a reason at apply time
