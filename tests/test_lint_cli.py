"""`phasetui lint` on the command line: exit codes, formats, stdin, config, import hygiene."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from phasetui.cli import main

UNSAFE = "CREATE INDEX users_email_idx ON users (email);\n"
SAFE = "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n"


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PHASETUI_CONFIG", raising=False)
    (tmp_path / "unsafe.sql").write_text(UNSAFE)
    (tmp_path / "safe.sql").write_text(SAFE)
    (tmp_path / "bad.sql").write_text("SELECT 1;\nALTER TABLE users ADD COLUMN;\n")
    return tmp_path


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["lint", *args], input=stdin, catch_exceptions=False)


def test_exit_0_for_safe_sql(files):
    result = run("safe.sql")
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_exit_1_for_errors_with_position_lock_and_rewrite(files):
    result = run("unsafe.sql")
    assert result.exit_code == 1
    assert "unsafe.sql:1:1: error [create-index-not-concurrent]" in result.output
    assert "lock: SHARE on users, blocks writes, for: index build" in result.output
    assert "[expand] CREATE INDEX CONCURRENTLY users_email_idx ON users (email);" in result.output


def test_exit_2_for_unparseable_input_without_traceback(files):
    result = CliRunner().invoke(main, ["lint", "bad.sql"])
    assert result.exit_code == 2
    assert "bad.sql:2:29: syntax error" in result.output
    assert "Traceback" not in result.output


def test_exit_2_for_missing_file(files):
    result = CliRunner().invoke(main, ["lint", "nope.sql"])
    assert result.exit_code == 2 and "nope.sql: no such file" in result.output


def test_stdin(files):
    assert run("-", stdin=UNSAFE).exit_code == 1
    assert run(stdin=SAFE).exit_code == 0


def test_json_is_a_stable_sorted_list(files):
    result = run("unsafe.sql", "safe.sql", "--format", "json")
    data = json.loads(result.output)
    assert isinstance(data, list)
    first = data[0]
    assert list(first) == [
        "rule",
        "severity",
        "file",
        "line",
        "column",
        "statement_index",
        "migration",
        "message",
        "statement",
        "relation",
        "lock",
        "blocks",
        "duration",
        "rewrite",
        "assumptions",
        "suppressed",
    ]
    assert first["rule"] == "create-index-not-concurrent" and first["blocks"] == "writes"
    assert first["statement_index"] == 1
    assert first["rewrite"][0] == {
        "phase": "expand",
        "sql": "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
        "note": first["rewrite"][0]["note"],
    }
    assert result.output == run("unsafe.sql", "safe.sql", "--format", "json").output


def test_sarif(files):
    result = run("unsafe.sql", "--format", "sarif")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["version"] == "2.1.0"
    driver = doc["runs"][0]["tool"]["driver"]
    ids = [r["id"] for r in driver["rules"]]
    (res,) = [r for r in doc["runs"][0]["results"] if r["level"] == "error"]
    assert ids[res["ruleIndex"]] == res["ruleId"] == "create-index-not-concurrent"
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "unsafe.sql"
    assert loc["region"] == {"startLine": 1, "startColumn": 1}


def test_github_annotations(files):
    result = run("unsafe.sql", "--format", "github")
    line = result.output.splitlines()[0]
    assert line.startswith(
        "::error file=unsafe.sql,line=1,col=1,title=create-index-not-concurrent::CREATE INDEX"
    )
    assert "%0ASafe rewrite:%0A[expand] CREATE INDEX CONCURRENTLY" in line


def test_phase_and_version_options(files):
    (files / "m.sql").write_text("ALTER TABLE users ADD COLUMN n int DEFAULT 0;\n")
    assert run("m.sql").exit_code == 0
    assert run("m.sql", "--pg-version", "10").exit_code == 1
    (files / "b.sql").write_text("UPDATE users SET n = 0;\n")
    assert run("b.sql").exit_code == 0
    assert run("b.sql", "--phase", "backfill").exit_code == 1


def test_project_config_lint_section(files):
    (files / "phasetui.toml").write_text(
        '[lint]\npg_version = 10\ndisabled_rules = ["create-index-not-concurrent"]\n'
    )
    assert run("unsafe.sql").exit_code == 0
    (files / "m.sql").write_text("ALTER TABLE users ADD COLUMN n int DEFAULT 0;\n")
    assert run("m.sql").exit_code == 1  # pg 10 from the config


def test_bad_config_is_exit_2(files):
    (files / "phasetui.toml").write_text('[lint]\ndisabled_rules = ["nope"]\n')
    result = CliRunner().invoke(main, ["lint", "safe.sql"])
    assert result.exit_code == 2 and "nope" in result.output


def test_list_rules(files):
    result = run("--list-rules")
    assert result.exit_code == 0 and "set-not-null" in result.output


def test_lint_path_loads_no_textual_psycopg_or_sqlglot(files):
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom phasetui.cli import main\n"
        "r = CliRunner().invoke(main, ['lint', 'unsafe.sql', '--format', 'json'])\n"
        "assert r.exit_code == 1, r.output\n"
        "heavy = [m for m in ('textual', 'psycopg', 'sqlglot') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=files)
    assert result.returncode == 0, result.stderr


def test_subprocess_exit_codes(files):
    for name, code in (("safe.sql", 0), ("unsafe.sql", 1), ("bad.sql", 2)):
        proc = subprocess.run(
            [sys.executable, "-m", "phasetui", "lint", name],
            capture_output=True,
            text=True,
            cwd=files,
        )
        assert proc.returncode == code, proc.stderr
        assert "Traceback" not in proc.stderr
