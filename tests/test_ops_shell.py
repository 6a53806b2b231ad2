"""shell: exit codes, streaming order, timeout, stop, cwd, masking, lint_output."""

from __future__ import annotations

import json
import os
import textwrap
import threading
import time

import pytest

from phasetui.config import ProjectConfig
from phasetui.errors import UserError
from phasetui.ops.outcome import StepContext
from phasetui.ops.shell import run_step
from phasetui.runbook.errors import RunbookError
from phasetui.runbook.loader import load_runbook
from tests.helpers import write

HEAD = """\
[runbook]
id = "t"
title = "Test"

[[phases]]
id = "{phase}"
kind = "{phase}"

[[phases.steps]]
id = "sh"
kind = "shell"
"""


def context(tmp_path, body: str, phase: str = "expand", **kw) -> StepContext:
    text = HEAD.format(phase=phase) + textwrap.dedent(body)
    rb = load_runbook(write(tmp_path / "rb.toml", text))
    return StepContext(step=rb.step("sh"), runbook=rb, config=ProjectConfig(), **kw)


def test_exit_zero_is_ok_and_recorded(tmp_path):
    out = run_step(context(tmp_path, 'command = "echo one; echo two >&2; echo three"\n'))
    assert out.ok and out.kind == "shell"
    assert out.files["shell/sh.log"] == "one\ntwo\nthree\n"
    data = json.loads(out.files["shell/sh.json"])
    assert data["argv"] == ["/bin/sh", "-c", "echo one; echo two >&2; echo three"]
    assert data["exit_code"] == 0 and data["lines"] == 3 and data["seconds"] >= 0
    assert data["cwd"] == str(tmp_path.resolve())
    assert out.summary.startswith("exit 0 in ")


@pytest.mark.parametrize("code", [1, 3, 127])
def test_a_nonzero_exit_is_not_ok(tmp_path, code):
    out = run_step(context(tmp_path, f'command = "echo failing; exit {code}"\n'))
    assert not out.ok and out.figures["exit_code"] == code
    assert out.summary.startswith(f"exit {code} in ")


def test_a_list_is_argv_and_not_a_shell(tmp_path):
    out = run_step(context(tmp_path, 'command = ["echo", "$HOME", "a;b"]\n'))
    assert out.ok and out.files["shell/sh.log"] == "$HOME a;b\n"


def test_a_missing_program_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="command not found: no-such-program-xyz"):
        run_step(context(tmp_path, 'command = ["no-such-program-xyz"]\n'))


def test_lines_stream_in_order_as_they_come(tmp_path):
    seen: list[tuple[float, str]] = []
    ctx = context(
        tmp_path,
        'command = "echo first; sleep 0.6; echo second >&2; sleep 0.6; echo third"\n',
        progress=lambda line: seen.append((time.monotonic(), line)),
    )
    t0 = time.monotonic()
    out = run_step(ctx)
    assert out.ok and [line for _, line in seen] == ["first", "second", "third"]
    # the first line arrived while the command still ran, not at its end
    assert seen[0][0] - t0 < 0.5 and seen[2][0] - seen[0][0] > 1.0


def test_cwd_is_relative_to_the_runbook_folder(tmp_path):
    (tmp_path / "app").mkdir()
    out = run_step(context(tmp_path, 'command = "pwd"\ncwd = "app"\n'))
    assert out.files["shell/sh.log"].strip() == str((tmp_path / "app").resolve())
    with pytest.raises(UserError) as info:
        run_step(context(tmp_path, 'command = "pwd"\ncwd = "nowhere"\n'))
    assert "nowhere" in info.value.message and "rb.toml:9" in info.value.hint


def test_timeout_kills_the_whole_process_group(tmp_path):
    marker = tmp_path / "child-lived"
    body = f'command = "(sleep 3; touch \'{marker}\') & echo started; sleep 30"\ntimeout = "1s"\n'
    t0 = time.monotonic()
    out = run_step(context(tmp_path, body))
    assert time.monotonic() - t0 < 10
    assert not out.ok and out.figures["timed_out"] is True
    assert out.summary.startswith("timed out after 1s (killed)")
    assert out.files["shell/sh.log"] == "started\n"
    time.sleep(3.5)
    assert not marker.exists()  # the background child went with the group


def test_stop_terminates_the_command(tmp_path):
    stop = threading.Event()
    ctx = context(
        tmp_path,
        'command = "echo go; sleep 30"\n',
        stop=stop,
        progress=lambda line: stop.set() if line == "go" else None,
    )
    t0 = time.monotonic()
    out = run_step(ctx)
    assert time.monotonic() - t0 < 10
    assert not out.ok and out.figures["stopped"] is True
    assert out.summary.startswith("stopped by the operator")


def test_passwords_are_masked_in_the_log_and_the_stream(tmp_path):
    seen: list[str] = []
    # (a runbook holding the URI itself is refused by the loader: the command prints it)
    (tmp_path / "log.txt").write_text("connecting to postgresql://app:s3cretpw@db/app\n")
    body = f'command = ["cat", "{tmp_path / "log.txt"}"]\n'
    out = run_step(context(tmp_path, body, progress=seen.append))
    assert "s3cretpw" not in out.files["shell/sh.log"] and "s3cretpw" not in seen[0]
    assert "postgresql://app:***@db/app" in out.files["shell/sh.log"]


def test_the_environment_name_reaches_the_command_never_a_dsn(tmp_path, monkeypatch):
    from phasetui.db.environments import Environment

    env = Environment(name="staging", dsn_env="KINDS_SHELL_DSN")
    out = run_step(context(tmp_path, 'command = "echo $PHASETUI_ENV $PHASETUI_STEP"\n', target=env))
    assert out.files["shell/sh.log"] == "staging sh\n"


def test_lint_output_flags_an_unsafe_create_index(tmp_path):
    body = "command = \"echo 'CREATE INDEX users_email ON users (email);'\"\nlint_output = true\n"
    out = run_step(context(tmp_path, body, phase="expand"))
    assert not out.ok  # the command succeeded; the lint did not
    assert out.figures["exit_code"] == 0
    assert out.figures["lint"]["errors"] >= 1 and out.figures["lint"]["phase"] == "expand"
    assert "create-index-not-concurrent" in out.figures["lint"]["rules"]
    assert "create-index-not-concurrent" in out.files["shell/sh.lint.md"]
    assert "lint (expand): 1 errors" in out.summary


def test_lint_output_passes_a_safe_migration(tmp_path):
    body = (
        "command = \"echo 'CREATE INDEX CONCURRENTLY users_email ON users (email);'\"\n"
        "lint_output = true\n"
    )
    out = run_step(context(tmp_path, body))
    assert out.ok and out.figures["lint"]["errors"] == 0 and "shell/sh.lint.md" in out.files


def test_lint_output_reads_artisan_pretend_output(tmp_path):
    pretend = tmp_path / "pretend.txt"
    pretend.write_text(
        "\n   INFO  Running migrations.\n\n"
        "  2024_05_01_000000_add_index_to_users ..........................\n"
        '  ⇂ create index "users_email_index" on "users" ("email")\n\n',
        encoding="utf-8",
    )
    out = run_step(context(tmp_path, f'command = ["cat", "{pretend}"]\nlint_output = true\n'))
    assert not out.ok and "create-index-not-concurrent" in out.figures["lint"]["rules"]
    assert "2024_05_01_000000_add_index_to_users" in out.files["shell/sh.lint.md"]


def test_lint_output_uses_the_phase_kind(tmp_path):
    # a DROP COLUMN is an error outside the contract phase, allowed (a warning at most) in it
    body = "command = \"echo 'ALTER TABLE users DROP COLUMN legacy;'\"\nlint_output = true\n"
    expand = run_step(context(tmp_path, body, phase="expand"))
    contract = run_step(context(tmp_path, body, phase="contract"))
    assert expand.figures["lint"]["phase"] == "expand"
    assert contract.figures["lint"]["phase"] == "contract"
    assert expand.figures["lint"]["errors"] > contract.figures["lint"]["errors"]


def test_lint_output_that_is_not_sql_fails_with_its_reason(tmp_path):
    out = run_step(context(tmp_path, 'command = "echo hello world"\nlint_output = true\n'))
    assert not out.ok and out.figures["lint"] == {"phase": "expand", "readable": False}
    assert "could not be read as SQL" in out.files["shell/sh.lint.md"]


def test_without_lint_output_nothing_is_linted(tmp_path):
    body = "command = \"echo 'CREATE INDEX users_email ON users (email);'\"\n"
    out = run_step(context(tmp_path, body))
    assert out.ok and "lint" not in out.figures and "shell/sh.lint.md" not in out.files


@pytest.mark.parametrize(
    ("body", "line", "text"),
    [
        ('command = "x"\nlint_output = "yes"\n', 13, "`lint_output` must be true or false"),
        ('command = "x"\ntimeout = "forever"\n', 13, "`timeout`"),
    ],
)
def test_check_refuses_bad_shell_fields_at_their_line(tmp_path, body, line, text):
    path = write(tmp_path / "rb.toml", HEAD.format(phase="expand") + body)
    with pytest.raises(RunbookError) as info:
        load_runbook(path)
    [problem] = info.value.problems
    assert problem.line == line and text in problem.message, problem


def test_no_process_is_left_behind(tmp_path):
    before = set(os.listdir("/proc"))
    run_step(context(tmp_path, 'command = "sleep 30"\ntimeout = "500ms"\n'))
    time.sleep(0.5)
    leftover = []
    for pid in set(os.listdir("/proc")) - before:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"sleep\x0030" in f.read():
                    leftover.append(pid)
        except OSError:
            pass
    assert not leftover
