"""`phasetui step run`, `run --headless` and `close` through click, on two real databases:
exit codes, what is printed, and that a password in a DSN variable reaches no output or file."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.audit.repo import AuditRepo
from phasetui.cli import main
from tests.helpers import git, write

RUNBOOK = """\
[runbook]
id = "rc"
title = "Runner CLI test: items.note"

[environments.staging]
dsn_env = "RC_STAGING_DSN"
rehearsal_allowed = true

[environments.production]
dsn_env = "RC_PRODUCTION_DSN"
production = true

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
"""

ITEMS = "CREATE TABLE items (id bigserial PRIMARY KEY, label text)"
SECRET = "s3cret-pw"
STEPS = ["add-column", "fill-note", "smoke", "diff"]


@pytest.fixture
def setup(tmp_path, make_db, monkeypatch):
    monkeypatch.setenv("PHASETUI_CONFIG", str(write(tmp_path / "phasetui.toml", "")))
    staging, production = make_db("staging"), make_db("production")
    for dsn in (staging, production):
        with psycopg.connect(dsn) as conn:
            conn.execute(ITEMS)
            conn.execute("INSERT INTO items (label) SELECT 'l' || g FROM generate_series(1, 120) g")
    monkeypatch.setenv("RC_STAGING_DSN", staging)
    monkeypatch.setenv("RC_PRODUCTION_DSN", production)
    rb = str(write(tmp_path / "rc.toml", RUNBOOK))
    return rb, str(tmp_path / "audit"), staging, production


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def columns(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'items'"
        ).fetchall()
    return [r[0] for r in rows]


def test_step_run_done_exits_0(setup):
    rb, audit, staging, production = setup
    result = invoke("step", "run", rb, "add-column", "--env", "staging", "--audit-repo", audit,
                    "--init")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "add-column (sql on staging): done" in result.stdout
    assert "started run" in result.stderr
    assert "note" in columns(staging) and "note" not in columns(production)
    repo = AuditRepo.open(audit)
    [run] = repo.run_ids()
    assert run.endswith("-staging")
    assert repo.state(run).evidence("added").ok

    # The open staging run is found again; the step already done is not run again.
    result = invoke("step", "run", rb, "add-column", "--env", "staging", "--audit-repo", audit)
    assert result.exit_code == 0 and "skipped" in result.stdout, result.output
    assert repo.run_ids() == [run]


def test_step_run_gated_exits_4_with_the_next_step(setup):
    rb, audit, _staging, production = setup
    result = invoke("step", "run", rb, "add-column", "--env", "production", "--audit-repo",
                    audit, "--init")  # fmt: skip
    assert result.exit_code == 4, result.output
    assert "gated" in result.stdout
    assert "next:" in result.stderr and "--yes" in result.stderr
    assert "note" not in columns(production)

    # --yes passes the "not rehearsed" question; production's name is still needed.
    result = invoke("step", "run", rb, "add-column", "--env", "production", "--audit-repo",
                    audit, "--yes")  # fmt: skip
    assert result.exit_code == 4 and "type its name" in result.stdout, result.output
    assert "next:" in result.stderr
    assert "note" not in columns(production)

    result = invoke("step", "run", rb, "add-column", "--env", "production", "--audit-repo",
                    audit, "--yes", "--yes-i-mean-production", "production")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "note" in columns(production)


def test_step_run_needs_you_exits_4(setup):
    rb, audit, _, _ = setup
    result = invoke("step", "run", rb, "smoke", "--env", "staging", "--audit-repo", audit, "--init")
    assert result.exit_code == 4 and "needs-you" in result.stdout, result.output
    assert "next:" in result.stderr and "--yes" in result.stderr
    result = invoke("step", "run", rb, "smoke", "--env", "staging", "--audit-repo", audit, "--yes")
    assert result.exit_code == 0, result.output


def test_step_run_bad_input_exits_2(setup, tmp_path):
    rb, audit, _, _ = setup
    result = invoke("step", "run", rb, "nope", "--env", "staging", "--audit-repo", audit, "--init")
    assert result.exit_code == 2, result.output
    assert "no step 'nope'" in result.stderr and "add-column" in result.stderr
    result = invoke("step", "run", rb, "add-column", "--env", "qa", "--audit-repo", audit,
                    "--init")  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "unknown environment 'qa'" in result.stderr
    assert "production, staging" in result.stderr
    assert not (tmp_path / "audit").exists()  # nothing was created for bad input

    result = invoke("step", "run", rb, "add-column", "--env", "staging", "--audit-repo", audit)
    assert result.exit_code == 2, result.output
    assert f"no audit repo at {audit}" in result.stderr and "--init" in result.stderr
    assert not (tmp_path / "audit").exists()


def test_step_run_failed_exits_1(setup):
    rb, audit, _, _ = setup
    broken = write(
        Path(rb).with_name("broken.toml"),
        RUNBOOK.replace("ALTER TABLE items ADD", "ALTER TABLE no_such_table ADD"),
    )
    result = invoke("step", "run", str(broken), "add-column", "--env", "staging",
                    "--audit-repo", audit, "--init")  # fmt: skip
    assert result.exit_code == 4 and "rehearsal failed" in result.stdout, result.output
    result = invoke("step", "run", str(broken), "add-column", "--env", "staging",
                    "--audit-repo", audit, "--yes")  # fmt: skip
    assert result.exit_code == 1 and "failed" in result.stdout, result.output
    assert "next: fix it" in result.stderr


def test_run_headless_runs_in_order_and_prints_a_line_per_step(setup):
    rb, audit, staging, production = setup
    result = invoke("run", rb, "--headless", "--env", "staging", "--yes", "--audit-repo", audit)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line[:1] in "✓·✗‖!"]
    assert [line.split()[1] for line in lines] == STEPS
    assert all(line.startswith("✓") for line in lines), lines
    assert "on staging" in lines[0] and "all steps done" in result.stdout
    assert "note" in columns(staging) and "note" not in columns(production)
    repo = AuditRepo.open(audit)
    [run] = repo.run_ids()
    state = repo.state(run)
    assert {s: state.results[s].ok for s in STEPS} == dict.fromkeys(STEPS, True)

    # Again: the open staging run, every step already done and skipped.
    result = invoke("run", rb, "--headless", "--env", "staging", "--audit-repo", audit)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line[:1] in "✓·✗‖!"]
    assert [line.split()[0] for line in lines] == ["·"] * len(STEPS)


def test_run_headless_until_and_stop_at_a_gate(setup):
    rb, audit, staging, production = setup
    result = invoke("run", rb, "--headless", "--env", "staging", "--yes", "--until", "fill-note",
                    "--audit-repo", audit)  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line[:1] in "✓·✗‖!"]
    assert [line.split()[1] for line in lines] == ["add-column", "fill-note"]
    assert "stopped after fill-note, as asked (--until)" in result.stdout
    assert "all steps done" not in result.stdout
    result = invoke("run", rb, "--headless", "--env", "staging", "--until", "nope",
                    "--audit-repo", audit)  # fmt: skip
    assert result.exit_code == 2 and "--until 'nope': no such step" in result.stderr

    # Production: a new run; fill-note is rehearsed, smoke never was, and no --yes.
    result = invoke("run", rb, "--headless", "--env", "production", "--audit-repo", audit,
                    "--yes-i-mean-production", "production")  # fmt: skip
    assert result.exit_code == 4, result.output
    lines = [line for line in result.stdout.splitlines() if line[:1] in "✓·✗‖!"]
    assert [line.split()[1] for line in lines] == ["add-column", "fill-note", "smoke"]
    assert "in the staging run" in result.stderr
    assert "stopped at smoke: gated" in result.stderr and "next:" in result.stderr
    assert "note" in columns(production)
    repo = AuditRepo.open(audit)
    staging_run, production_run = sorted(repo.run_ids(), key=lambda r: r.endswith("production"))
    assert staging_run.endswith("-staging") and production_run.endswith("-production")


def test_close_outcome_shows_in_runs_and_a_second_close_is_refused(setup):
    rb, audit, _, _ = setup
    result = invoke("step", "run", rb, "add-column", "--env", "staging", "--audit-repo", audit,
                    "--init")  # fmt: skip
    assert result.exit_code == 0, result.output
    [run] = AuditRepo.open(audit).run_ids()
    result = invoke("close", "--audit-repo", audit, "--run", run, "--outcome", "rolled-back",
                    "--note", "column dropped again")  # fmt: skip
    assert result.exit_code == 0 and f"closed {run}: rolled-back" in result.output
    result = invoke("runs", "--audit-repo", audit)
    [line] = [line for line in result.output.splitlines() if line.startswith(run)]
    assert "rolled-back" in line and "on staging" in line

    result = invoke("close", "--audit-repo", audit, "--run", run, "--outcome", "done")
    assert result.exit_code == 1 and "already closed (rolled-back)" in result.stderr
    result = invoke("runs", "--audit-repo", audit)
    assert "rolled-back" in result.output

    # A closed run takes no more steps.
    result = invoke("step", "run", rb, "fill-note", "--run", run, "--audit-repo", audit, "--yes")
    assert result.exit_code == 4 and "is closed" in result.stdout, result.output


def test_no_password_in_any_output_or_file(setup, monkeypatch):
    rb, audit, staging, production = setup
    for var, dsn in (("RC_STAGING_DSN", staging), ("RC_PRODUCTION_DSN", production)):
        with_pw = f"{dsn} password={SECRET}"
        with psycopg.connect(with_pw) as conn:  # the test server accepts it (trust auth)
            conn.execute("SELECT 1")
        monkeypatch.setenv(var, with_pw)
    outputs = []
    for args in (
        ("run", rb, "--headless", "--env", "staging", "--yes", "--audit-repo", audit),
        ("run", rb, "--headless", "--env", "production", "--yes", "--audit-repo", audit,
         "--yes-i-mean-production", "production"),
        ("step", "run", rb, "nope", "--env", "staging", "--audit-repo", audit),
        ("runs", "--audit-repo", audit),
    ):  # fmt: skip
        result = invoke(*args)
        outputs.append(result)
        assert SECRET not in result.output and SECRET not in result.stderr, args
    assert outputs[0].exit_code == 0 and outputs[1].exit_code == 0, outputs[1].output
    assert "note" in columns(production)

    # A connection that fails: its error names the database, never the password.
    monkeypatch.setenv("RC_PRODUCTION_DSN", f"{production} dbname=no_such_db password={SECRET}")
    result = invoke("step", "run", rb, "add-column", "--env", "production", "--audit-repo",
                    audit, "--yes", "--yes-i-mean-production", "production")  # fmt: skip
    assert result.exit_code != 0 and "no_such_db" in result.output, result.output
    assert SECRET not in result.output and SECRET not in result.stderr
    repo = AuditRepo.open(audit)
    for path in repo.path.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(repo.path).parts:
            assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in git(repo.path, "log", "-p", "--all")


def test_a_new_run_without_env_is_refused_before_anything_is_created(setup):
    rb, audit, staging, production = setup
    result = invoke("run", rb, "--headless", "--yes", "--audit-repo", audit)
    assert result.exit_code == 2, result.output
    assert "needs its target" in result.stderr and "--env NAME" in result.stderr
    from pathlib import Path

    runs = Path(audit) / "runs"
    assert not runs.exists() or not any(runs.iterdir())
