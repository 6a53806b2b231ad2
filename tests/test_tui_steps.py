"""Enter on a step in the TUI runs it through the one runner, whatever its kind, or says
exactly why not: results land in the run like a headless run's, questions are dialogs."""

from __future__ import annotations

import textwrap

import pytest

from phasetui.audit.repo import AuditRepo
from phasetui.audit.runs import open_run
from phasetui.demo.seed import seed
from phasetui.runbook.loader import load_runbook
from phasetui.tui.app import PhaseApp
from phasetui.tui.schema_diff_screen import SchemaDiffScreen
from phasetui.tui.sql_step_screen import SqlStepScreen
from phasetui.tui.text_dialog import TextDialog
from tests.helpers import SAMPLES
from tests.tui_fixtures import ALICE

EXTRA = textwrap.dedent(
    """
    [runbook]
    id = "extra-kinds"
    title = "Manual check and shell"

    [environments.staging]
    dsn_env = "PHASETUI_STAGING_DSN"
    rehearsal_allowed = true

    [[phases]]
    id = "prepare"

    [[phases.steps]]
    id = "app-deployed"
    kind = "check"
    instructions = "The app reads both columns"

    [[phases.steps]]
    id = "pretend"
    kind = "shell"
    command = "echo 'ALTER TABLE users ADD COLUMN x int;'"
    """
)


@pytest.fixture
def demo_envs(make_db, monkeypatch, tmp_path):
    staging, production = make_db("stg"), make_db("prd")
    seed(staging, users=200, staging=True)
    seed(production, users=2000, staging=False)
    monkeypatch.setenv("PHASETUI_STAGING_DSN", staging)
    monkeypatch.setenv("PHASETUI_PRODUCTION_DSN", production)
    config = tmp_path / "phasetui.toml"
    config.write_text(f'[backups]\ndir = "{tmp_path / "backups"}"\n')
    monkeypatch.setenv("PHASETUI_CONFIG", str(config))
    return staging, production


async def settle(pilot, rounds: int = 6) -> None:
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def _app(tmp_path, runbook, env: str) -> PhaseApp:
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = open_run(repo, runbook, who=ALICE, env=env).run_id
    return PhaseApp(runbook, repo, run_id, ALICE, poll=False)


async def _enter(pilot, step_id: str) -> None:
    """Moves the phases tree's cursor to ``step_id`` (as arrow keys would) and presses enter."""
    tree = pilot.app.query_one("#phases")
    tree.focus()
    node = next(n for n in _nodes(tree.root) if getattr(n.data, "id", None) == step_id)
    tree.move_cursor(node)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def _job_done(pilot, step_id: str, seconds: float = 90.0):  # noqa: ANN201
    """A long step runs as a detached job: the jobs screen opens; its result lands in the
    run when the worker ends."""
    from phasetui.tui.jobs_screen import JobsScreen

    app = pilot.app
    for _ in range(int(seconds / 0.1)):
        result = app.repo.state(app.run_id).latest(step_id)
        if result is not None:
            break
        await pilot.pause(0.1)
    assert isinstance(app.screen, JobsScreen)
    await pilot.press("escape")
    app.load_state()
    await settle(pilot)
    return app.repo.state(app.run_id).latest(step_id)


def _nodes(node):
    for child in node.children:
        yield child
        yield from _nodes(child)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_enter_runs_every_kind_of_the_sample_on_staging(tmp_path, demo_envs, size):
    rb = load_runbook(SAMPLES / "users_preferences.toml")
    app = _app(tmp_path, rb, "staging")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await _enter(pilot, "status")
        await settle(pilot)
        assert app.state.latest("status").ok, app.state.latest("status")
        await _enter(pilot, "backup-prod")
        result = await _job_done(pilot, "backup-prod")
        assert result.ok and any(f.startswith("jobs/") for f in result.files), result
        # schema-diff opens the viewer; v marks it reviewed
        await _enter(pilot, "schema-diff")
        await settle(pilot)
        assert isinstance(app.screen, SchemaDiffScreen)
        await pilot.press("v")
        await settle(pilot)
        assert app.state.latest("schema-diff", ["schema-diff"]).ok
        # sql opens its screen, on the run's target; `a` applies through the gates
        await _enter(pilot, "add-column")
        await settle(pilot)
        assert isinstance(app.screen, SqlStepScreen)
        assert app.screen.step.environment.name == "staging"
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.state.latest("add-column", ["apply"]).ok
        # the backfill runs as a job: the jobs screen follows it; its result is the evidence
        await _enter(pilot, "fill-preferences")
        result = await _job_done(pilot, "fill-preferences")
        assert result.ok, result
        assert "jobs/fill-preferences.samples.jsonl" in result.files
        for step_id in ("no-nulls-left", "drift", "release-notes"):
            await _enter(pilot, step_id)
            await settle(pilot)
            assert app.state.latest(step_id).ok, (step_id, app.state.latest(step_id))
        notes = [n.message for n in app._notifications]
        assert any("release-notes" in m or "Release notes" in m for m in notes)
    assert (app.repo.run_dir(app.run_id) / "report.md").is_file()


async def test_enter_on_the_contract_step_before_verify_says_why_not(tmp_path, demo_envs):
    rb = load_runbook(SAMPLES / "users_preferences.toml")
    app = _app(tmp_path, rb, "staging")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _enter(pilot, "not-null")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SqlStepScreen)
        await pilot.press("a")  # VALIDATE: a long statement, started as a job
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, TextDialog):
                break
        assert isinstance(app.screen, TextDialog)  # the verify gate asks for a reason
        assert "no-nulls-left has not run" in app.screen.prompt
        await pilot.press("escape")
        await settle(pilot)
        notes = " ".join(n.message for n in app._notifications)
        assert "no job started" in notes
        assert app.repo.state(app.run_id).latest("not-null", ["apply"]) is None
        from phasetui.jobs.listing import list_jobs

        assert list_jobs(app.repo, app.run_id) == []


async def test_a_production_backfill_asks_for_the_name_and_escape_runs_nothing(tmp_path, demo_envs):
    rb = load_runbook(SAMPLES / "users_preferences.toml")
    repo = AuditRepo.open(tmp_path / "audit")
    # a staging run that did the step, so production does not also ask about rehearsal
    staging = open_run(repo, rb, who=ALICE, env="staging").run_id
    repo.record_step_result(staging, "fill-preferences", "backfill", ok=True, summary="done")
    run_id = open_run(repo, rb, who=ALICE, env="production").run_id
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _enter(pilot, "fill-preferences")
        for _ in range(20):
            await pilot.pause(0.05)
            if isinstance(app.screen, TextDialog):
                break
        assert isinstance(app.screen, TextDialog)
        assert "PRODUCTION" in str(app.screen.title_text)
        await pilot.press("escape")
        await settle(pilot)
        assert app.state.latest("fill-preferences") is None  # nothing ran, nothing recorded
        notes = " ".join(n.message for n in app._notifications)
        assert "no job started" in notes and "type its name" in notes
        from phasetui.jobs.listing import list_jobs

        assert list_jobs(repo, run_id) == []


async def test_enter_on_check_and_shell_steps(tmp_path, demo_envs):
    path = tmp_path / "extra.toml"
    path.write_text(EXTRA)
    rb = load_runbook(path)
    app = _app(tmp_path, rb, "staging")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _enter(pilot, "app-deployed")
        for _ in range(20):
            await pilot.pause(0.05)
            if app.screen.id == "runner-confirm":
                break
        assert app.screen.id == "runner-confirm"  # a manual check asks "done?"
        await pilot.press("y")
        await settle(pilot)
        assert app.state.latest("app-deployed").ok
        await _enter(pilot, "pretend")
        result = await _job_done(pilot, "pretend")
        assert result.ok and result.files
        log = app.repo.run_dir(app.run_id) / next(f for f in result.files if f.endswith(".log"))
        assert "ADD COLUMN x int" in log.read_text()


async def test_a_production_run_shows_each_steps_staging_result(tmp_path, demo_envs):
    rb = load_runbook(SAMPLES / "users_preferences.toml")
    repo = AuditRepo.open(tmp_path / "audit")
    staging = open_run(repo, rb, who=ALICE, env="staging").run_id
    repo.record_step_result(staging, "add-column", "apply", ok=True,
                            summary="applied on staging: 2 statements, 0 retries")  # fmt: skip
    run_id = open_run(repo, rb, who=ALICE, env="production").run_id
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.query_one("#phases")
        for step_id, expected in (("add-column", "staging: ✓ apply"),
                                  ("fill-preferences", "staging: never ran")):  # fmt: skip
            node = next(n for n in _nodes(tree.root) if getattr(n.data, "id", None) == step_id)
            tree.focus()
            tree.move_cursor(node)
            await pilot.pause()
            assert expected in str(app.query_one("#detail").render())
