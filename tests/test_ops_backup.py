"""The backup step: pg_dump into a never-overwritten file, checked, restorable, password-free."""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import textwrap
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from phasetui.cli import main
from phasetui.config import ProjectConfig
from phasetui.errors import UserError
from phasetui.ops import backup_files
from phasetui.ops.backup import check_archive, dump_command, run_step, take_backup
from phasetui.ops.outcome import StepContext
from phasetui.runbook.loader import load_runbook
from phasetui.schema.pgdump import PgDump, client_invocation, pick_pg_dump
from tests.helpers import write

HOSTILE_SCHEMA = "we ird"
HOSTILE_TABLE = 'Ta"b %s ü.x'
HOSTILE = sql.Identifier(HOSTILE_SCHEMA, HOSTILE_TABLE)
FIGURE_KEYS = {
    "path",
    "bytes",
    "sha256",
    "seconds",
    "pg_dump_version",
    "server_version",
    "format",
    "tables",
    "entries",
    "restore_command",
    "env",
}


def seed(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);"
            "INSERT INTO users SELECT g, 'u' || g || '@x.org' FROM generate_series(1, 1500) g;"
            "CREATE TABLE other (id int); INSERT INTO other SELECT generate_series(1, 7);"
        )
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(HOSTILE_SCHEMA)))
        conn.execute(sql.SQL("CREATE TABLE {} (v text)").format(HOSTILE))
        conn.execute(
            sql.SQL("INSERT INTO {} SELECT 'ü' || g FROM generate_series(1, 42) g").format(HOSTILE)
        )


def row_counts(dsn: str) -> dict[tuple[str, str], int]:
    with psycopg.connect(dsn) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        return {
            (s, t): conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(s, t))
            ).fetchone()[0]
            for s, t in tables
        }


def restore_into(result, fresh_dsn: str) -> None:
    """Runs the recorded restore command, aimed at another database (its -d swapped)."""
    argv = shlex.split(result.restore_command)
    argv[0] = result.pg_restore_path
    argv[argv.index("-d") + 1] = conninfo_to_dict(fresh_dsn)["dbname"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def source(make_db) -> str:
    dsn = make_db("src")
    seed(dsn)
    return dsn


def test_whole_database_backup_figures_and_round_trip(source, make_db, tmp_path):
    lines: list[str] = []
    dest = tmp_path / "new" / "backups"
    result = take_backup(
        source, "staging", name="pre_users_preferences", dest_dir=dest, progress=lines.append
    )
    figures = result.figures()
    assert FIGURE_KEYS <= set(figures)
    path = Path(figures["path"])
    assert path == dest.absolute() / "pre_users_preferences.dump" and path.is_absolute()
    assert figures["bytes"] == path.stat().st_size > 0
    assert figures["sha256"] == sha256(path)
    assert figures["format"] == "custom" and figures["tables"] == [] and figures["env"] == "staging"
    with psycopg.connect(source) as conn:
        server = conn.info.server_version
    assert figures["server_version"] == f"{server // 10000}.{server % 10000}"
    assert figures["pg_dump_version"].split(".")[0] == str(server // 10000)
    assert result.ok and figures["check"] == "ok"
    assert result.entry_types["TABLE DATA"] == 3 and figures["entries"] >= 7
    info = conninfo_to_dict(source)
    assert figures["restore_command"].startswith("pg_restore -h ")
    assert f"-d {info['dbname']}" in figures["restore_command"]
    assert figures["restore_command"].endswith(str(path))
    # private: the folders phasetui created are 0700, the file 0600; no partial left behind
    assert (dest.stat().st_mode & 0o777, dest.parent.stat().st_mode & 0o777) == (0o700, 0o700)
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in dest.iterdir()] == ["pre_users_preferences.dump"]
    # progress: one line per table, counted against the total
    dumped = [line for line in lines if line.startswith("dumping table")]
    assert len(dumped) == 3 and all(line.endswith("/3)") for line in dumped)
    assert any(HOSTILE_TABLE in line for line in dumped)

    fresh = make_db("restored")
    restore_into(result, fresh)
    assert (
        row_counts(fresh)
        == row_counts(source)
        == {
            ("public", "users"): 1500,
            ("public", "other"): 7,
            (HOSTILE_SCHEMA, HOSTILE_TABLE): 42,
        }
    )


def test_tables_backup_with_hostile_names_restores_only_those(source, make_db, tmp_path):
    lines: list[str] = []
    result = take_backup(
        source,
        "production",
        name="pre_some",
        tables=[f"{HOSTILE_SCHEMA}.{HOSTILE_TABLE}", "users"],
        dest_dir=tmp_path,
        progress=lines.append,
    )
    assert result.tables == ['"we ird"."Ta""b %s ü.x"', "public.users"]
    assert result.entry_types["TABLE DATA"] == 2 and result.ok
    assert [line for line in lines if line.startswith("dumping table")][-1].endswith("(2/2)")
    fresh = make_db("restored")
    with psycopg.connect(fresh, autocommit=True) as conn:  # the schema is not in a -t dump
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(HOSTILE_SCHEMA)))
    restore_into(result, fresh)
    assert row_counts(fresh) == {("public", "users"): 1500, (HOSTILE_SCHEMA, HOSTILE_TABLE): 42}
    # the same table by its SQL spelling
    again = take_backup(
        source, "p", name="sql_name", tables=['"we ird"."Ta""b %s ü.x"'], dest_dir=tmp_path
    )
    assert again.tables == result.tables[:1] and again.entry_types["TABLE DATA"] == 1


def test_an_unknown_table_is_named(source, tmp_path):
    with pytest.raises(UserError, match="no table 'nope' on staging"):
        take_backup(source, "staging", name="x", tables=["users", "nope"], dest_dir=tmp_path)
    assert not tmp_path.exists() or not list(tmp_path.iterdir())


def test_never_overwrites_an_existing_backup(source, tmp_path):
    old = tmp_path / "pre_x.dump"
    old.write_bytes(b"an older backup")
    second = take_backup(source, "staging", name="pre_x", dest_dir=tmp_path)
    third = take_backup(source, "staging", name="pre_x", dest_dir=tmp_path)
    assert old.read_bytes() == b"an older backup"
    assert (second.path.name, third.path.name) == ("pre_x-2.dump", "pre_x-3.dump")
    assert sha256(second.path) == second.sha256 and sha256(third.path) == third.sha256
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "pre_x-2.dump",
        "pre_x-3.dump",
        "pre_x.dump",
    ]


@pytest.mark.parametrize("fmt,ext", [("directory", ".dir"), ("plain", ".sql")])
def test_other_formats_are_checked(source, tmp_path, fmt, ext):
    result = take_backup(source, "staging", name="pre_f", dest_dir=tmp_path, fmt=fmt)
    assert result.path.name == "pre_f" + ext and result.ok
    assert result.entry_types["TABLE DATA"] == 3
    if fmt == "plain":
        assert result.restore_command.startswith("psql -h ") and " -f " in result.restore_command
        assert result.sha256 == sha256(result.path)
    else:
        assert result.path.is_dir() and result.bytes == sum(
            p.stat().st_size for p in result.path.iterdir()
        )


def test_a_damaged_archive_fails_the_check(source, tmp_path):
    result = take_backup(source, "staging", name="whole", dest_dir=tmp_path)
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(result.path.read_bytes()[:40])
    entries, _, error = check_archive(damaged, "custom", Path(result.pg_restore_path))
    assert entries == 0 and error and error.startswith("pg_restore --list failed")
    plain = tmp_path / "cut.sql"
    plain.write_text("--\n-- PostgreSQL database dump\n--\n")
    assert "incomplete" in check_archive(plain, "plain", None)[2]


def test_a_stop_mid_dump_leaves_no_file(source, tmp_path):
    """pg_dump waits for a lock a migration holds; the stop ends it and removes its file."""
    stop = threading.Event()
    caught: list[BaseException] = []
    app = f"holder-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(source, application_name=app) as holder:
        holder.execute("LOCK TABLE other IN ACCESS EXCLUSIVE MODE")

        def work() -> None:
            try:
                take_backup(source, "staging", name="stopped", dest_dir=tmp_path, stop=stop)
            except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
                caught.append(exc)

        worker = threading.Thread(target=work)
        worker.start()
        with psycopg.connect(source, autocommit=True) as watcher:
            for _ in range(300):
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND application_name <> %s",
                    (app,),
                ).fetchone()[0]
                if waiting:
                    break
                time.sleep(0.1)
            assert waiting, "pg_dump never waited for the lock"
            partial = [p for p in tmp_path.iterdir() if ".partial-" in p.name]
            assert partial and partial[0].name.startswith(".")  # hidden while it runs
            stop.set()
            worker.join(timeout=30)
    assert not worker.is_alive()
    assert isinstance(caught[0], UserError) and "stopped" in caught[0].message
    assert list(tmp_path.iterdir()) == []


def test_a_failed_dump_reports_pg_dump_and_leaves_no_file(source, pg_admin_dsn, tmp_path):
    role = f"nobody_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        dsn = make_conninfo(source, user=role)
        with pytest.raises(UserError) as info:
            take_backup(dsn, "staging", name="denied", dest_dir=tmp_path)
        assert "pg_dump" in info.value.message and "permission denied" in info.value.message
        assert list(tmp_path.iterdir()) == []
    finally:
        with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_no_password_in_the_command_line_evidence_or_restore_command(source, tmp_path, monkeypatch):
    secret = "Sekr3t-pw-" + uuid.uuid4().hex[:6]
    dsn = make_conninfo(source, password=secret)  # the test server trusts; libpq sends it
    conninfo, env = client_invocation(dsn)
    argv = dump_command(Path("pg_dump"), conninfo, tmp_path / "x", "custom", [])
    assert secret not in " ".join(argv) and env["PGPASSWORD"] == secret
    lines: list[str] = []
    monkeypatch.setenv("BACKUP_TEST_DSN", dsn)
    rb = runbook(tmp_path, 'dir = "bk"\n')
    outcome = run_step(context(rb, lines.append, tmp_path))
    texts = [*map(str, outcome.files.values()), json.dumps(outcome.figures), outcome.summary]
    assert outcome.ok and not any(secret in t for t in [*texts, *lines])
    assert "password=" not in outcome.figures["restore_command"].lower()


def test_chooser_names_the_versions_found_when_none_serves_the_server():
    available = [PgDump(Path("/usr/bin/pg_dump"), 15), PgDump(Path("/opt/pg/18/pg_dump"), 18)]
    with pytest.raises(UserError) as info:
        pick_pg_dump(19, available)
    message, hint = info.value.message, info.value.hint
    assert "PostgreSQL 19" in message and "pg_dump 15 (/usr/bin/pg_dump)" in message
    assert "pg_dump 18 (/opt/pg/18/pg_dump)" in message
    assert "postgresql-client-19" in hint and "PATH" in hint
    assert pick_pg_dump(15, available).major == 15  # the same major first
    assert pick_pg_dump(16, available).major == 18  # else a newer one
    with pytest.raises(UserError, match="found: none"):
        pick_pg_dump(16, [])


def runbook(tmp_path: Path, extra: str = "", tables: str = "") -> object:
    text = textwrap.dedent(
        """\
        [runbook]
        id = "users-preferences"
        title = "Users preferences"

        [environments.staging]
        dsn_env = "BACKUP_TEST_DSN"

        [[phases]]
        id = "prepare"
        kind = "prepare"

        [[phases.steps]]
        id = "backup-staging"
        kind = "backup"
        env = "staging"
        """
    )
    return load_runbook(write(tmp_path / "rb" / "runbook.toml", text + tables + extra))


def context(rb, progress, tmp_path: Path, config=None) -> StepContext:
    """The runner's context for the runbook's step (its DSN in $BACKUP_TEST_DSN)."""
    env = rb.environments["staging"]
    return StepContext(
        step=rb.step("backup-staging"),
        runbook=rb,
        target=env,
        environments=dict(rb.environments),
        progress=progress,
        config=config or ProjectConfig(),
        run_dir=tmp_path / "run",
    )


def test_run_step_names_files_and_evidence(source, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKUP_TEST_DSN", source)
    rb = runbook(tmp_path, 'dir = "../dumps"\n', 'tables = ["users"]\n')
    lines: list[str] = []
    outcome = run_step(context(rb, lines.append, tmp_path))
    assert outcome.kind == "backup" and outcome.ok
    assert set(outcome.files) == {"backup/backup-staging.md", "backup/backup-staging.json"}
    path = tmp_path / "dumps" / "pre_users_preferences.dump"
    assert outcome.figures["path"] == str(path.absolute()) and path.is_file()
    assert json.loads(outcome.files["backup/backup-staging.json"]) == outcome.figures
    md = outcome.files["backup/backup-staging.md"]
    assert outcome.figures["sha256"] in md and outcome.figures["restore_command"] in md
    assert (
        outcome.summary.startswith("pre_users_preferences.dump ") and "1 table" in outcome.summary
    )
    assert any("dumping table public.users (1/1)" == line for line in lines)


def test_folder_from_phasetui_toml_then_phasetui_home(tmp_path, monkeypatch):
    cfg = ProjectConfig(tmp_path / "proj" / "phasetui.toml", {"backups": {"dir": "dumps"}})
    assert backup_files.backup_dir(None, tmp_path, cfg) == tmp_path / "proj" / "dumps"
    assert backup_files.backup_dir("here", tmp_path / "rb", cfg) == tmp_path / "rb" / "here"
    monkeypatch.setenv("PHASETUI_HOME", str(tmp_path / "home"))
    assert backup_files.backup_dir(None, None, ProjectConfig()) == tmp_path / "home" / "backups"
    with pytest.raises(UserError, match="not a plain file name"):
        backup_files.check_name("../escape")


def test_cli_backup_json_and_text(source, tmp_path, monkeypatch):
    cfg = write(
        tmp_path / "proj" / "phasetui.toml",
        '[environments.staging]\ndsn_env = "BACKUP_CLI_DSN"\n\n[backups]\ndir = "dumps"\n',
    )
    monkeypatch.setenv("PHASETUI_CONFIG", str(cfg))
    monkeypatch.setenv("BACKUP_CLI_DSN", source)
    result = CliRunner().invoke(
        main, ["backup", "--env", "staging", "--table", "other", "--name", "n1", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["path"] == str(tmp_path / "proj" / "dumps" / "n1.dump")
    assert figures["tables"] == ["public.other"] and figures["env"] == "staging"
    assert "dumping table public.other (1/1)" in result.stderr
    result = CliRunner().invoke(main, ["backup", "--dsn", source, "--dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    [made] = list((tmp_path / "d").iterdir())
    assert made.name.startswith(conninfo_to_dict(source)["dbname"] + "_20")
    assert f"backup:  {made}" in result.stdout and "restore: pg_restore -h " in result.stdout
    assert sha256(made) in result.stdout
    result = CliRunner().invoke(main, ["backup", "--dsn", source, "--table", "nope"])
    assert result.exit_code == 1 and "no table 'nope'" in result.stderr
