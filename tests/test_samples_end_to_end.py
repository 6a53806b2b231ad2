"""Every sample runbook passes end to end on demo data: staging first, then production,
headless, through the CLI a DBA types; the run folder then holds evidence for every
checklist item and the report names the backup file and its restore command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from phasetui.audit.repo import AuditRepo
from phasetui.cli import main
from phasetui.demo.seed import seed
from tests.helpers import SAMPLES

SAMPLE_FILES = sorted(p.name for p in SAMPLES.glob("*.toml"))


@pytest.fixture
def demo_envs(make_db, monkeypatch, tmp_path):
    staging, production = make_db("stg"), make_db("prd")
    seed(staging, users=300, staging=True)
    seed(production, users=3000, staging=False)
    monkeypatch.setenv("PHASETUI_STAGING_DSN", staging)
    monkeypatch.setenv("PHASETUI_PRODUCTION_DSN", production)
    config = tmp_path / "phasetui.toml"
    config.write_text(f'[backups]\ndir = "{tmp_path / "backups"}"\n')
    monkeypatch.setenv("PHASETUI_CONFIG", str(config))
    return staging, production


def _run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


@pytest.mark.parametrize("sample", SAMPLE_FILES)
def test_sample_passes_on_staging_then_production(sample, demo_envs, tmp_path):
    audit = str(tmp_path / "audit")
    runbook = str(SAMPLES / sample)
    code, out = _run("run", runbook, "--env", "staging", "--headless", "--yes",
                     "--audit-repo", audit)  # fmt: skip
    assert code == 0, out
    # production stops at its first write until its name is typed back, having run nothing
    code, out = _run("run", runbook, "--env", "production", "--headless", "--yes",
                     "--audit-repo", audit)  # fmt: skip
    assert code in (0, 4), out
    if code == 4:
        assert "type its name" in out
    code, out = _run("run", runbook, "--env", "production", "--headless", "--yes",
                     "--yes-i-mean-production", "production", "--audit-repo", audit)  # fmt: skip
    assert code == 0, out
    repo = AuditRepo.open(audit, create=False)
    runs = {s.target: s for s in repo.runs()}
    assert set(runs) == {"staging", "production"}
    prod = repo.state(runs["production"].run_id)
    for entry in prod.checklist:
        if entry.evidence:
            result = prod.evidence(entry.id)
            assert result is not None and result.ok, (entry.id, result)
            for rel in result.files:
                assert (repo.run_dir(prod.run_id) / rel).is_file(), rel
    report_results = [r for r in prod.results.values() if r.kind == "report"]
    backups = [ev for ev in prod.events if ev.kind == "backup" and ev.payload.get("ok")]
    if backups and report_results:
        text = (repo.run_dir(prod.run_id) / report_results[-1].files[0]).read_text()
        assert backups[-1].payload["path"] in text
        assert backups[-1].payload["restore_command"] in text
        assert "pg_restore" in text


def test_users_preferences_production_shows_the_staging_rehearsal(demo_envs, tmp_path):
    audit = str(tmp_path / "audit")
    runbook = str(SAMPLES / "users_preferences.toml")
    # production before any staging run: each step asks; without --yes it is gated
    code, out = _run("step", "run", runbook, "add-column", "--env", "production",
                     "--yes-i-mean-production", "production", "--audit-repo", audit,
                     "--init")  # fmt: skip
    assert code == 4 and "never succeeded in any staging run" in out, out
    assert _run("run", runbook, "--env", "staging", "--headless", "--yes",
                "--audit-repo", audit)[0] == 0  # fmt: skip
    code, out = _run("step", "run", runbook, "add-column", "--env", "production",
                     "--yes-i-mean-production", "production", "--audit-repo", audit)  # fmt: skip
    assert code == 0, out
    assert "add-column: in the staging run" in out and "applied on staging" in out
    # again: it says so and asks; unanswered, nothing is applied twice
    code, out = _run("step", "run", runbook, "add-column", "--env", "production",
                     "--yes-i-mean-production", "production", "--audit-repo", audit)  # fmt: skip
    assert code == 0 and "skipped" in out and "already done" in out, out
    repo = AuditRepo.open(audit, create=False)
    prod = next(s for s in repo.runs() if s.target == "production")
    applies = [ev for ev in repo.events(prod.run_id) if ev.kind == "apply"]
    assert len(applies) == 1
    report = json.loads((repo.run_dir(prod.run_id) / "apply/add-column.json").read_text())
    assert report
