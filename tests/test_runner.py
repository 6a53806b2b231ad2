"""The one step runner (ops/runner.py) on two real databases: a run's target, the gates,
evidence per attempt, the staging rehearsal seen from production, run_all and --until."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from phasetui.audit.repo import AuditRepo
from phasetui.audit.runs import open_run
from phasetui.errors import UserError
from phasetui.ops.operator import Operator
from phasetui.ops.runner import DONE, FAILED, GATED, NEEDS_YOU, SKIPPED, Runner
from phasetui.runbook.loader import load_runbook
from phasetui.runbook.model import Runbook
from tests.helpers import git, write
from tests.tui_fixtures import ALICE

# Steps name no `env`: each takes the run's target.
RUNBOOK = """\
[runbook]
id = "rt"
title = "Runner test: items.note"

[environments.staging]
dsn_env = "RT_STAGING_DSN"
rehearsal_allowed = true

[environments.production]
dsn_env = "RT_PRODUCTION_DSN"
production = true

[environments.replica]
dsn_env = "RT_STAGING_DSN"
read_only = true

[[phases]]
id = "expand"
kind = "expand"

[[phases.steps]]
id = "add-column"
kind = "sql"
sql = \"\"\"
SET lock_timeout = '2s';
ALTER TABLE items ADD COLUMN IF NOT EXISTS note text;
\"\"\"

[[phases]]
id = "backfill"
kind = "backfill"

[[phases.steps]]
id = "fill-note"
kind = "backfill"
table = "items"
key = "id"
set = ["note = 'n' || id"]
where = "note IS NULL"
batch_size = 50
lock_timeout = "2s"

[[phases]]
id = "contract"
kind = "contract"

[[phases.steps]]
id = "no-nulls"
kind = "verify"
sql = "SELECT count(*) FROM items WHERE note IS NULL"
expect = 0

[[phases.steps]]
id = "not-null"
kind = "sql"
sql = \"\"\"
SET lock_timeout = '2s';
ALTER TABLE items ADD CONSTRAINT items_note_not_null CHECK (note IS NOT NULL) NOT VALID;
ALTER TABLE items VALIDATE CONSTRAINT items_note_not_null;
ALTER TABLE items ALTER COLUMN note SET NOT NULL;
ALTER TABLE items DROP CONSTRAINT items_note_not_null;
\"\"\"

[[phases]]
id = "signoff"
kind = "signoff"

[[phases.steps]]
id = "smoke"
kind = "check"
instructions = "open the app and save a note"

[[phases.steps]]
id = "diff"
kind = "schema-diff"
envs = ["staging", "production"]

[[checklist]]
id = "added"
text = "Column added"
evidence = "add-column"

[[checklist]]
id = "filled"
text = "Backfill ran"
evidence = "fill-note"
"""

# A contract step whose lint has an error (an index built without CONCURRENTLY), and an
# expand step whose SQL cannot run (its table does not exist): each gated in its own way.
GATES_RUNBOOK = """\
[runbook]
id = "rt-gates"
title = "Runner test: gates"

[environments.staging]
dsn_env = "RT_STAGING_DSN"
rehearsal_allowed = true

[[phases]]
id = "expand"
kind = "expand"

[[phases.steps]]
id = "bad-table"
kind = "sql"
sql = \"\"\"
SET lock_timeout = '2s';
ALTER TABLE no_such_table ADD COLUMN x int;
\"\"\"

[[phases]]
id = "contract"
kind = "contract"

[[phases.steps]]
id = "index"
kind = "sql"
sql = \"\"\"
SET lock_timeout = '2s';
CREATE INDEX items_label_idx ON items (label);
\"\"\"
"""

ITEMS = "CREATE TABLE items (id bigserial PRIMARY KEY, label text)"
OVERRIDE = "items has 200 rows; the lock lasts milliseconds"


@dataclass
class World:
    rb: Runbook
    gates: Runbook
    repo: AuditRepo
    staging: str
    production: str

    def runner(self, env: str, operator: Operator | None = None, rb: Runbook | None = None):
        rb = rb or self.rb
        handle = open_run(self.repo, rb, who=ALICE, env=env)
        return Runner(rb, self.repo, handle.run_id, ALICE, operator or Operator())


@pytest.fixture
def world(tmp_path, make_db, monkeypatch) -> World:
    # Every table counts as big, so the catalog never downgrades a lint error.
    config = write(tmp_path / "phasetui.toml", "[lint]\nsmall_table_mb = 0\n")
    monkeypatch.setenv("PHASETUI_CONFIG", str(config))
    staging, production = make_db("staging"), make_db("production")
    for dsn in (staging, production):
        with psycopg.connect(dsn) as conn:
            conn.execute(ITEMS)
            conn.execute("INSERT INTO items (label) SELECT 'l' || g FROM generate_series(1, 200) g")
    monkeypatch.setenv("RT_STAGING_DSN", staging)
    monkeypatch.setenv("RT_PRODUCTION_DSN", production)
    rb = load_runbook(write(tmp_path / "rt.toml", RUNBOOK))
    gates = load_runbook(write(tmp_path / "gates.toml", GATES_RUNBOOK))
    return World(rb, gates, AuditRepo.open(tmp_path / "audit"), staging, production)


def columns(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'items' "
            "ORDER BY ordinal_position"
        ).fetchall()
    return [r[0] for r in rows]


def nullable(dsn: str, column: str) -> bool:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT is_nullable FROM information_schema.columns "
            "WHERE table_name = 'items' AND column_name = %s",
            (column,),
        ).fetchone()
    return row[0] == "YES"


def indexes(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'items'").fetchall()
    return sorted(r[0] for r in rows)


def record_verify(runner: Runner, env: str, ok: bool = True) -> None:
    """Test setup standing for the verify step kind (phasetui.ops.verify, not in this tree):
    the event the runner records for it, on ``env``."""
    runner.repo.record_step_result(
        runner.run_id,
        "no-nulls",
        "verify",
        ok=ok,
        summary="0 rows with note IS NULL" if ok else "12 rows with note IS NULL",
        payload={"env": env},
        who=ALICE,
    )


def kinds(runner: Runner) -> list[str]:
    return [e.kind for e in runner.repo.events(runner.run_id)]


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# -- the run's target ----------------------------------------------------------------------


def test_steps_without_env_take_the_run_target(world):
    runner = world.runner("staging")
    assert runner.run_id.endswith("-staging")
    assert runner.target == "staging" and world.repo.state(runner.run_id).target == "staging"
    result = runner.run_step("add-column")
    assert result.status == DONE and result.env == "staging", result.line()
    assert "note" in columns(world.staging)
    assert "note" not in columns(world.production)
    [apply] = [e for e in world.repo.events(runner.run_id) if e.kind == "apply"]
    assert apply.payload["environment"] == "staging" and apply.payload["ok"] is True

    backfill = runner.run_step("fill-note")
    assert backfill.status == DONE and backfill.env == "staging", backfill.line()
    with psycopg.connect(world.staging) as conn:
        assert conn.execute("SELECT count(*) FROM items WHERE note IS NULL").fetchone()[0] == 0
        assert conn.execute("SELECT note FROM items WHERE id = 7").fetchone()[0] == "n7"

    production = world.runner("production")
    assert production.run_id.endswith("-production") and production.run_id != runner.run_id
    assert production.target == "production"


def test_done_result_is_checklist_evidence(world):
    runner = world.runner("staging")
    state = world.repo.state(runner.run_id)
    assert state.evidence("added") is None
    assert runner.run_step("add-column").status == DONE
    assert runner.run_step("fill-note").status == DONE
    state = world.repo.state(runner.run_id)
    added, filled = state.evidence("added"), state.evidence("filled")
    assert added.kind == "apply" and added.ok and "applied on staging" in added.summary
    assert added.files == ("apply/add-column.json", "apply/add-column.md")
    assert filled.kind == "backfill" and filled.ok
    folder = world.repo.run_dir(runner.run_id)
    for rel in added.files:
        assert (folder / rel).is_file(), rel


def test_a_done_step_asks_before_running_again_and_keeps_the_first_evidence(world):
    runner = world.runner("staging")
    assert runner.run_step("add-column").status == DONE
    folder = world.repo.run_dir(runner.run_id)
    first = files_of(folder)
    first_head = git(world.repo.path, "rev-parse", "HEAD")
    events_before = len(world.repo.events(runner.run_id))

    again = runner.run_step("add-column")  # Operator(yes=False): not again
    assert again.status == SKIPPED and "already done" in again.detail
    assert len(world.repo.events(runner.run_id)) == events_before
    assert git(world.repo.path, "rev-parse", "HEAD") == first_head

    runner.operator = Operator(yes=True)
    second = runner.run_step("add-column")
    assert second.status == DONE, second.line()
    state = world.repo.state(runner.run_id)
    applies = [r for r in state.history["add-column"] if r.kind == "apply"]
    assert [r.files for r in applies] == [
        ("apply/add-column.json", "apply/add-column.md"),
        ("apply/add-column.2.json", "apply/add-column.2.md"),
    ]
    lints = [r for r in state.history["add-column"] if r.kind == "lint"]
    assert lints[-1].files == ("lint/add-column.2.json", "lint/add-column.2.md")
    rehearsals = [r for r in state.history["add-column"] if r.kind == "rehearsal"]
    assert rehearsals[-1].files == ("rehearsal/add-column.2.json", "rehearsal/add-column.2.md")
    now = files_of(folder)
    for rel, data in first.items():
        if rel not in ("journal.jsonl", "README.md", "checklist.md"):
            assert now[rel] == data, f"{rel} changed"
    for rel in ("apply/add-column.2.md", "lint/add-column.2.md", "rehearsal/add-column.2.md"):
        assert rel in now and rel not in first
    assert state.evidence("added").files == (
        "apply/add-column.2.json",
        "apply/add-column.2.md",
    )


# -- production ----------------------------------------------------------------------------


def test_production_needs_its_name_typed_back(world):
    runner = world.runner("production", Operator(yes=True))  # yes: no rehearsal needed
    gated = runner.run_step("add-column")
    assert gated.status == GATED and "type its name" in gated.detail, gated.line()
    assert "note" not in columns(world.production)
    assert "apply" not in kinds(runner)

    runner.operator = Operator(yes=True, production="prod")  # not its name
    assert runner.run_step("add-column").status == GATED
    assert "note" not in columns(world.production)

    runner.operator = Operator(yes=True, production="production")
    done = runner.run_step("add-column")
    assert done.status == DONE and done.env == "production", done.line()
    assert "note" in columns(world.production)
    assert "note" not in columns(world.staging)


def test_backfill_on_production_needs_its_name(world):
    runner = world.runner("production", Operator(yes=True, production="production"))
    assert runner.run_step("add-column").status == DONE
    runner.operator = Operator(yes=True)
    gated = runner.run_step("fill-note")
    assert gated.status == GATED and "type its name" in gated.detail
    with psycopg.connect(world.production) as conn:
        assert conn.execute("SELECT count(*) FROM items WHERE note IS NULL").fetchone()[0] == 200


def test_read_only_env_is_gated(world):
    runner = world.runner("replica", Operator(yes=True, override=OVERRIDE))
    for step in ("add-column", "fill-note"):
        result = runner.run_step(step)
        assert result.status == GATED and "read_only" in result.detail, result.line()
    assert "note" not in columns(world.staging)  # replica points at the staging database
    assert kinds(runner) == ["run-started"]


def test_production_run_shows_the_staging_rehearsal(world):
    staging = world.runner("staging")
    assert staging.run_step("add-column").status == DONE

    operator = Operator(production="production")  # no --yes
    production = world.runner("production", operator)
    result = production.run_step("add-column")
    assert result.status == DONE, result.line()
    rehearsed = [line for line in operator.lines if "in the staging run" in line]
    assert rehearsed and staging.run_id in rehearsed[0] and "applied on staging" in rehearsed[0]

    # fill-note never ran on staging: production refuses it without yes
    gated = production.run_step("fill-note")
    assert gated.status == GATED and "never succeeded" in gated.detail, gated.line()
    assert staging.run_id in gated.detail
    with psycopg.connect(world.production) as conn:
        assert conn.execute("SELECT count(*) FROM items WHERE note IS NULL").fetchone()[0] == 200
    production.operator = Operator(yes=True, production="production")
    assert production.run_step("fill-note").status == DONE


def test_production_without_any_staging_run_asks(world):
    production = world.runner("production", Operator(production="production"))
    gated = production.run_step("add-column")
    assert gated.status == GATED and "in any staging run" in gated.detail
    assert "note" not in columns(world.production)
    assert "lint" not in kinds(production) and "apply" not in kinds(production)


# -- lint, verify, rehearsal gates --------------------------------------------------------


def test_lint_errors_gate_unless_a_written_override(world):
    runner = world.runner("staging", rb=world.gates)
    gated = runner.run_step("index")
    assert gated.status == GATED and "nothing was applied" in gated.detail, gated.line()
    assert indexes(world.staging) == ["items_pkey"]
    lint = [e for e in world.repo.events(runner.run_id) if e.kind == "lint"]
    assert lint[-1].payload["ok"] is False and "override" not in lint[-1].payload

    runner.operator = Operator(override="ok")  # not a reason
    assert runner.run_step("index").status == GATED
    assert indexes(world.staging) == ["items_pkey"]

    runner.operator = Operator(override=OVERRIDE)
    applied = runner.run_step("index")
    assert applied.status == DONE, applied.line()
    assert indexes(world.staging) == ["items_label_idx", "items_pkey"]
    events = world.repo.events(runner.run_id)
    lint = [e for e in events if e.kind == "lint"]
    assert lint[-1].payload["ok"] is True and lint[-1].payload["override"] == OVERRIDE
    [apply] = [e for e in events if e.kind == "apply"]
    assert apply.payload["override"] == OVERRIDE


def test_contract_waits_for_verify_on_the_same_env(world):
    runner = world.runner("staging")
    assert runner.run_step("add-column").status == DONE
    assert runner.run_step("fill-note").status == DONE

    gated = runner.run_step("not-null")
    assert gated.status == GATED and "no-nulls has not run" in gated.detail, gated.line()
    assert nullable(world.staging, "note")

    record_verify(runner, "production")  # held, but on another environment
    gated = runner.run_step("not-null")
    assert gated.status == GATED and "last ran on production" in gated.detail
    assert nullable(world.staging, "note")

    record_verify(runner, "staging", ok=False)
    gated = runner.run_step("not-null")
    assert gated.status == GATED and "does not hold" in gated.detail
    assert nullable(world.staging, "note")
    assert "verify-override" not in kinds(runner)

    record_verify(runner, "staging")
    done = runner.run_step("not-null")
    assert done.status == DONE, done.line()
    assert not nullable(world.staging, "note")
    assert "verify-override" not in kinds(runner)


def test_a_verify_of_another_run_does_not_count(world):
    first = world.runner("staging")
    assert first.run_step("add-column").status == DONE
    assert first.run_step("fill-note").status == DONE
    record_verify(first, "staging")
    world.repo.close_run(first.run_id, who=ALICE, outcome="abandoned")
    second = world.runner("staging")
    assert second.run_id != first.run_id
    gated = second.run_step("not-null")
    assert gated.status == GATED and "no-nulls has not run" in gated.detail
    assert nullable(world.staging, "note")


def test_an_unmet_verify_overridden_with_a_reason_is_recorded(world):
    runner = world.runner("staging")
    assert runner.run_step("add-column").status == DONE
    assert runner.run_step("fill-note").status == DONE
    reason = "counted by hand: no NULL notes left"
    runner.operator = Operator(override=reason)
    done = runner.run_step("not-null")
    assert done.status == DONE, done.line()
    assert not nullable(world.staging, "note")
    [override] = [e for e in world.repo.events(runner.run_id) if e.kind == "verify-override"]
    assert override.payload["step"] == "not-null" and override.payload["reason"] == reason
    assert override.payload["unmet"] == ["no-nulls has not run"]


def test_a_failed_rehearsal_gates_unless_yes(world):
    runner = world.runner("staging", rb=world.gates)
    gated = runner.run_step("bad-table")
    assert gated.status == GATED and "rehearsal failed" in gated.detail, gated.line()
    assert "no_such_table" in gated.detail
    assert "apply" not in kinds(runner) and "rehearsal" in kinds(runner)

    runner.operator = Operator(yes=True)
    result = runner.run_step("bad-table")  # applied anyway: it fails, and says after what
    assert result.status == FAILED, result.line()
    [apply] = [e for e in world.repo.events(runner.run_id) if e.kind == "apply"]
    assert (
        apply.payload["ok"] is False and "no_such_table" in apply.payload["after_failed_rehearsal"]
    )


def test_a_closed_run_refuses_steps(world):
    runner = world.runner("staging")
    world.repo.close_run(runner.run_id, who=ALICE, outcome="rolled-back")
    result = runner.run_step("add-column")
    assert result.status == GATED and "closed (rolled-back)" in result.detail
    assert "note" not in columns(world.staging)
    runner.operator = Operator(yes=True)
    check = runner.run_step("smoke")  # a manual check records nothing but its result
    assert check.status == GATED and "closed" in check.detail, check.line()
    with pytest.raises(UserError, match="is closed"):
        record_verify(runner, "staging")
    assert kinds(runner) == ["run-started", "run-closed"]


# -- run_all -------------------------------------------------------------------------------


def test_run_all_stops_at_the_first_unfinished_step_and_skips_done_ones(world):
    runner = world.runner("staging")
    record_verify(runner, "staging")  # the verify kind's event, as setup (see record_verify)
    results = runner.run_all()
    assert [(r.step_id, r.status) for r in results] == [
        ("add-column", DONE),
        ("fill-note", DONE),
        ("no-nulls", SKIPPED),
        ("not-null", DONE),
        ("smoke", NEEDS_YOU),  # a manual check, not confirmed: the run stops here
    ]
    assert "diff" not in world.repo.state(runner.run_id).results
    applies = len([k for k in kinds(runner) if k == "apply"])

    runner.operator = Operator(yes=True)
    results = runner.run_all()
    assert [(r.step_id, r.status) for r in results] == [
        ("add-column", SKIPPED),
        ("fill-note", SKIPPED),
        ("no-nulls", SKIPPED),
        ("not-null", SKIPPED),
        ("smoke", DONE),
        ("diff", DONE),
    ]
    assert len([k for k in kinds(runner) if k == "apply"]) == applies  # nothing re-applied
    state = world.repo.state(runner.run_id)
    assert state.results["smoke"].kind == "check" and state.results["smoke"].ok
    assert state.results["diff"].kind == "schema-diff" and state.results["diff"].ok


def test_run_all_until(world):
    runner = world.runner("staging")
    results = runner.run_all(until="fill-note")
    assert [(r.step_id, r.status) for r in results] == [("add-column", DONE), ("fill-note", DONE)]
    assert "no-nulls" not in world.repo.state(runner.run_id).results
    with pytest.raises(UserError, match="no such step"):
        runner.run_all(until="nope")


def test_run_all_stops_at_a_gate_in_production(world):
    runner = world.runner("production", Operator(yes=True))  # no production name
    results = runner.run_all()
    assert [(r.step_id, r.status) for r in results] == [("add-column", GATED)]
    assert "note" not in columns(world.production)


def test_unknown_step(world):
    runner = world.runner("staging")
    with pytest.raises(UserError, match="no step 'nope'"):
        runner.run_step("nope")


def test_a_read_only_run_is_no_rehearsal(world):
    """A run on a read-only environment applies nothing, so it cannot stand for the
    rehearsal: production still sees the staging run's result."""
    staging = world.runner("staging")
    assert staging.run_step("add-column").status == DONE
    rb = world.rb  # a later run on the read-only replica (a fixed id: later than any clock)
    world.repo.start_run(
        runbook_id=rb.id,
        title=rb.title,
        runbook_text=rb.source,
        runbook_name=rb.frozen_name,
        checklist=rb.checklist_entries(),
        who=ALICE,
        extra={"target": "replica"},
        run_id="99991231-235959-rt-replica",
    )
    operator = Operator(production="production")
    production = world.runner("production", operator)
    assert production.rehearsal_run() == staging.run_id
    result = production.run_step("add-column")
    assert result.status == DONE, result.line()
    assert any(f"in the staging run {staging.run_id}" in line for line in operator.lines)
