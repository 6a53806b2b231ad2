"""The ``phasetui backfill`` verbs, external job mode, and the audit record."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
from click.testing import CliRunner

from phasetui.backfill.progress import read_progress
from phasetui.cli import main
from phasetui.errors import UserError


def make_users(dsn: str, rows: int = 2000) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL "
            "DEFAULT now(), prefs jsonb)"
        )
        conn.execute("INSERT INTO users (id) SELECT g FROM generate_series(1, %s) g", (rows,))


def nulls(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT count(*) FROM users WHERE prefs IS NULL").fetchone()[0]


def test_run_then_status_in_json_and_text(db_dsn, tmp_path):
    make_users(db_dsn)
    runner = CliRunner()
    result_file = tmp_path / "fill.json"
    args = [
        "backfill", "run", "--dsn", db_dsn, "--table", "users",
        "--set", "prefs = jsonb_build_object('theme', 'light', 'created', created_at)",
        "--where", "prefs IS NULL", "--batch-size", "300", "--format", "json",
        "--result", str(result_file),
    ]  # fmt: skip
    r = runner.invoke(main, args)
    assert r.exit_code == 0, r.output
    last = json.loads(r.output.strip().splitlines()[-1])
    assert last["event"] == "result" and last["state"] == "done" and last["rows_updated"] == 2000
    assert db_dsn not in r.output  # only a label of the target
    saved = json.loads(result_file.read_text())
    assert saved["rows_updated"] == 2000 and saved["where"] == "prefs IS NULL"
    assert nulls(db_dsn) == 0
    r = runner.invoke(main, ["backfill", "status", "--dsn", db_dsn, "--format", "json"])
    assert r.exit_code == 0, r.output
    status = json.loads(r.output.strip().splitlines()[0])
    assert status["name"] == "users.prefs" and status["state"] == "done"
    assert status["detail"]["batch_form"].startswith("function phasetui.batch_")
    r = runner.invoke(main, ["backfill", "status", "users.prefs", "--dsn", db_dsn])
    assert r.exit_code == 0 and "users.prefs" in r.output and "done" in r.output
    assert "batches run as: function phasetui.batch_" in r.output
    # Re-running the same command is a no-op that still exits 0.
    r = runner.invoke(main, args)
    assert r.exit_code == 0 and json.loads(r.output.strip().splitlines()[-1])["rows_this_run"] == 0


def test_user_errors_print_without_a_traceback(db_dsn):
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE nokey (a int, b jsonb)")
    runner = CliRunner()
    r = runner.invoke(
        main, ["backfill", "run", "--dsn", db_dsn, "--table", "nokey", "--set", "b = '{}'"]
    )
    assert r.exit_code == 1 and "no usable key" in r.output and "Traceback" not in r.output
    r = runner.invoke(
        main,
        ["backfill", "run", "--dsn", db_dsn, "--table", "nokey", "--set", "b = 1; DROP TABLE x"],
    )
    assert r.exit_code == 2 and "more than one statement" in r.output
    r = runner.invoke(main, ["backfill", "pause", "nothing", "--dsn", db_dsn])
    assert r.exit_code == 1 and "no backfill" in r.output


def test_pause_set_resume_stop_through_the_cli_while_a_run_is_going(db_dsn):
    make_users(db_dsn, 4000)
    cmd = [
        sys.executable, "-m", "phasetui", "backfill", "run", "--dsn", db_dsn, "--table", "users",
        "--set", "prefs = '{}'::jsonb", "--where", "prefs IS NULL", "--batch-size", "40",
        "--target-batch-seconds", "0", "--pause", "30ms", "--format", "json", "--interval", "0.2",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    runner = CliRunner()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if read_progress(db_dsn, "users.prefs").rows_done > 0:
                break
        except UserError:
            pass
        time.sleep(0.05)
    r = runner.invoke(main, ["backfill", "pause", "users.prefs", "--dsn", db_dsn])
    assert r.exit_code == 0 and "control = pause" in r.output
    time.sleep(0.6)
    frozen = nulls(db_dsn)
    time.sleep(0.4)
    assert nulls(db_dsn) == frozen > 0
    r = runner.invoke(main, ["backfill", "status", "users.prefs", "--dsn", db_dsn])
    assert "paused" in r.output
    r = runner.invoke(
        main, ["backfill", "set", "users.prefs", "--dsn", db_dsn, "--batch-size", "80"]
    )
    assert r.exit_code == 0 and "batch size 80" in r.output
    runner.invoke(main, ["backfill", "resume", "users.prefs", "--dsn", db_dsn])
    deadline = time.monotonic() + 10
    while nulls(db_dsn) == frozen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert nulls(db_dsn) < frozen
    runner.invoke(main, ["backfill", "stop", "users.prefs", "--dsn", db_dsn])
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 3, err
    assert json.loads(out.strip().splitlines()[-1])["state"] == "stopped"
    assert "run the same command again" not in out  # json mode keeps stdout machine-readable


ARTISAN = textwrap.dedent(
    """
    import sys, time, psycopg
    dsn, mode = sys.argv[1], sys.argv[2]
    with psycopg.connect(dsn, autocommit=True) as conn:
        for i in range(10):
            if mode == "stall" and i == 3:
                time.sleep(30)
            conn.execute(
                "UPDATE users SET prefs = '{}' WHERE id IN "
                "(SELECT id FROM users WHERE prefs IS NULL ORDER BY id LIMIT 200)"
            )
            print(f"chunk {i} done", flush=True)
            time.sleep(0.15)
    print("Backfill complete.", flush=True)
    """
)


def test_external_command_streams_output_and_measures_progress(db_dsn, tmp_path):
    make_users(db_dsn, 2000)
    script = tmp_path / "artisan.py"
    script.write_text(ARTISAN)
    lines: list[str] = []
    progress: list[dict] = []
    from phasetui.backfill.external import run_external
    from phasetui.backfill.spec import BackfillSpec

    spec = BackfillSpec.from_mapping(
        {"table": "users", "where": "prefs IS NULL",
         "command": f"{sys.executable} {script} '{db_dsn}' ok", "name": "artisan-prefs"}
    )  # fmt: skip
    result = run_external(
        db_dsn, spec, on_line=lines.append, on_progress=progress.append, progress_interval=0.2
    )
    assert result.state == "done" and result.exit_code == 0
    assert result.rows_updated == 2000 and nulls(db_dsn) == 0
    assert result.final_check == {"checked": True, "rows_still_matching": 0}
    assert lines[0] == "chunk 0 done" and lines[-1] == "Backfill complete."
    assert result.output_tail[-1] == "Backfill complete."
    assert any(0 < p["rows_done"] < 2000 for p in progress)  # measured while it ran
    assert read_progress(db_dsn, "artisan-prefs").state == "done"


def test_external_command_stall_is_detected_and_stopped(db_dsn, tmp_path):
    make_users(db_dsn, 2000)
    script = tmp_path / "artisan.py"
    script.write_text(ARTISAN)
    from phasetui.backfill.external import run_external
    from phasetui.backfill.spec import BackfillSpec

    spec = BackfillSpec.from_mapping(
        {"table": "users", "command": f"{sys.executable} {script} '{db_dsn}' stall",
         "progress_query": "SELECT count(*) FROM users WHERE prefs IS NULL",
         "stall_seconds": "1s"}
    )  # fmt: skip
    started = time.monotonic()
    result = run_external(db_dsn, spec, kill_on_stall=True, progress_interval=0.2)
    assert time.monotonic() - started < 15
    assert result.stalls and result.stalls[0]["remaining"] == 1400
    assert result.state == "failed" and result.exit_code != 0
    assert "stall" in (result.last_error or "")


def test_external_pause_and_stop_from_another_session(db_dsn, tmp_path):
    make_users(db_dsn, 2000)
    script = tmp_path / "artisan.py"
    script.write_text(ARTISAN)
    runner = CliRunner()
    cmd = [
        sys.executable, "-m", "phasetui", "backfill", "run", "--dsn", db_dsn, "--table", "users",
        "--where", "prefs IS NULL", "--name", "job", "--interval", "0.2", "--format", "json",
        "--command", f"{sys.executable} {script} '{db_dsn}' ok",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while nulls(db_dsn) == 2000 and time.monotonic() < deadline:
        time.sleep(0.05)
    runner.invoke(main, ["backfill", "pause", "job", "--dsn", db_dsn])
    time.sleep(0.8)
    frozen = nulls(db_dsn)
    time.sleep(0.6)
    assert nulls(db_dsn) == frozen  # SIGSTOP held the job
    runner.invoke(main, ["backfill", "stop", "job", "--dsn", db_dsn])
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 3, err
    events = [json.loads(x) for x in out.strip().splitlines()]
    assert any(e["event"] == "output" for e in events)
    assert events[-1]["event"] == "result" and events[-1]["state"] == "stopped"
    assert nulls(db_dsn) > 0


def test_record_result_writes_the_step_file_and_an_event(db_dsn, tmp_path):
    from phasetui.audit.repo import AuditRepo
    from phasetui.backfill.engine import run_backfill
    from phasetui.backfill.result import record_result
    from phasetui.backfill.spec import BackfillSpec

    make_users(db_dsn, 300)
    result = run_backfill(
        db_dsn, BackfillSpec.from_mapping({"table": "users", "set": "prefs = '{}'"})
    )
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = repo.start_run(
        runbook_id="users-prefs", title="t", runbook_text="", runbook_name="runbook.toml",
        checklist=[], who="Dee Bea <dba@example.com>",
    )  # fmt: skip
    record_result(repo, run_id, "fill-prefs", result, "Dee Bea <dba@example.com>")
    saved = Path(repo.path) / "runs" / run_id / "backfill" / "fill-prefs.json"
    data = json.loads(saved.read_text())
    assert data["rows_updated"] == 300 and data["state"] == "done"
    journal = (Path(repo.path) / "runs" / run_id / "journal.jsonl").read_text().splitlines()
    last = json.loads(journal[-1])
    assert last["kind"] == "backfill" and last["payload"]["rows_updated"] == 300
    assert "password" not in saved.read_text()


def test_the_cli_module_loads_no_database_or_ui_library_until_a_verb_runs():
    code = (
        "import sys; import phasetui.cli.backfill_cmds as m; "
        "assert 'psycopg' not in sys.modules and 'rich' not in sys.modules"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
