"""The nastiest inputs found in review, through the installed `phasetui` as a user runs it:
`check` and `lint -` exit 2 with one message naming the position, and never a traceback."""

from __future__ import annotations

import subprocess

import pytest

HEAD = (
    '[runbook]\nid = "t"\ntitle = "T"\n[environments.staging]\ndsn_env = "X"\n'
    '[[phases]]\nid = "expand"\n[[phases.steps]]\nid = "s"\n'
)  # the step's keys start at line 10
SQL = HEAD + 'kind = "sql"\nenv = "staging"\nsql = "SELECT 1"\n'  # next key: line 13
FILL = HEAD + 'kind = "backfill"\nenv = "staging"\ntable = "t"\nset = ["a = 1"]\n'  # line 14

# (file name, bytes, line, the start of the message)
RUNBOOKS = [
    ("kind-list.toml", HEAD + "kind = []\n", 10, "`kind` must be a string"),
    ("kind-table.toml", HEAD + "kind = {}\n", 10, "`kind` must be a string"),
    ("steps-true.toml", HEAD + 'kind = "check"\n[rollback]\nsteps = true\n', 12, "`steps` must"),
    ("steps-5.toml", HEAD + 'kind = "check"\n[rollback]\nsteps = 5\n', 12, "`steps` must"),
    ("inf.toml", SQL + "lock_timeout = inf\n", 13, "`lock_timeout`: inf is not a duration"),
    ("1e300.toml", SQL + "statement_timeout = 1e300\n", 13, "`statement_timeout`: 1e+300 is"),
    ("nan.toml", FILL + "pause_seconds = nan\n", 14, "`pause_seconds`: nan is not"),
    ("zone.toml", FILL + 'window = "22:00-06:00 Mars/Base"\n', 14, "`window`: unknown time zone"),
    ("digits.toml", SQL + "retries = 1" + "0" * 5000 + "\n", 13, "a number with too many digits"),
    ("nested.toml", SQL + "x = " + "[" * 5000 + "]" * 5000 + "\n", 13, "arrays or tables nested"),
    (
        "escape.toml",
        HEAD + 'kind = "check"\ntitle = "\\u001b[2J"\n',
        11,
        "`title` holds the control",
    ),
    ("latin1.toml", HEAD.encode() + b'kind = "check"\ntitle = "caf\xe9"\n', 11, "is not UTF-8"),
    ("binary.toml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "is not UTF-8"),
    ("nul.md", "# G\n## S\n- [ ] ok\x00\n", 3, "column 9 holds a NUL byte"),
    (
        "bom-crlf.toml",
        "\ufeff" + (SQL + 'lock_timeout = "soon"\n').replace("\n", "\r\n"),
        13,
        "`lock_timeout` must be a duration",
    ),
]


def test_check_refuses_each_nasty_runbook_with_one_message_at_its_line(tmp_path):
    paths = []
    for name, content, _line, _message in RUNBOOKS:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        paths.append(path)
    out = subprocess.run(
        ["phasetui", "check", *map(str, paths)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and not out.stdout
    lines = out.stderr.splitlines()
    assert len(lines) == len(RUNBOOKS), out.stderr
    for path, (_name, _content, line, message), shown in zip(paths, RUNBOOKS, lines, strict=True):
        assert shown.startswith(f"{path}:{line}: {message}"), shown


UTF16 = "SELECT 1;\n".encode("utf-16")
STDIN = [
    (
        '  2026_01_10_120000_add ....\n  ⇂ alter table "users" add column "x'.encode()
        + b'\xff" int\n',
        "<stdin>:2:38: not UTF-8 (byte 0xff)",
    ),
    (UTF16, "<stdin>:1:1: not UTF-8 (byte 0xff)"),
    (b"SELECT 1;\x00 CREATE INDEX i ON users (a);\n", "<stdin>:1:10: a NUL character"),
    (b"SELECT 1;\nSELECT " + b"/*" * 50_000 + b"\n", "<stdin>:2:8: a run of 100000 operator"),
    ("SELECT 1;\u2028CREATE INDEX i ON users (a);\n".encode(), "<stdin>:1:10: syntax error"),
    (b"ALTER TABLE users ADD COLUMN;\n", "<stdin>:1:29: syntax error"),
]


@pytest.mark.parametrize(("data", "message"), STDIN, ids=[m.split(": ")[1] for _, m in STDIN])
def test_lint_stdin_refuses_each_nasty_input_with_one_message(data, message):
    out = subprocess.run(["phasetui", "lint", "-"], input=data, capture_output=True, timeout=60)
    stderr = out.stderr.decode("utf-8")
    assert out.returncode == 2, stderr
    assert "Traceback" not in stderr and not out.stdout
    lines = stderr.splitlines()
    assert lines[0].startswith(f"phasetui: {message}"), stderr
    assert len(lines) == 2 and lines[1].startswith("  fix: "), stderr


def test_a_reader_that_closes_early_gets_no_traceback(tmp_path):
    """`phasetui runs | head -1`: the pipe closes after one line; no traceback on stderr."""
    import subprocess
    import sys

    from phasetui.audit.identity import Person
    from phasetui.audit.repo import AuditRepo

    repo = AuditRepo.open(tmp_path / "audit")
    for n in range(300):
        repo.start_run(runbook_id="r", title="t" * 60, runbook_text="", runbook_name="rb.toml",
                       checklist=[], who=Person("A", "a@x.org"), run_id=f"run-{n:03d}")  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "phasetui", "runs", "--audit-repo", str(repo.path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    proc.stdout.readline()
    proc.stdout.close()  # as `head -1` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
