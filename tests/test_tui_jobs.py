"""The jobs screen on a real detached backfill: its state changes live, pause and resume
act through the database, a lock holder shows as a blocker, and the app re-attaches."""

from __future__ import annotations

import asyncio
import os
import signal

import psycopg
import pytest

from phasetui.audit.identity import Person
from phasetui.audit.repo import AuditRepo
from phasetui.audit.runs import open_run
from phasetui.jobs.listing import list_jobs
from phasetui.jobs.model import Answers
from phasetui.jobs.start import start_step_job
from phasetui.ops.runner import Runner
from phasetui.runbook.loader import load_runbook
from phasetui.tui.app import PhaseApp
from phasetui.tui.job_pane import JobPane
from phasetui.tui.jobs_screen import JobsScreen
from tests.helpers import write
from tests.test_jobs import DSN_VAR, RUNBOOK, counters, make_items

ALICE = Person("Alice DBA", "alice@example.org")


@pytest.fixture
def job_setup(tmp_path, db_dsn, monkeypatch):
    make_items(db_dsn, 30_000)
    monkeypatch.setenv(DSN_VAR, db_dsn)
    rb = load_runbook(write(tmp_path / "rb.toml", RUNBOOK.format(batch=300, pause=0.05)))
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = open_run(repo, rb, who=ALICE, env="staging").run_id
    runner = Runner(rb, repo, run_id, ALICE)
    started: list[int] = []
    yield rb, repo, run_id, runner, started
    for pid in started:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


async def _until(pilot, predicate, seconds: float = 30.0, what: str = "it"):  # noqa: ANN001
    for _ in range(int(seconds / 0.1)):
        value = predicate()
        if value:
            return value
        await pilot.pause(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _state(db_dsn: str) -> str:
    with psycopg.connect(db_dsn) as conn:
        row = conn.execute("SELECT control FROM phasetui.backfills").fetchone()
    return row[0] if row else ""


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_jobs_screen_follows_a_real_backfill_and_its_keys_act(job_setup, db_dsn, size):
    rb, repo, run_id, runner, started = job_setup
    job = start_step_job(runner, "fill-n", Answers())
    started.append(job.pid)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.push_screen(JobsScreen(Runner(rb, repo, run_id, ALICE)))
        screen = await _until(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen)
        pane = await _until(
            pilot,
            lambda: next(iter(screen.panes.values()), None),
            what="a pane",
        )
        await _until(pilot, lambda: pane.view.progress is not None and pane.view.progress.rows_done,
                     what="rows done")  # fmt: skip
        await pilot.pause(0.3)
        head = str(pane.query_one("#job-head").render())
        assert "fill-n" in head and "backfill" in head and "staging" in head
        pane.focus()
        await pilot.press("p")
        await _until(pilot, lambda: _state(db_dsn) == "pause", what="pause in the table")
        await _until(pilot, lambda: pane.view.progress and pane.view.progress.state == "paused",
                     what="paused in the pane")  # fmt: skip
        # paused for real: the rows stop moving (the batch under way when p was pressed ends)
        for _ in range(10):
            rows = pane.view.progress.rows_done
            await pilot.pause(1.0)
            if pane.view.progress.rows_done == rows:
                break
        assert pane.view.progress.rows_done == rows
        await pilot.press("u")
        await _until(pilot, lambda: _state(db_dsn) == "run", what="resume in the table")
        await _until(pilot, lambda: pane.view.progress.rows_done > rows, what="rows move again")
        # a lock holder: the next batch waits on it and the pane names the blocker
        holder = psycopg.connect(db_dsn, application_name="psql-holder")
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
        try:
            await _until(pilot, lambda: pane.first_blocker() is not None, what="a blocker")
            assert pane.first_blocker().pid == holder.info.backend_pid
            assert "psql-holder" in str(pane.query_one("#job-blockers").render())
        finally:
            holder.rollback()
            holder.close()
        journal = [ev.kind for ev in repo.events(run_id)]
        assert journal.count("job-control") == 2  # pause and resume are on the record
        await _until(pilot, lambda: pane.view.status.state == "done", seconds=90, what="done")
    assert counters(db_dsn) == {1: 30_000}
    assert repo.state(run_id).latest("fill-n").ok


async def test_a_new_app_reattaches_to_a_running_job(job_setup, db_dsn):
    rb, repo, run_id, runner, started = job_setup
    job = start_step_job(runner, "fill-n", Answers())
    started.append(job.pid)
    first = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with first.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    # the first app has gone; the worker goes on, and a second app sees it live
    assert any(s.state == "running" for s in list_jobs(repo, run_id)) or counters(db_dsn)
    second = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with second.run_test(size=(80, 24)) as pilot:
        second.push_screen(JobsScreen(Runner(rb, repo, run_id, ALICE)))
        screen = await _until(
            pilot, lambda: isinstance(second.screen, JobsScreen) and second.screen
        )
        pane = await _until(pilot, lambda: next(iter(screen.panes.values()), None))
        assert isinstance(pane, JobPane) and pane.view.job_id == job.id
        await _until(pilot, lambda: pane.view.status.state == "done", seconds=90, what="done")
    await asyncio.sleep(0)
    assert counters(db_dsn) == {1: 30_000}


async def test_started_from_the_app_it_outlives_the_app_and_a_new_one_reattaches(job_setup, db_dsn):
    rb, repo, run_id, runner, started = job_setup
    first = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with first.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tree = first.query_one("#phases")
        node = next(n for n in _all(tree.root) if getattr(n.data, "id", None) == "fill-n")
        tree.focus()
        tree.move_cursor(node)
        await pilot.pause()
        await pilot.press("enter")  # a backfill starts as a job, then the jobs screen opens
        screen = await _until(pilot, lambda: isinstance(first.screen, JobsScreen) and first.screen)
        pane = await _until(pilot, lambda: next(iter(screen.panes.values()), None))
        started.append(pane.view.status.job.pid)
        await _until(pilot, lambda: pane.view.progress is not None and pane.view.progress.rows_done,
                     what="rows")  # fmt: skip
    # the app is gone; its worker is not
    (status,) = list_jobs(repo, run_id)
    assert status.state == "running" and status.alive, status
    assert counters(db_dsn).get(0, 0) > 0  # rows still to do: it is mid-run
    second = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    second.open_jobs_on_start = True  # what `phasetui attach RUN` does
    async with second.run_test(size=(160, 50)) as pilot:
        screen = await _until(
            pilot, lambda: isinstance(second.screen, JobsScreen) and second.screen
        )
        pane = await _until(pilot, lambda: next(iter(screen.panes.values()), None))
        assert pane.view.job_id == status.job.id
        await _until(pilot, lambda: pane.view.status.state == "running", what="running")
        await _until(pilot, lambda: pane.view.status.state == "done", seconds=90, what="done")
    assert counters(db_dsn) == {1: 30_000}


async def test_a_dead_worker_shows_lost_and_r_resumes_it(job_setup, db_dsn):
    rb, repo, run_id, runner, started = job_setup
    job = start_step_job(runner, "fill-n", Answers())
    started.append(job.pid)
    app = PhaseApp(rb, repo, run_id, ALICE, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(JobsScreen(Runner(rb, repo, run_id, ALICE)))
        screen = await _until(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen)
        pane = await _until(pilot, lambda: screen.panes.get(job.id))
        await _until(pilot, lambda: pane.view.progress is not None and pane.view.progress.rows_done,
                     what="rows")  # fmt: skip
        os.kill(job.pid, signal.SIGKILL)  # the worker this test started
        await _until(pilot, lambda: pane.view.status.lost, what="lost")
        assert "worker lost" in str(pane.query_one("#job-log").render())
        pane.focus()
        await pilot.press("R")
        resumed = await _until(
            pilot, lambda: next((p for k, p in screen.panes.items() if k != job.id), None),
            what="the resumed job",
        )  # fmt: skip
        started.append(resumed.view.status.job.pid)
        await _until(pilot, lambda: resumed.view.status.state == "done", seconds=90, what="done")
    assert counters(db_dsn) == {1: 30_000}  # every row exactly once across the two workers


def _all(node):
    for child in node.children:
        yield child
        yield from _all(child)
