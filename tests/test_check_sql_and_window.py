"""`phasetui check` parses the SQL in a runbook at the runbook's own line; older step verbs
refuse a missing audit repo without --init; a backfill outside its window says so at once."""

from __future__ import annotations

import json
from datetime import datetime

from click.testing import CliRunner

from phasetui.backfill.spec import BackfillSpec
from phasetui.cli import main
from phasetui.ops.backfill_run import window_notice
from tests.helpers import SAMPLES, write

BAD = """[runbook]
id = "bad"
title = "bad"

[[phases]]
id = "expand"

[[phases.steps]]
id = "add"
kind = "sql"
sql = \"\"\"
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN x int;
ALTER TABLE users ADDD COLUMN y int;
\"\"\"

[[phases.steps]]
id = "v"
kind = "verify"
sql = "SELECT count(*) FROM users WHERE x IS NUL"
expect = 0

[[phases.steps]]
id = "from-file"
kind = "sql"
file = "broken.sql"
"""


def test_check_names_the_runbook_line_of_sql_that_does_not_parse(tmp_path):
    path = write(tmp_path / "bad.toml", BAD)
    write(tmp_path / "broken.sql", "SELECT 1;\nSELEC 2;\n")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert f'{path}:14: step add: the SQL does not parse: syntax error at or near "ADDD"' in lines
    assert any(line.startswith(f"{path}:20: step v: the SQL does not parse") for line in lines)
    assert any(line.startswith(f"{tmp_path / 'broken.sql'}:2: step from-file") for line in lines)


def test_the_samples_check_clean():
    result = CliRunner().invoke(main, ["check", *map(str, sorted(SAMPLES.glob("*.toml")))])
    assert result.exit_code == 0, result.output


def test_older_step_verbs_refuse_a_missing_audit_repo_without_init(tmp_path):
    audit = tmp_path / "no-such-audit"
    rb = str(SAMPLES / "users_preferences.toml")
    result = CliRunner().invoke(
        main, ["step", "lint", rb, "add-column", "--offline", "--env", "staging",
               "--audit-repo", str(audit)],
    )  # fmt: skip
    assert result.exit_code == 2 and "no audit repo at" in result.output
    assert "--init" in result.output and not audit.exists()
    result = CliRunner().invoke(
        main, ["step", "lint", rb, "add-column", "--offline", "--env", "staging",
               "--audit-repo", str(audit), "--init"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (audit / ".git").exists()


def test_a_backfill_outside_its_window_says_so_before_the_first_batch(tmp_path, db_dsn):
    spec = BackfillSpec.from_mapping({"table": "t", "set": ["v = 1"], "window": "03:00-03:01 UTC"})
    noon = datetime.fromisoformat("2026-12-04T12:00:00+00:00")
    notice = window_notice(spec, noon)
    assert "outside its run window 03:00-03:01 UTC (now 12:00)" in notice
    assert "waits until 03:00" in notice
    inside = datetime.fromisoformat("2026-12-04T03:00:30+00:00")
    assert window_notice(spec, inside) is None
    # in the JSON a cron log reads: the first line says it, before any batch
    import psycopg

    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id bigint PRIMARY KEY, v int)")
        conn.execute("INSERT INTO t SELECT generate_series(1, 10)")
    now = datetime.now().astimezone()
    hour = (now.hour + 12) % 24
    window = f"{hour:02d}:00-{hour:02d}:01"
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "phasetui", "backfill", "run", "--dsn", db_dsn, "--table", "t",
         "--set", "v = 1", "--window", window, "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = json.loads(proc.stdout.readline())
    finally:
        proc.terminate()  # the first Ctrl-C/TERM stops it; nothing was written
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"a throttled backfill did not stop on SIGTERM: {err}") from None
    assert first["event"] == "throttled" and "outside its run window" in first["reason"]
    with psycopg.connect(db_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM t WHERE v IS NOT NULL").fetchone()[0] == 0
