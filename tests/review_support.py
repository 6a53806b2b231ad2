"""An audit repo built through the real engine for the review tests, then cloned.

Two runs of the sample runbook (its add-column step given a volatile default, so lint finds
an error to override): the staging rehearsal (lint overridden, a real lock rehearsal and
apply on a real PostgreSQL, schema dumps diffed, a backfill with recorded samples, verify,
drift, a tick and a note, closed done) and the production window (a failed then a good
backup, lint overridden, a verify gate overridden, a backfill with samples, a rollback, a
damaged line appended by hand, an evidence file deleted, closed rolled back). A third run
says it was written by a newer phasetui. Event times come from a fixed clock (UTC), so the
review's local times and the snapshots are deterministic.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.backfill.result import BackfillResult
from phasetui.ops.schema_step import SchemaDiffStep
from phasetui.ops.sql_step import SqlStep, gate_and_record
from phasetui.runbook.loader import load_runbook
from phasetui.schema.capture import CapturedSide, diff_sides
from phasetui.schema.dump_loader import load_dump
from tests.helpers import SAMPLES, git, write

ALICE = Person("Alice DBA", "alice@example.org")
BOB = Person("Bob Pair", "bob@example.org")
REASON = "table users has 50 rows here, the rewrite takes milliseconds"
PROD_REASON = "rewrite measured at 80 ms on the staging copy, window agreed with the app team"
VERIFY_REASON = "nulls only in soft-deleted rows, checked by hand with the app team"
NOTE = "Change window 02:00-04:00 UTC agreed with the app team"
PROD_NOTE = "App errors after the contract: rolling back, incident INC-4711"
TICK_NOTE = "dump checked with pg_restore --list"
BACKUP_PATH = "/var/backups/phasetui/pre_users_preferences-20260102-020500.dump"
RESTORE = (
    "pg_restore -h db.internal -p 5432 -U dba -d app --clean --if-exists --single-transaction "
    + BACKUP_PATH
)
THROTTLE_WHY = "replica lag 12s > 5s"
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
STAGING_RUN = "20260101-010000-users-preferences-staging"
PRODUCTION_RUN = "20260102-020000-users-preferences-production"
NEWER_RUN = "20260103-030000-from-the-future"
DAMAGED = '{"seq": 99, "time": "2026-01-02T02:3'  # a torn line, as a crash leaves it


class Clock:
    """``now_iso`` for the audit repo: fixed times, one minute per event, jumps on demand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> str:
        self.now += timedelta(minutes=1)
        return self.now.isoformat(timespec="seconds")

    def jump(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


def samples(start: datetime, rows_total: int, *, pause_at: int = 18) -> str:
    """What a backfill job's pane sampled every 5 s: throttled for a while, then paused."""
    lines, rows = [], 0
    for n in range(30):
        throttled = 8 <= n < 13
        paused = pause_at <= n < pause_at + 3
        rate = 0 if paused else (400 if throttled else 2500 + 10 * n)
        rows = min(rows_total, rows + rate * 5)
        lines.append(
            json.dumps(
                {
                    "time": (start + timedelta(seconds=5 * n)).isoformat(timespec="seconds"),
                    "rows": rows,
                    "rate": rate,
                    "batch_size": 2000 if throttled else 10000,
                    "throttled": throttled,
                    "reason": THROTTLE_WHY if throttled else "",
                    "retries": 1 if n >= 20 else 0,
                    "state": "paused" if paused else "running",
                    "wal_rate": 1_500_000,
                }
            )
        )
    return "\n".join(lines) + "\n"


def backfill_figures(rows: int, seconds: float, start: datetime) -> BackfillResult:
    return BackfillResult(
        started_at=start.isoformat(timespec="seconds"),
        finished_at=(start + timedelta(seconds=seconds)).isoformat(timespec="seconds"),
        name="fill-preferences",
        mode="batched",
        target="staging",
        table="users",
        key=["id"],
        set=["preferences = jsonb_build_object('theme', 'light', 'locale', locale)"],
        where="preferences IS NULL",
        state="done",
        rows_updated=rows,
        rows_this_run=rows,
        batches=rows // 10000 + 1,
        retries=1,
        throttled_seconds=25.0,
        elapsed_seconds=seconds,
        rows_per_second=rows / seconds,
        workers=1,
        batch_size=10000,
        wal_bytes=84_300_000,
        table_bytes_before=15_300_000,
        table_bytes_after=45_100_000,
    )


def record_backfill(repo, run_id, who, rows, seconds, start) -> None:
    result = backfill_figures(rows, seconds, start)
    payload = {
        "state": result.state,
        "table": result.table,
        "rows_updated": result.rows_updated,
        "rows_this_run": result.rows_this_run,
        "elapsed_seconds": seconds,
        "wal_bytes": result.wal_bytes,
    }
    repo.record_step_result(
        run_id,
        "fill-preferences",
        "backfill",
        ok=True,
        summary=result.summary(),
        payload=payload,
        files={
            "backfill/fill-preferences.json": result.to_json(),
            "jobs/fill-preferences.samples.jsonl": samples(start, rows),
        },
        who=who,
    )


@dataclass
class Built:
    origin: Path  # the repo phasetui wrote
    runbook_path: Path


def make_databases(admin_dsn: str, names: list[str]) -> dict[str, str]:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    out = {}
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    for name in names:
        params = conninfo_to_dict(admin_dsn)
        params["dbname"] = name
        dsn = make_conninfo(**params)
        with psycopg.connect(dsn) as conn:
            conn.execute(USERS)
            conn.execute("INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 50) g")
        out[name] = dsn
    return out


def drop_databases(admin_dsn: str, names: list[str]) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build(folder: Path, staging_dsn: str, production_dsn: str, monkeypatch) -> Built:
    """The audit repo; ``monkeypatch`` sets the DSNs and the clock only while building."""
    monkeypatch.setenv("PHASETUI_STAGING_DSN", staging_dsn)
    monkeypatch.setenv("PHASETUI_PRODUCTION_DSN", production_dsn)
    clock = Clock(datetime(2026, 1, 1, 1, 0, tzinfo=UTC))
    monkeypatch.setattr("phasetui.audit.repo.now_iso", clock)
    text = (SAMPLES / "users_preferences.toml").read_text(encoding="utf-8")
    text = text.replace("ALTER TABLE users ADD COLUMN preferences jsonb;\n", ADDED)
    rb = load_runbook(write(folder / "rb" / "users_preferences.toml", text))
    repo = AuditRepo.open(folder / "audit")

    def start(run_id: str, target: str, extra: dict | None = None) -> str:
        return repo.start_run(
            runbook_id=rb.id,
            title=rb.title,
            runbook_text=rb.source,
            runbook_name=rb.frozen_name,
            checklist=rb.checklist_entries(),
            who=ALICE,
            run_id=run_id,
            extra={"target": target, "source_path": rb.path.name, **(extra or {})},
        )

    # -- the staging rehearsal ------------------------------------------------------------
    rid = start(STAGING_RUN, "staging")
    status(repo, rid, ALICE)
    repo.record_step_result(
        rid,
        "backup-prod",
        "backup",
        ok=True,
        summary="pre_users_preferences-20260101.dump 1.2 MB, 1 table",
        payload={
            "path": "/var/backups/staging.dump",
            "bytes": 1_234_567,
            "sha256": "ab" * 32,
            "env": "staging",
            "tables": ["public.users"],
            "seconds": 2.0,
            "restore_command": "pg_restore -d app_staging /var/backups/staging.dump",
        },
        files={"backup/backup-prod.md": "# backup\n"},
        who=ALICE,
    )
    schema(repo, rid, rb)
    add = SqlStep(rb, rb.step("add-column"), rb.environments["staging"])
    report = add.lint(connect=False)
    assert report.errors, "the fixture's SQL must give lint an error to override"
    gate = gate_and_record(repo, rid, "add-column", report, ALICE, REASON)
    add.record_rehearsal(repo, rid, add.rehearse(), ALICE)
    applied = add.apply(confirm="staging", gate=gate)
    assert applied.ok
    add.record_apply(repo, rid, applied, ALICE)
    start_fill = clock.now + timedelta(minutes=1)
    record_backfill(repo, rid, ALICE, 50_000, 150.0, start_fill)
    verify(repo, rid, BOB, held=True)
    drift(repo, rid, BOB)
    repo.tick(rid, "backup", note=TICK_NOTE, who=BOB)
    repo.note(rid, NOTE, who=ALICE)
    repo.close_run(rid, ALICE, outcome="done")

    # -- the production window ------------------------------------------------------------
    clock.now = datetime(2026, 1, 2, 2, 0, tzinfo=UTC)
    pid = start(PRODUCTION_RUN, "production")
    status(repo, pid, ALICE)
    repo.record_step_result(
        pid,
        "backup-prod",
        "backup",
        ok=False,
        summary="pg_dump 16 cannot dump a PostgreSQL 18 server",
        payload={"env": "production"},
        files={"backup/backup-prod.md": "# failed\n"},
        who=ALICE,
    )
    repo.record_step_result(
        pid,
        "backup-prod",
        "backup",
        ok=True,
        summary="pre_users_preferences-20260102-020500.dump 41.2 MB, 1 table",
        payload={
            "path": BACKUP_PATH,
            "bytes": 41_234_567,
            "sha256": "9f" * 32,
            "seconds": 12.4,
            "pg_dump_version": "pg_dump (PostgreSQL) 18.1",
            "restore_command": RESTORE,
            "tables": ["public.users"],
            "env": "production",
        },
        files={"backup/backup-prod.md": "# backup\n", "backup/backup-prod.json": "{}\n"},
        who=ALICE,
    )
    prod = SqlStep(rb, rb.step("add-column"), rb.environments["production"])
    gate = gate_and_record(repo, pid, "add-column", prod.lint(connect=False), BOB, PROD_REASON)
    applied = prod.apply(confirm="production", gate=gate)
    assert applied.ok
    prod.record_apply(repo, pid, applied, BOB)
    clock.jump(40)  # a long pause in the window: the review flags it
    start_fill = clock.now + timedelta(minutes=1)
    record_backfill(repo, pid, BOB, 2_000_000, 900.0, start_fill)
    # a torn line, as a crash outside phasetui leaves it, committed by hand; the engine
    # keeps appending after it
    journal = repo.run_dir(pid) / "journal.jsonl"
    with journal.open("a", encoding="utf-8") as handle:
        handle.write(DAMAGED + "\n")
    git(repo.path, "commit", "-qam", "by hand: a torn line")
    verify(repo, pid, BOB, held=False)
    repo.record(
        pid,
        "verify-override",
        {"step": "not-null", "unmet": ["no-nulls-left did not hold"], "reason": VERIFY_REASON},
        BOB,
        summary=f"verify gate of not-null overridden: {VERIFY_REASON}"[:120],
    )
    drift(repo, pid, BOB)
    repo.note(pid, PROD_NOTE, who=BOB)
    repo.record_step_result(
        pid,
        "rollback",
        "rollback",
        ok=True,
        summary="rollback SQL applied on production: 2 statements, 0 retries",
        payload={"env": "production", "statements": 2, "retries": 0},
        files={"rollback/apply.md": "# rollback applied\n", "rollback/apply.json": "{}\n"},
        who=BOB,
    )
    repo.record_step_result(
        pid,
        "rollback-notes",
        "rollback-notes",
        ok=True,
        summary="manual steps written to the run",
        payload={"env": "production"},
        files={"rollback/README.md": "# Rollback\n\n1. Feature flag off.\n"},
        who=BOB,
    )
    repo.close_run(pid, BOB, reason="app errors", outcome="rolled-back")
    # an evidence file lost after the fact (removed in a later commit)
    git(repo.path, "rm", "-q", f"runs/{pid}/drift/drift.md")
    git(repo.path, "commit", "-qm", "by hand: drift evidence removed")

    # -- a run from a newer phasetui ------------------------------------------------------
    start(NEWER_RUN, "staging", {"format": 2, "written_by": "phasetui 9.1.0"})
    monkeypatch.delenv("PHASETUI_STAGING_DSN")
    monkeypatch.delenv("PHASETUI_PRODUCTION_DSN")
    return Built(repo.path, rb.path)


def status(repo, run_id, who) -> None:
    repo.record_step_result(
        run_id,
        "status",
        "migration-status",
        ok=True,
        summary="staging 14 migrations, production 13: 1 only on staging",
        payload={"envs": ["staging", "production"], "only_in_one": 1},
        files={
            "status/staging.txt": "2026_01_01_000000_add_preferences 3\n",
            "status/production.txt": "",
            "status/diff.txt": "only on staging: 2026_01_01_000000_add_preferences\n",
        },
        who=who,
    )


def schema(repo, run_id, rb) -> None:
    step = SchemaDiffStep.of(rb, "schema-diff")
    diff = diff_sides(
        CapturedSide("staging", DUMP_B, load_dump(DUMP_B, source="env:staging")),
        CapturedSide("production", DUMP_A, load_dump(DUMP_A, source="env:production")),
    )
    step.record_capture(repo, run_id, diff, ALICE)
    step.record_review(repo, run_id, diff, BOB)


def verify(repo, run_id, who, *, held: bool) -> None:
    got = "0" if held else "12"
    repo.record_step_result(
        run_id,
        "no-nulls-left",
        "verify",
        ok=held,
        summary=f"1 query {'held' if held else 'did not hold'}",
        payload={
            "held": held,
            "queries": [
                {
                    "sql": "SELECT count(*) FROM users WHERE preferences IS NULL",
                    "expect": "0",
                    "got": got,
                    "held": held,
                }
            ],
        },
        files={"verify/no-nulls-left.md": f"# verify\n\ngot {got}\n"},
        who=who,
    )


def drift(repo, run_id, who) -> None:
    repo.record_step_result(
        run_id,
        "drift",
        "drift",
        ok=False,
        summary="2 settings differ (work_mem, random_page_cost)",
        payload={"envs": ["staging", "production"]},
        files={
            "drift/drift.md": "# drift\n\n| setting | staging | production |\n|---|---|---|\n"
            "| work_mem | 64MB | 4MB |\n"
        },
        who=who,
    )


def clone(origin: Path, dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(origin), str(dest)], check=True, capture_output=True)
    return dest
