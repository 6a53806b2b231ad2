"""`phasetui demo`: headless set-up on the test server and on its own embedded server, and the
interactive demo driven in a real terminal (tmux)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.helpers import ROOT, git


def demo(*args: str, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["phasetui", "demo", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=ROOT,
    )


@pytest.fixture
def demo_env(pg_admin_dsn, tmp_path):
    env = dict(os.environ, PHASETUI_DEMO_DSN=pg_admin_dsn, PHASETUI_HOME=str(tmp_path / "home"))
    yield env
    with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
        for name in ("phasetui_staging", "phasetui_production"):
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_headless_demo_sets_up_and_is_reused(demo_env, tmp_path):
    audit = tmp_path / "audit"
    first = demo(
        "--headless", "--reset", "--rows", "2000", "--audit-repo", str(audit), env=demo_env
    )
    assert first.returncode == 0, first.stderr
    facts = json.loads(first.stdout)
    assert facts["run_created"] and facts["audit_repo"] == str(audit)
    assert {e["seeded_now"] for e in facts["environments"].values()} == {True}
    production = facts["environments"]["production"]
    assert production["variable"] == "PHASETUI_PRODUCTION_DSN"
    assert facts["server"]["stop"] is None  # not phasetui's server: nothing to stop
    assert facts["config"]["path"] == demo_env["PHASETUI_HOME"] + "/phasetui.toml"
    with psycopg.connect(production["dsn"]) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM surveys), "
            "(SELECT count(*) FROM documents), (SELECT count(*) FROM grades), "
            "(SELECT count(*) FROM migrations)"
        ).fetchone()
    assert counts == (2000, 500, 1000, 10000, 4)
    with psycopg.connect(facts["environments"]["staging"]["dsn"]) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 200
        assert conn.execute("SELECT count(*) FROM migrations").fetchone()[0] == 5
    assert (audit / "runs" / facts["run_id"] / "runbook.toml").is_file()

    again = demo("--headless", "--rows", "2000", "--audit-repo", str(audit), env=demo_env)
    facts2 = json.loads(again.stdout)
    assert facts2["run_id"] == facts["run_id"] and not facts2["run_created"]
    assert {e["seeded_now"] for e in facts2["environments"].values()} == {False}


def test_unreachable_demo_server_is_a_clear_message(tmp_path):
    env = dict(
        os.environ,
        PHASETUI_DEMO_DSN="postgresql://nobody:pw-should-not-show@127.0.0.1:1/x",
        PHASETUI_HOME=str(tmp_path),
    )
    result = demo("--headless", env=env, timeout=60)
    assert result.returncode == 1
    assert "cannot reach the demo server nobody@127.0.0.1:1/x" in result.stderr
    assert "pw-should-not-show" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_headless_demo_on_its_own_embedded_server(tmp_path):
    # Outside pytest's basetemp: a concurrent pytest session may chmod it 0700, and run as
    # root the server's own user must reach its data directory.
    scratch = Path(tempfile.mkdtemp(prefix="phasetui-demotest-"))
    data = scratch / "pg"
    env = {k: v for k, v in os.environ.items() if k != "PHASETUI_DEMO_DSN"}
    env["PHASETUI_HOME"] = str(tmp_path / "home")
    try:
        result = demo("--headless", "--rows", "500", "--data-dir", str(data), env=env)
        assert result.returncode == 0, result.stderr
        facts = json.loads(result.stdout)
        assert facts["server"]["embedded"] and facts["server"]["data_dir"] == str(data)
        assert facts["audit_repo"] == str(tmp_path / "home" / "audit")
        started = time.monotonic()
        again = demo("--headless", "--rows", "500", "--data-dir", str(data), env=env)
        assert again.returncode == 0 and time.monotonic() - started < 30
        assert not json.loads(again.stdout)["environments"]["staging"]["seeded_now"]
        stopped = demo("--stop", "--data-dir", str(data), env=env)
        assert stopped.returncode == 0 and "Stopped the demo's PostgreSQL" in stopped.stdout
    finally:
        from phasetui.demo.server import is_running, stop_embedded

        if is_running(data):
            stop_embedded(data)
        shutil.rmtree(scratch, ignore_errors=True)


def _screen(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
    ).stdout


def _wait_for(session: str, text: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        screen = _screen(session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; screen:\n{_screen(session)}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_interactive_demo_in_a_real_terminal(demo_env, tmp_path):
    audit = tmp_path / "audit"
    session = f"phasetui-demo-{os.getpid()}"
    exports = " ".join(f"{k}='{demo_env[k]}'" for k in ("PHASETUI_DEMO_DSN", "PHASETUI_HOME"))
    command = (
        f"cd {ROOT} && env {exports} phasetui demo --reset --rows 1000 "
        f"--audit-repo {audit} --as 'Demo DBA <dba@example.org>'; sleep 5"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True
    )
    try:
        _wait_for(session, "Checklist 0/6")
        _wait_for(session, "? Help")  # the footer may paint a frame later
        screen = _wait_for(session, "1. Backup taken")  # a loaded machine paints in parts
        assert "Preparation" in screen and "1. Backup taken" in screen
        assert "t Tick" in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "c", "t"], check=True)
        _wait_for(session, "Note (optional)")
        subprocess.run(["tmux", "send-keys", "-t", session, "-l", "demo backup ok"], check=True)
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
        _wait_for(session, "Checklist 1/6")
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        screen = _wait_for(session, "is recorded in")
        assert "export PHASETUI_STAGING_DSN=" in screen
        assert "export PHASETUI_CONFIG=" in screen
        assert "which phasetui does not stop" in screen  # $PHASETUI_DEMO_DSN's server
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    log = git(audit, "log", "-1", "--format=%an|%s")
    assert log.startswith("Demo DBA|") and log.strip().endswith(": tick backup")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_tui_exits_when_its_terminal_goes_away(tmp_path):
    """A dropped SSH session (SIGHUP) must end the TUI, not leave it spinning on a dead tty."""
    audit = tmp_path / f"audit-{os.getpid()}"
    session = f"phasetui-hup-{os.getpid()}"
    runbook = ROOT / "sample_runbooks" / "online_migration_checklist.md"
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "80",
            "-y",
            "24",
            f"phasetui run {runbook} --audit-repo {audit}",
        ],
        check=True,
    )
    try:
        _wait_for(session, "Checklist 0/6")
        pids = subprocess.run(["pgrep", "-f", str(audit)], capture_output=True, text=True)
        assert pids.stdout.strip(), "the TUI process was not found"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if subprocess.run(["pgrep", "-f", str(audit)], capture_output=True).returncode == 1:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the TUI kept running after its terminal went away")
    assert git(audit, "status", "--porcelain") == ""
