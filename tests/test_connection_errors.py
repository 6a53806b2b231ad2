"""Every verb that connects reports a failed connection the same way: cause, fix, no password."""

from __future__ import annotations

import time

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.cli import main

DSN = "postgresql://app:s3cret-pw@127.0.0.1:1/app"


@pytest.mark.parametrize(
    "args",
    [
        ["backfill", "status", "--dsn", DSN],
        ["backfill", "run", "--dsn", DSN, "--table", "t", "--set", "a = 1"],
        ["schema", "dump", "--dsn", DSN, "-o", "{tmp}/o.sql"],
        ["schema", "diff", DSN, DSN],
        ["lint", "{tmp}/m.sql", "--dsn", DSN],
        ["rehearse", "{tmp}/m.sql", "--dsn", DSN],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_refused_connection_names_cause_and_fix(tmp_path, args):
    (tmp_path / "m.sql").write_text("ALTER TABLE t ADD COLUMN c int;\n")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 1, result.output
    assert "app@127.0.0.1:1/app: nothing is listening there (connection refused)" in result.output
    assert "fix: check host and port" in result.output
    assert "s3cret-pw" not in result.output and "Traceback" not in result.output


# -- a malformed DSN: one clean sentence from every verb, no part of any password -----------

# Each password is distinctive; no 4-character piece of one appears in a path or a message.
MALFORMED = {
    "unquoted-space": "host=127.0.0.1 port=1 dbname=app password=Kq4vTz Wm8yRj",
    "misspelt-key": "host=127.0.0.1 port=1 dbname=app pasword=Kq4vTzWm8yRj",
    "unterminated-quote": "host=127.0.0.1 port=1 dbname=app password='Kq4vTzWm8yRj",
    "bogus-query": "postgresql://app:Kq4vTzWm8yRj@127.0.0.1:1/app?bogus=1",
    "upper-case-key": "host=127.0.0.1 port=1 dbname=app PASSWORD=Kq4vTzWm8yRj",
    "raw-at": "postgresql://app:Kq4vTz@Wm8yRj@127.0.0.1:1/app",
    "raw-slash": "postgresql://app:Kq4vTz/Wm8yRj@127.0.0.1:1/app",
    "bad-percent": "postgresql://app:Kq4vTz%zzWm8yRj@127.0.0.1:1/app",
}
MALFORMED_PASSWORD = "Kq4vTzWm8yRj"
EXPECTED_CAUSE = {
    "unquoted-space": "an unquoted space",
    "misspelt-key": "an unknown key",
    "unterminated-quote": "no closing quote",
    "bogus-query": "an unknown key in the URI's query",
    "upper-case-key": "upper case",
    "raw-at": "a raw '@'",
    "raw-slash": "a raw '/'",
    "bad-percent": "'%'",
}

DSN_VERBS = [
    ["lint", "{tmp}/m.sql", "--dsn", "{dsn}"],
    ["rehearse", "{tmp}/m.sql", "--dsn", "{dsn}"],
    ["apply", "{tmp}/m.sql", "--dsn", "{dsn}"],
    ["backfill", "run", "--dsn", "{dsn}", "--table", "t", "--set", "a = 1"],
    ["backfill", "status", "--dsn", "{dsn}"],
    ["backfill", "pause", "job", "--dsn", "{dsn}"],
    ["backfill", "resume", "job", "--dsn", "{dsn}"],
    ["backfill", "stop", "job", "--dsn", "{dsn}"],
    ["backfill", "set", "job", "--batch-size", "10", "--dsn", "{dsn}"],
    ["backfill", "forget", "job", "--yes", "--dsn", "{dsn}"],
    ["schema", "dump", "--dsn", "{dsn}", "-o", "{tmp}/o.sql"],
    ["schema", "diff", "{dsn}", "{tmp}/m.sql"],
    ["schema", "diff", "env:bad", "{tmp}/m.sql"],
    ["lint", "{tmp}/m.sql", "--env", "bad"],
    ["rehearse", "{tmp}/m.sql", "--env", "bad"],
    ["backfill", "status", "--env", "bad"],
    ["step", "lint", "--init", "{tmp}/rb.toml", "add", "--audit-repo", "{tmp}/audit"],
    ["step", "rehearse", "--init", "{tmp}/rb.toml", "add", "--audit-repo", "{tmp}/audit"],
    ["step", "apply", "--init", "{tmp}/rb.toml", "add", "--audit-repo", "{tmp}/audit"],
    ["step", "backfill", "--init", "{tmp}/rb.toml", "fill", "--audit-repo", "{tmp}/audit"],
    ["step", "schema-diff", "--init", "{tmp}/rb.toml", "diff", "--audit-repo", "{tmp}/audit"],
    ["demo", "--headless", "--audit-repo", "{tmp}/demo-audit", "--data-dir", "{tmp}/pg"],
]

RUNBOOK = (
    '[runbook]\nid = "bad-dsn"\ntitle = "t"\n'
    '[environments.bad]\ndsn_env = "PHASETUI_BAD_DSN"\n'
    '[[phases]]\nid = "expand"\nkind = "expand"\n'
    '[[phases.steps]]\nid = "add"\nkind = "sql"\nenv = "bad"\nsql = "ALTER TABLE t ADD c int;"\n'
    '[[phases.steps]]\nid = "fill"\nkind = "backfill"\nenv = "bad"\ntable = "t"\nset = ["c = 1"]\n'
    '[[phases.steps]]\nid = "diff"\nkind = "schema-diff"\nenvs = ["bad", "bad"]\n'
)


@pytest.fixture
def bad_dsn_setup(tmp_path, monkeypatch):
    (tmp_path / "m.sql").write_text("ALTER TABLE t ADD COLUMN c int;\n")
    (tmp_path / "rb.toml").write_text(RUNBOOK)
    (tmp_path / "phasetui.toml").write_text('[environments.bad]\ndsn_env = "PHASETUI_BAD_DSN"\n')
    monkeypatch.setenv("PHASETUI_CONFIG", str(tmp_path / "phasetui.toml"))
    monkeypatch.setenv("PHASETUI_HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_dsn_gets_one_clean_sentence_from_every_verb(bad_dsn_setup, case, monkeypatch):
    from tests.secrets_support import assert_masked

    dsn = MALFORMED[case]
    tmp = bad_dsn_setup
    monkeypatch.setenv("PHASETUI_BAD_DSN", dsn)
    monkeypatch.setenv("PHASETUI_DEMO_DSN", dsn)
    for args in DSN_VERBS:
        argv = [a.format(tmp=tmp, dsn=dsn) for a in args]
        result = CliRunner().invoke(main, argv)
        label = f"{case}: {' '.join(args[:3])}"
        assert isinstance(result.exception, SystemExit), (label, result.exception)
        assert result.exit_code == 2, (label, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 2 and lines[1].startswith("  fix: "), (label, result.output)
        assert lines[0].startswith("phasetui: cannot read "), (label, result.output)
        assert EXPECTED_CAUSE[case] in lines[0], (label, result.output)
        assert_masked(result.output, MALFORMED_PASSWORD)
        assert "Traceback" not in result.output


def test_a_misspelt_or_upper_case_key_is_named_by_the_right_one():
    from phasetui.db.environments import check_dsn
    from phasetui.errors import BadInput

    with pytest.raises(BadInput) as info:
        check_dsn("host=h pasword=x", "--dsn")
    assert "did you mean `password`?" in info.value.hint
    with pytest.raises(BadInput) as info:
        check_dsn("host=h PASSWORD=x", "--dsn")
    assert "`password`" in info.value.hint and "lower case" in info.value.hint


# -- a server that is starting up or going away: retry, not "check the DSN" ---------------


@pytest.fixture
def private():
    from tests.pg_control import private_server

    srv = private_server()
    yield srv
    try:
        srv.stop("immediate")
    except Exception:  # noqa: BLE001 - already down
        pass


@pytest.mark.faults
def test_a_server_not_accepting_connections_yet_says_retry(private):
    """A standby with hot_standby off answers every connection with SQLSTATE 57P03, as a
    starting server does, for as long as it runs: a deterministic stand-in for start-up."""
    from psycopg.conninfo import conninfo_to_dict

    with psycopg.connect(private.dsn, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET hot_standby = off")
    private.stop()
    (private.data_dir / "standby.signal").write_text("")
    sock = conninfo_to_dict(private.dsn)["host"]
    private._ctl("start", "-o", f'-h "" -k {sock}', "-l", str(private.data_dir / "log"))
    for args in (
        ["backfill", "status", "--dsn", private.dsn],
        ["schema", "dump", "--dsn", private.dsn, "-o", str(private.data_dir.parent / "o.sql")],
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert "the server is starting up, shutting down or restarting" in result.output
        assert "fix: retry in a moment" in result.output
        assert "check the DSN" not in result.output


@pytest.mark.faults
def test_a_server_shutting_down_says_retry(private):
    held = psycopg.connect(private.dsn)  # a smart shutdown waits for it
    try:
        private._ctl("stop", "-m", "smart", "-W", wait=False)
        deadline = time.monotonic() + 10
        while True:
            result = CliRunner().invoke(main, ["backfill", "status", "--dsn", private.dsn])
            if "shutting down" in result.output or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        # backfill says it in its own words (and that re-running resumes); never "the DSN"
        assert "is shutting down" in result.output, result.output
        assert "re-run the same command" in result.output
        assert "check the DSN" not in result.output
    finally:
        held.close()


def test_a_terminated_connection_reads_as_a_restart(db_dsn):
    from phasetui.db.session import connect_error

    victim = psycopg.connect(db_dsn, autocommit=True)
    with psycopg.connect(db_dsn, autocommit=True) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", (victim.info.backend_pid,))
    with pytest.raises(psycopg.OperationalError) as info:
        victim.execute("SELECT 1")
    victim.close()
    err = connect_error(db_dsn, info.value)
    assert "the server is starting up, shutting down or restarting" in err.message, err.message
    assert err.hint.startswith("retry in a moment")
