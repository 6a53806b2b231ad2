"""Every backfill verb that writes honours ``read_only`` and ``production`` as apply does,
and where the result will be recorded is checked before the first batch.

A refusal writes nothing to the target database: not a row of the table, not even the
``phasetui`` schema.
"""

from __future__ import annotations

import itertools
import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.audit.repo import AuditRepo
from phasetui.cli import main
from phasetui.db.apply import check_apply_allowed
from phasetui.db.environments import Environment
from phasetui.errors import UserError

ROWS = 400
CONFIG = """
[environments.prod]
dsn_env = "PHASETUI_GATE_DSN"
production = true

[environments.ro]
dsn_env = "PHASETUI_GATE_DSN"
production = true
read_only = true

[environments.ro-staging]
dsn_env = "PHASETUI_GATE_DSN"
read_only = true

[environments.staging]
dsn_env = "PHASETUI_GATE_DSN"
"""


@pytest.fixture
def envs(db_dsn, tmp_path, monkeypatch):
    config = tmp_path / "phasetui.toml"
    config.write_text(CONFIG)
    monkeypatch.setenv("PHASETUI_CONFIG", str(config))
    monkeypatch.setenv("PHASETUI_GATE_DSN", db_dsn)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id bigint PRIMARY KEY, prefs jsonb)")
        conn.execute("INSERT INTO users (id) SELECT g FROM generate_series(1, %s) g", (ROWS,))
    return db_dsn


def nulls(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT count(*) FROM users WHERE prefs IS NULL").fetchone()[0]


def has_state(dsn: str) -> bool:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT to_regclass('phasetui.backfills')").fetchone()[0] is not None


def control_of(dsn: str, name: str = "users.prefs") -> tuple:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT control, batch_size, updated_at FROM phasetui.backfills WHERE name = %s",
            (name,),
        ).fetchone()


RUN = ["backfill", "run", "--table", "users", "--set", "prefs = '{}'", "--where",
       "prefs IS NULL", "--batch-size", "100"]  # fmt: skip


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.mark.parametrize("env", ["ro", "ro-staging"])
def test_run_on_a_read_only_environment_is_refused_and_writes_nothing(envs, env):
    r = invoke(*RUN, "--env", env, "--yes-i-mean-production", env)
    assert r.exit_code == 1, r.output
    assert f"refusing to run a backfill on '{env}': the environment is read-only" in r.output
    assert nulls(envs) == ROWS and not has_state(envs)


def test_run_on_production_needs_its_name(envs):
    r = invoke(*RUN, "--env", "prod")  # not a terminal: no prompt, refused
    assert r.exit_code == 1, r.output
    assert "'prod' is a production environment" in r.output
    assert "--yes-i-mean-production prod" in r.output
    r = invoke(*RUN, "--env", "prod", "--yes-i-mean-production", "staging")
    assert r.exit_code == 1 and "production environment" in r.output
    assert nulls(envs) == ROWS and not has_state(envs)
    r = invoke(*RUN, "--env", "prod", "--yes-i-mean-production", "prod")
    assert r.exit_code == 0, r.output
    assert nulls(envs) == 0


def test_staging_and_dsn_need_no_confirmation(envs):
    assert invoke(*RUN, "--env", "staging").exit_code == 0
    assert invoke(*RUN, "--dsn", envs, "--name", "again").exit_code == 0


CONTROL = [
    ("pause", ()),
    ("resume", ()),
    ("stop", ()),
    ("set", ("--batch-size", "7")),
    ("forget", ("--yes",)),
]


@pytest.mark.parametrize("verb, extra", CONTROL, ids=[v for v, _ in CONTROL])
def test_every_control_verb_honours_read_only_and_production(envs, verb, extra):
    assert invoke(*RUN, "--env", "staging").exit_code == 0  # the backfill exists
    before = control_of(envs)
    for env in ("ro", "ro-staging"):
        r = invoke("backfill", verb, "users.prefs", "--env", env, *extra,
                   "--yes-i-mean-production", env)  # fmt: skip
        assert r.exit_code == 1 and "the environment is read-only" in r.output, r.output
    r = invoke("backfill", verb, "users.prefs", "--env", "prod", *extra)
    assert r.exit_code == 1 and "'prod' is a production environment" in r.output, r.output
    assert control_of(envs) == before  # nothing changed
    r = invoke("backfill", verb, "users.prefs", "--env", "prod", *extra,
               "--yes-i-mean-production", "prod")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (control_of(envs) is None) if verb == "forget" else (control_of(envs) != before)


def test_status_only_reads_and_needs_no_confirmation(envs):
    assert invoke(*RUN, "--env", "staging").exit_code == 0
    for env in ("ro", "prod"):
        r = invoke("backfill", "status", "--env", env, "--format", "json")
        assert r.exit_code == 0 and json.loads(r.output.splitlines()[0])["state"] == "done"


def test_the_name_typed_at_a_terminal_prompt_confirms(envs):
    """On a real terminal (a pty) the verb asks for the name, as apply does."""
    assert invoke(*RUN, "--env", "staging").exit_code == 0

    def on_a_tty(answer: str) -> tuple[int, str]:
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "phasetui", "backfill", "pause", "users.prefs", "--env", "prod"],
            stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=os.environ.copy(),
        )  # fmt: skip
        os.close(slave)
        time.sleep(0.5)
        os.write(master, answer.encode() + b"\n")
        out, _ = proc.communicate(timeout=60)
        os.close(master)
        return proc.returncode, out.decode()

    code, out = on_a_tty("staging")
    assert code == 1 and "production environment" in out, out
    assert control_of(envs)[0] == "run"
    code, out = on_a_tty("prod")
    assert code == 0 and "control = pause" in out, out
    assert control_of(envs)[0] == "pause"


def test_the_gate_decides_exactly_as_apply_does():
    from phasetui.ops.backfill_run import check_write_allowed

    for production, read_only, confirm in itertools.product(
        (False, True), (False, True), (None, "", "prod", "other")
    ):
        env = Environment("prod", dsn_env="X", production=production, read_only=read_only)
        try:
            check_apply_allowed(env, confirm)
            apply_ok = True
        except UserError:
            apply_ok = False
        try:
            check_write_allowed(env, confirm, "run a backfill")
            backfill_ok = True
        except UserError:
            backfill_ok = False
        assert apply_ok == backfill_ok, (production, read_only, confirm)
    check_write_allowed(None, None, "run a backfill")  # --dsn: no environment, no gate


STEP_RUNBOOK = """
[runbook]
id = "gate"
title = "Gate"

[environments.live]
dsn_env = "PHASETUI_GATE_DSN"
production = true
read_only = {read_only}

[[phases]]
id = "backfill"
title = "Backfill"
kind = "backfill"

[[phases.steps]]
id = "{step_id}"
kind = "backfill"
title = "Fill"
env = "live"
table = "users"
set = ["prefs = '{{}}'"]
where = "prefs IS NULL"
"""


def write_runbook(tmp_path: Path, *, read_only: bool = False, step_id: str = "fill") -> Path:
    path = tmp_path / "gate.toml"
    path.write_text(
        STEP_RUNBOOK.format(read_only=str(read_only).lower(), step_id=step_id), encoding="utf-8"
    )
    return path


def test_step_backfill_on_read_only_or_unconfirmed_production_opens_no_run(envs, tmp_path):
    audit = tmp_path / "audit"
    rb = write_runbook(tmp_path, read_only=True)
    r = invoke("step", "backfill", "--init", str(rb), "fill", "--audit-repo", str(audit),
               "--yes-i-mean-production", "live")  # fmt: skip
    assert r.exit_code == 1 and "read-only" in r.output, r.output
    rb = write_runbook(tmp_path)
    r = invoke("step", "backfill", "--init", str(rb), "fill", "--audit-repo", str(audit))
    assert r.exit_code == 1 and "'live' is a production environment" in r.output, r.output
    assert not (audit / "runs").exists()
    assert nulls(envs) == ROWS and not has_state(envs)


def test_step_backfill_with_a_step_id_escaping_the_run_folder_runs_nothing(envs, tmp_path):
    rb = write_runbook(tmp_path, step_id="../../escape")
    r = invoke("step", "backfill", "--init", str(rb), "../../escape", "--audit-repo",
               str(tmp_path / "audit"), "--yes-i-mean-production", "live")  # fmt: skip
    assert r.exit_code in (1, 2) and "'../../escape'" in r.output, r.output  # loader's or ours
    assert nulls(envs) == ROWS and not has_state(envs)


# -- where the result goes: checked before the first batch ------------------------------


@pytest.fixture
def audit(tmp_path) -> tuple[Path, str]:
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = repo.start_run(
        runbook_id="users-prefs", title="t", runbook_text="", runbook_name="runbook.toml",
        checklist=[], who="Dee Bea <dba@example.com>",
    )  # fmt: skip
    return repo.path, run_id


def test_a_mistyped_run_id_is_refused_before_the_first_batch(envs, audit):
    path, run_id = audit
    r = invoke(*RUN, "--dsn", envs, "--audit-repo", str(path), "--run-id", run_id + "-TYPO")
    assert r.exit_code == 1 and f"no run '{run_id}-TYPO'" in r.output, r.output
    assert run_id in r.output  # the runs it knows
    assert nulls(envs) == ROWS and not has_state(envs)


@pytest.mark.parametrize(
    "flags, says",
    [
        (["--audit-repo", "AUDIT"], "--audit-repo without --run-id"),
        (["--run-id", "RUN"], "--run-id without --audit-repo"),
        (["--step", "fill"], "--step names where to record the result"),
        (["--audit-repo", "MISSING", "--run-id", "RUN"], "no audit repo at"),
        (["--audit-repo", "AUDIT", "--run-id", "RUN", "--step", "../x"], "cannot name the result"),
        (["--audit-repo", "AUDIT", "--run-id", "../RUN"], "no run '../"),
        (["--result", "MISSING/figures.json"], "does not exist; nothing was run"),
    ],
    ids=[
        "repo-alone",
        "run-alone",
        "step-alone",
        "no-repo",
        "step-escapes",
        "run-escapes",
        "result-folder",
    ],  # fmt: skip
)
def test_recording_flags_are_checked_before_the_first_batch(envs, audit, tmp_path, flags, says):
    path, run_id = audit
    subst = {"AUDIT": str(path), "RUN": run_id, "MISSING": str(tmp_path / "missing")}
    args = [next((a.replace(k, v) for k, v in subst.items() if k in a), a) for a in flags]
    r = invoke(*RUN, "--dsn", envs, *args)
    assert r.exit_code == 1, r.output
    assert says in r.output and "Traceback" not in r.output, r.output
    assert nulls(envs) == ROWS and not has_state(envs)


def test_a_dirty_audit_repo_is_refused_before_the_first_batch(envs, audit):
    path, run_id = audit
    (path / "stray.txt").write_text("not phasetui's")
    r = invoke(*RUN, "--dsn", envs, "--audit-repo", str(path), "--run-id", run_id)
    assert r.exit_code == 1 and "uncommitted changes" in r.output, r.output
    assert nulls(envs) == ROWS and not has_state(envs)


def test_the_result_is_recorded_under_a_file_safe_default_step(envs, audit):
    path, run_id = audit
    r = invoke(*RUN, "--dsn", envs, "--name", "users prefs 100%", "--audit-repo", str(path),
               "--run-id", run_id, "--as", "Dee Bea <dba@example.com>")  # fmt: skip
    assert r.exit_code == 0, r.output
    saved = json.loads((path / "runs" / run_id / "backfill" / "users-prefs-100.json").read_text())
    assert saved["state"] == "done" and saved["rows_updated"] == ROWS
    assert saved["final_check"]["checked"] is True
