"""Domain code must stay usable with no UI: checked statically and at run time."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import phasetui

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ["runbook", "sql", "schema", "db", "backfill", "ops", "audit", "demo", "jobs"]


def test_import_linter_contract_holds():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command; lint_imports_command()",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Domain code never imports Textual KEPT" in result.stdout


def _domain_modules() -> list[str]:
    names = []
    for pkg in DOMAIN:
        base = f"phasetui.{pkg}"
        names.append(base)
        path = [str(Path(phasetui.__file__).parent / pkg)]
        names += [f"{base}.{m.name}" for m in pkgutil.iter_modules(path)]
    return names


@pytest.mark.parametrize("module", _domain_modules())
def test_domain_module_imports_without_textual(module):
    code = f"import sys, {module}; assert 'textual' not in sys.modules, 'textual loaded'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_cli_help_loads_no_heavy_library():
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom phasetui.cli import main\n"
        "r = CliRunner().invoke(main, ['--help'])\nassert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('textual', 'psycopg', 'sqlglot') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
