"""Every verb that connects reports a failed connection the same way: cause, fix, no password."""

from __future__ import annotations

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
