"""Passwords in migration SQL are run, but never written or shown.

``ALTER ROLE … PASSWORD``, user mappings, servers and conninfo strings in a migration reach
the server as written; the lint report, the rehearsal and apply evidence (Markdown and
JSON), the journal and git history, the CLI's output and the TUI's SQL screen show them
masked, and so do the server's error messages that quote the statement.
"""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.audit.repo import AuditRepo
from phasetui.cli import main
from phasetui.runbook.loader import load_runbook
from tests.helpers import git, write
from tests.secrets_support import PW, assert_masked

UNQUOTED = "Zq7kTbwJ8Xv9"  # distinctive: no 4-char piece of it is in a path


@pytest.fixture
def names(db_dsn):
    """A role, a wrapper and a server of this test (roles are cluster-wide: dropped after)."""
    tag = uuid.uuid4().hex[:8]
    out = {"role": f"app_{tag}", "fdw": f"w_{tag}", "srv": f"s_{tag}"}
    yield out
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(f"DROP SERVER IF EXISTS {out['srv']} CASCADE")
        conn.execute(f"DROP FOREIGN DATA WRAPPER IF EXISTS {out['fdw']} CASCADE")
        conn.execute(f"DROP ROLE IF EXISTS {out['role']}")


def migration(n: dict) -> str:
    return (
        f"CREATE ROLE {n['role']} LOGIN PASSWORD '{PW}';\n"
        f"ALTER ROLE {n['role']} WITH ENCRYPTED PASSWORD E'{PW}' VALID UNTIL 'infinity';\n"
        f"CREATE FOREIGN DATA WRAPPER {n['fdw']};\n"
        f"CREATE SERVER {n['srv']} FOREIGN DATA WRAPPER {n['fdw']}\n"
        f"  OPTIONS (host 'h', password $${PW}$$);\n"
        f"CREATE USER MAPPING FOR {n['role']} SERVER {n['srv']}\n"
        f"  OPTIONS (user 'u', password '{PW}');\n"
        f"ALTER USER MAPPING FOR {n['role']} SERVER {n['srv']} OPTIONS (SET password '{PW}');\n"
        f"-- the old one was postgresql://ops:{PW}@vault/x\n"
    )


FAILING = (
    f"DO $$ BEGIN EXECUTE 'CREATE ROLE r_{uuid.uuid4().hex[:6]} PASSWORD {UNQUOTED}'; END $$;\n"
)
RAISING = f"DO $$ BEGIN RAISE EXCEPTION 'cannot use %', 'password={PW}'; END $$;\n"


def assert_clean(text: str) -> None:
    assert_masked(text, PW)
    assert_masked(text, UNQUOTED)


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.output


def test_rehearse_and_apply_run_the_password_but_never_show_it(tmp_path, db_dsn, names):
    sql = write(tmp_path / "m.sql", migration(names))
    for fmt in ("text", "json", "markdown"):
        out = cli("rehearse", str(sql), "--dsn", db_dsn, "--format", fmt)
        assert_clean(out)
        assert "***" in out
    rehearsal = json.loads(cli("rehearse", str(sql), "--dsn", db_dsn, "--format", "json"))
    assert rehearsal["passed"], rehearsal
    for fmt in ("text", "lint-json"):
        if fmt == "text":
            assert_clean(cli("lint", str(sql), "--dsn", db_dsn))
    for fmt in ("json", "sarif", "github"):
        assert_clean(cli("lint", str(sql), "--format", fmt))
    applied = cli("apply", str(sql), "--dsn", db_dsn, "--format", "json")
    assert_clean(applied)
    assert json.loads(applied)["ok"]
    with psycopg.connect(db_dsn) as conn:  # the real password was set, not the mask
        (verifier,) = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (names["role"],)
        ).fetchone()
        (options,) = conn.execute(
            "SELECT umoptions FROM pg_user_mappings WHERE srvname = %s", (names["srv"],)
        ).fetchone()
    assert verifier.startswith("SCRAM-SHA-256$") and f"password={PW}" in options


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_server_errors_quoting_a_password_are_masked(tmp_path, db_dsn, fmt):
    for body in (FAILING, RAISING):
        sql = write(tmp_path / "f.sql", body)
        for verb in ("rehearse", "apply"):
            out = cli(verb, str(sql), "--dsn", db_dsn, "--format", fmt)
            assert_clean(out)
            assert "FAILED" in out or '"passed": false' in out or '"ok": false' in out, out


def test_step_evidence_journal_and_git_history_are_masked(tmp_path, db_dsn, names, monkeypatch):
    monkeypatch.setenv("SECRETS_T_DSN", db_dsn)
    write(tmp_path / "m.sql", migration(names))
    write(tmp_path / "bad.sql", FAILING + RAISING)
    rb = write(
        tmp_path / "rb.toml",
        '[runbook]\nid = "roles"\ntitle = "Roles"\n'
        '[environments.staging]\ndsn_env = "SECRETS_T_DSN"\nrehearsal_allowed = true\n'
        '[[phases]]\nid = "expand"\nkind = "expand"\n'
        '[[phases.steps]]\nid = "roles"\nkind = "sql"\nenv = "staging"\nfile = "m.sql"\n'
        '[[phases.steps]]\nid = "bad"\nkind = "sql"\nenv = "staging"\nfile = "bad.sql"\n',
    )
    audit = tmp_path / "audit"
    outputs = []
    for verb in ("lint", "rehearse", "apply"):
        for step in ("roles", "bad"):
            outputs.append(cli("step", verb, str(rb), step, "--audit-repo", str(audit), "--init"))
    for out in outputs:
        assert_clean(out)
    repo = AuditRepo.open(audit)
    run_dir = next((audit / "runs").iterdir())
    written = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"roles.md", "roles.json", "bad.md", "journal.jsonl"}
    for path in written:
        assert_clean(path.read_text())
    assert "PASSWORD '***'" in (run_dir / "apply" / "roles.md").read_text()
    assert_clean(git(repo.path, "log", "-p", "--all", "--format=%an %s%n%b"))


async def test_the_sql_step_screen_shows_the_sql_masked(tmp_path, db_dsn, names, monkeypatch):
    from phasetui.audit.identity import Person
    from phasetui.audit.runs import open_run
    from phasetui.tui.app import PhaseApp
    from phasetui.tui.sql_step_screen import SqlStepScreen

    monkeypatch.setenv("SECRETS_T_DSN", db_dsn)
    write(tmp_path / "m.sql", migration(names) + FAILING)
    rb_path = write(
        tmp_path / "rb.toml",
        '[runbook]\nid = "roles"\ntitle = "Roles"\n'
        '[environments.staging]\ndsn_env = "SECRETS_T_DSN"\nrehearsal_allowed = true\n'
        '[[phases]]\nid = "expand"\nkind = "expand"\n'
        '[[phases.steps]]\nid = "roles"\nkind = "sql"\nenv = "staging"\nfile = "m.sql"\n',
    )
    rb = load_runbook(rb_path)
    who = Person("Alice DBA", "alice@example.org")
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = open_run(repo, rb, who=who).run_id
    app = PhaseApp(rb, repo, run_id, who, poll=False)
    screens = []
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(3):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("down", "enter")
        for _ in range(3):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        assert isinstance(pilot.app.screen, SqlStepScreen)
        screens.append(app.export_screenshot())
        await pilot.press("r")
        for _ in range(3):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        assert pilot.app.screen.rehearsal is not None
        screens.append(app.export_screenshot())
    assert "PASSWORD" in screens[0] and "***" in screens[0]
    for shot in screens:
        assert_clean(shot)
