"""Snapshots of every screen and dialog at 80x24 and 160x50 (pytest-textual-snapshot).

The run is built with fixed people, run id and times, so frames are deterministic.
Update them after an intended change with `pytest tests/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from textual.app import App

from phasetui.tui.app import PhaseApp
from phasetui.tui.command_dialog import CommandDialog
from phasetui.tui.confirm_dialog import ConfirmDialog
from phasetui.tui.help_screen import HelpScreen
from tests.tui_fixtures import ALICE, fixed_run


async def _loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_main_screen(snap_compare, tmp_path, size):
    rb, repo, run_id = fixed_run(tmp_path)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    assert snap_compare(app, terminal_size=size, run_before=_loaded)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_checklist_item_detail(snap_compare, tmp_path, size):
    rb, repo, run_id = fixed_run(tmp_path)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)

    async def select_ticked_item(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("c")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=select_ticked_item)


SIZES = [(80, 24), (160, 50)]
IDS = ["80x24", "160x50"]


def _app(tmp_path) -> PhaseApp:
    rb, repo, run_id = fixed_run(tmp_path)
    return PhaseApp(rb, repo, run_id, ALICE, poll=False)


def _pressing(*keys: str):
    async def run_before(pilot) -> None:
        await _loaded(pilot)
        for key in keys:
            await pilot.press(key)
            await _loaded(pilot)
        await pilot.pause(0.1)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_main_help(snap_compare, tmp_path, size):
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_pressing("question_mark"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_tick_dialog_names_the_item(snap_compare, tmp_path, size):
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_pressing("t"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_note_dialog(snap_compare, tmp_path, size):
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_pressing("n"))


@pytest.fixture
def offline(monkeypatch):
    """No DSNs: the SQL step screen lints offline, so its frame holds no server path."""
    monkeypatch.delenv("PHASETUI_STAGING_DSN", raising=False)
    monkeypatch.delenv("PHASETUI_PRODUCTION_DSN", raising=False)


SQL_STEP = ("down",) * 5 + ("enter",)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_sql_step_screen(snap_compare, tmp_path, offline, size):
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_pressing(*SQL_STEP))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_sql_step_help(snap_compare, tmp_path, offline, size):
    run_before = _pressing(*SQL_STEP, "question_mark")
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=run_before)


class DialogHost(App[None]):
    """A dialog on its own, with fixed text, so its frame is the same on every machine."""

    def __init__(self, dialog) -> None:
        super().__init__()
        self.dialog = dialog

    def on_mount(self) -> None:
        self.push_screen(self.dialog)


COMMAND = (
    "phasetui step run /srv/runbooks/users_preferences.toml fill-preferences --audit-repo "
    "/srv/phasetui/audit --run 20260101-020000-users-preferences --as 'Alice DBA "
    "<alice@example.org>'"
)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_command_dialog(snap_compare, size):
    dialog = CommandDialog(
        "Command line of Backfill users.preferences",
        COMMAND,
        why="Runs step fill-preferences (backfill) through every gate and records it in run "
        "20260101-020000-users-preferences, exactly as enter does here.",
        needs=("production: $PHASETUI_PRODUCTION_DSN (NOT set in this shell)",),
    )
    assert snap_compare(DialogHost(dialog), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_confirm_dialog(snap_compare, size):
    dialog = ConfirmDialog(
        "The last rehearsal FAILED",
        "The latest rehearsal of this step in this run, on staging, failed:\n"
        'column "preferences" of relation "users" already exists',
        "Apply anyway?",
        dialog_id="rehearsal-failed-dialog",
    )
    assert snap_compare(DialogHost(dialog), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_schema_diff_help(snap_compare, size):
    from tests.test_schema_viewer import ViewerApp, make_diff

    async def run_before(pilot) -> None:
        await _loaded(pilot)
        pilot.app.push_screen(HelpScreen("schema-diff"))
        await pilot.pause(0.1)

    assert snap_compare(ViewerApp(make_diff()), terminal_size=size, run_before=run_before)


def _jobs_on_disk(repo, run_id: str) -> None:  # noqa: ANN001 - an AuditRepo
    """Two jobs of another host, as their files say (fixed times and figures): one that
    ended, one still running there (its pid cannot be checked from here)."""
    import json

    from phasetui.jobs.model import Job, job_dir, write_json

    for n, (step, state, line) in enumerate(
        (
            ("backup-prod", "done", "pre_users_preferences.dump 2.1 MB, 1 table"),
            ("fill-preferences", "running", "backfill: running, 52,000 rows of ~200,000"),
        )
    ):
        job_id = f"{step}-20260101-02{n}000-abcd"
        folder = job_dir(repo.git_dir, run_id, job_id)
        folder.mkdir(parents=True)
        job = Job(
            id=job_id, run_id=run_id, step=step, kind=step.split("-")[0] if n == 0 else "backfill",
            runbook="/srv/runbooks/users_preferences.toml", audit_repo=str(repo.path),
            who="Alice DBA <alice@example.org>", host="jump1", user="alice",
            started=f"2026-01-01T02:{n}0:00+00:00", dir=str(folder), pid=4242 + n,
        )  # fmt: skip
        job.save()
        write_json(job.state_path, {"state": state, "line": line, "host": "jump1",
                                    "updated": "2026-01-01T02:21:00+00:00"})  # fmt: skip
        (folder / "log").write_text(f"job {job_id}\n{line}\n")
        samples = [{"t": f"2026-01-01T02:2{i}:00+00:00", "rate": 1000.0 * (i + 1)}
                   for i in range(5)]  # fmt: skip
        (folder / "samples.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_jobs_screen(snap_compare, tmp_path, size, monkeypatch):
    from phasetui.ops.runner import Runner
    from phasetui.tui.jobs_screen import JobsScreen

    for name in ("PHASETUI_PRODUCTION_DSN", "PHASETUI_CONFIG"):  # the same frame everywhere
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    rb, repo, run_id = fixed_run(tmp_path)
    _jobs_on_disk(repo, run_id)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)

    async def open_jobs(pilot) -> None:
        await _loaded(pilot)
        app.push_screen(JobsScreen(Runner(rb, repo, run_id, ALICE)))
        for _ in range(20):
            await pilot.pause(0.05)
            if len(getattr(app.screen, "panes", {})) == 2:
                break
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=open_jobs)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_jobs_screen_empty(snap_compare, tmp_path, size):
    from phasetui.ops.runner import Runner
    from phasetui.tui.jobs_screen import JobsScreen

    rb, repo, run_id = fixed_run(tmp_path)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)

    async def open_jobs(pilot) -> None:
        await _loaded(pilot)
        app.push_screen(JobsScreen(Runner(rb, repo, run_id, ALICE)))
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=open_jobs)
