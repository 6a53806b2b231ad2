"""Jobs: a step run by a detached worker (own session, log outside git while it runs),
its live state and samples, its evidence in the run's commit, a lost worker and its resume.

Every test starts the worker the way a DBA does (``phasetui step run … --detach``) against
the real test PostgreSQL; the only processes killed are those workers, by their pid.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import psutil
import psycopg
import pytest
from click.testing import CliRunner
from psycopg.conninfo import make_conninfo

from phasetui.audit.repo import AuditRepo
from phasetui.cli import main
from phasetui.jobs.listing import find_job, job_status, list_jobs
from tests.helpers import git, write

SECRET = "Pw-for-jobs-s3cr3t"
DSN_VAR = "PHASETUI_JOBS_TEST_DSN"

RUNBOOK = """
[runbook]
id = "jobs-test"
title = "A backfill run as a job"

[environments.staging]
dsn_env = "PHASETUI_JOBS_TEST_DSN"
rehearsal_allowed = true

[[phases]]
id = "backfill"
title = "Backfill"
kind = "backfill"

[[phases.steps]]
id = "fill-n"
kind = "backfill"
title = "Count every row once"
table = "items"
key = "id"
set = ["n = n + 1"]
batch_size = {batch}
target_batch_seconds = 0
pause_seconds = {pause}
"""


def make_items(dsn: str, rows: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0)")
        conn.execute("INSERT INTO items (id) SELECT g FROM generate_series(1, %s) g", (rows,))


def counters(dsn: str) -> dict[int, int]:
    with psycopg.connect(dsn) as conn:
        return dict(conn.execute("SELECT n, count(*) FROM items GROUP BY n").fetchall())


def wait_for(predicate, timeout: float = 60.0, what: str = "it"):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def setup(tmp_path, db_dsn, monkeypatch):
    """A table, a runbook on it, an env var holding a DSN with a password, an audit dir."""

    def make(rows: int, batch: int = 50, pause: float = 0.05) -> dict:
        make_items(db_dsn, rows)
        monkeypatch.setenv(DSN_VAR, make_conninfo(db_dsn, password=SECRET))
        rb = write(tmp_path / "rb.toml", RUNBOOK.format(batch=batch, pause=pause))
        return {"dsn": db_dsn, "rb": str(rb), "audit": str(tmp_path / "audit")}

    started: list[int] = []
    yield make, started
    for pid in started:  # a test that failed half-way leaves no worker behind
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def detach(s: dict, *extra: str) -> tuple[str, int, str]:
    result = CliRunner().invoke(
        main,
        ["step", "run", s["rb"], "fill-n", "--audit-repo", s["audit"], "--env", "staging",
         "--init", "--detach", *extra],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    m = re.search(r"job (\S+) started: fill-n \(backfill\) in run (\S+), pid (\d+)", result.output)
    assert m, result.output
    assert f"log: {Path(s['audit']).resolve()}/.git/phasetui/jobs/" in result.output
    assert "tail -f " in result.output and f"phasetui jobs --run {m[2]}" in result.output
    return m[1], int(m[3]), m[2]


def jobs_cli(s: dict, *args: str) -> str:
    result = CliRunner().invoke(main, ["jobs", "--audit-repo", s["audit"], *args])
    assert result.exit_code == 0, result.output
    return result.output


def git_dir(s: dict) -> Path:
    return AuditRepo.open(s["audit"], create=False).git_dir


def samples(job) -> list[dict]:  # noqa: ANN001
    try:
        text = job.samples_path.read_text()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines()]


def committed_with(audit: str, path: str) -> list[str]:
    """The files of the commit that added ``path``."""
    sha = git(Path(audit), "log", "--format=%H", "--diff-filter=A", "--", path).split()
    assert sha, f"{path} was never committed"
    return git(Path(audit), "show", "--name-only", "--format=", sha[0]).split()


def test_a_detached_backfill_runs_on_alone_and_lands_as_evidence(setup):
    make, started = setup
    s = make(rows=6000)
    t0 = time.monotonic()
    job_id, pid, run_id = detach(s)
    started.append(pid)
    assert time.monotonic() - t0 < 15  # the face returned while the backfill goes on
    assert os.getsid(pid) != os.getsid(0)  # its own session: no SIGHUP from our terminal
    job = find_job(git_dir(s), job_id)
    assert job.pid == pid and job.step == "fill-n" and job.kind == "backfill"

    def running_with_rows():
        st = job.read_state()
        return st.get("state") == "running" and (st.get("figures") or {}).get("rows", 0) > 0

    wait_for(running_with_rows, 30, "state.json to show rows while running")
    wait_for(lambda: len(samples(job)) >= 2 and job.read_state()["state"] == "running", 30,
             "samples to accumulate while it runs")  # fmt: skip
    live = jobs_cli(s, "--run", run_id)
    assert f"{job_id}  RUNNING" in live and f"pid {pid}" in live and str(job.log) in live
    assert "last: backfill: running" in live

    wait_for(lambda: job.read_state().get("state") == "done", 90, "the job to finish")
    assert counters(s["dsn"]) == {1: 6000}
    sample = samples(job)[-2]
    for key in ("t", "rows", "rate", "batch_size", "throttled", "throttle_reason", "retries"):
        assert key in sample
    assert samples(job)[-1]["final"] and samples(job)[-1]["rows"] == 6000
    assert max(x["rows"] for x in samples(job)) == 6000

    # The evidence: result + log + samples, in one commit with the journal event.
    run_dir = f"runs/{run_id}"
    files = committed_with(s["audit"], f"{run_dir}/backfill/fill-n.json")
    assert f"{run_dir}/jobs/fill-n.log" in files
    assert f"{run_dir}/jobs/fill-n.samples.jsonl" in files
    assert f"{run_dir}/journal.jsonl" in files
    log = (Path(s["audit"]) / run_dir / "jobs" / "fill-n.log").read_text()
    assert f"job {job_id}" in log and "backfill: running" in log
    state = AuditRepo.open(s["audit"]).state(run_id)
    assert state.latest("fill-n", ["backfill"]).ok
    assert git(Path(s["audit"]), "status", "--porcelain") == ""  # job files are outside git

    # The review replays what the pane showed: the job's samples as the run's chart.
    reviewed = CliRunner().invoke(main, ["review", s["audit"], "--run", run_id, "--format", "json"])
    assert reviewed.exit_code == 0, reviewed.output
    charts = json.dumps(json.loads(reviewed.output))
    assert "fill-n" in charts and '"rate"' in charts
    live_rows = [x["rows"] for x in samples(job) if "rows" in x]
    assert str(max(live_rows)) in charts

    listed = json.loads(jobs_cli(s, "--run", run_id, "--format", "json"))
    assert [j["id"] for j in listed] == [job_id]
    assert listed[0]["state"] == "done" and listed[0]["pid"] == pid
    assert listed[0]["host"] and listed[0]["started"] and listed[0]["log"] == str(job.log)

    # No password anywhere a job writes (the DSN stays in its environment variable).
    assert SECRET in os.environ[DSN_VAR]
    for path in job.path.iterdir():
        assert SECRET not in path.read_text(errors="replace"), path
    assert not any(SECRET in a for a in job.argv)
    assert SECRET not in " ".join(psutil.Process().cmdline())
    for path in (Path(s["audit"]) / run_dir).rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path


@pytest.mark.faults
def test_a_killed_worker_is_lost_then_resumes_from_its_checkpoint(setup):
    make, started = setup
    s = make(rows=4000, batch=40, pause=0.05)
    job_id, pid, run_id = detach(s)
    started.append(pid)
    job = find_job(git_dir(s), job_id)
    wait_for(lambda: (job.read_state().get("figures") or {}).get("rows", 0) >= 400, 60,
             "some batches to commit")  # fmt: skip
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie",
             10, "the worker to die")  # fmt: skip
    partial = counters(s["dsn"])
    assert set(partial) == {0, 1}

    [status] = list_jobs(git_dir(s), run_id)
    assert status.state == "lost" and status.lost
    assert status.log_tail and any("backfill: running" in line for line in status.log_tail)
    text = jobs_cli(s, "--run", run_id)
    assert f"{job_id}  LOST" in text and "| " in text
    assert f"fix: phasetui jobs resume {job_id}" in text

    out = jobs_cli(s, "resume", job_id)
    m = re.search(r"job (\S+) started: fill-n \(backfill\) in run (\S+), pid (\d+)", out)
    assert m, out
    started.append(int(m[3]))
    new = find_job(git_dir(s), m[1])
    assert new.resumes == job_id and "--restart" not in new.argv
    assert job_status(find_job(git_dir(s), job_id)).state == "resumed"
    wait_for(lambda: new.read_state().get("state") == "done", 120, "the resumed job to finish")
    assert counters(s["dsn"]) == {1: 4000}  # every row exactly once across both workers
    log = (Path(s["audit"]) / f"runs/{run_id}/jobs/fill-n.log").read_text()
    assert f"=== job {job_id}" in log and f"=== job {new.id}" in log
    assert job_status(new).state == "done"


def test_resume_refuses_a_job_that_is_running_or_done(setup):
    make, started = setup
    s = make(rows=200, batch=100, pause=0)
    job_id, pid, run_id = detach(s)
    started.append(pid)
    job = find_job(git_dir(s), job_id)
    wait_for(lambda: job.read_state().get("state") == "done", 60, "the job to finish")
    result = CliRunner().invoke(main, ["jobs", "resume", job_id, "--audit-repo", s["audit"]])
    assert result.exit_code != 0 and "only a lost, stopped or failed job is resumed" in (
        result.output
    )


def test_jobs_lists_none_and_names_an_unknown_job(setup):
    make, _ = setup
    s = make(rows=10)
    AuditRepo.open(s["audit"])  # an empty audit repo
    assert "no jobs in this audit repo" in jobs_cli(s)
    result = CliRunner().invoke(main, ["jobs", "resume", "nope", "--audit-repo", s["audit"]])
    assert result.exit_code != 0 and "no job 'nope'" in result.output


def test_production_is_asked_before_detaching_and_passed_as_the_answer(setup, tmp_path):
    make, started = setup
    s = make(rows=300, batch=100, pause=0)
    rb = Path(s["rb"])
    rb.write_text(rb.read_text().replace("rehearsal_allowed = true", "production = true"))
    base = ["step", "run", s["rb"], "fill-n", "--audit-repo", s["audit"], "--env", "staging",
            "--init", "--detach"]  # fmt: skip
    unrehearsed = CliRunner().invoke(main, base)
    assert unrehearsed.exit_code != 0 and "never succeeded in any staging run" in (
        unrehearsed.output
    )
    refused = CliRunner().invoke(main, [*base, "--yes"])
    assert refused.exit_code != 0
    assert "staging is production: type its name" in refused.output
    assert "--yes-i-mean-production staging" in refused.output
    assert list_jobs(git_dir(s)) == [] and counters(s["dsn"]) == {0: 300}
    job_id, pid, run_id = detach(s, "--yes-i-mean-production", "staging", "--yes")
    started.append(pid)
    job = find_job(git_dir(s), job_id)
    assert job.answers["production"] == "staging" and job.answers["yes"]
    wait_for(lambda: job.read_state().get("state") == "done", 60, "the job to finish")
    assert counters(s["dsn"]) == {1: 300}
    log = job.log.read_text()
    assert "answered when the job started" in log


@pytest.mark.faults
def test_jobs_stop_records_the_step_stopped_and_resume_finishes_it(setup):
    make, started = setup
    s = make(rows=4000, batch=20, pause=0.05)
    job_id, pid, run_id = detach(s)
    started.append(pid)
    job = find_job(git_dir(s), job_id)
    wait_for(lambda: (job.read_state().get("figures") or {}).get("rows", 0) > 0, 60, "rows")
    assert f"asked job {job_id} (pid {pid}) to stop" in jobs_cli(s, "stop", job_id)
    wait_for(lambda: job.read_state().get("state") == "stopped", 60, "the job to stop")
    state = AuditRepo.open(s["audit"]).state(run_id)
    assert state.latest("fill-n", ["backfill"]).ok is False  # recorded: stopped, resumable
    text = jobs_cli(s, "--run", run_id)
    assert f"{job_id}  STOPPED" in text and f"fix: phasetui jobs resume {job_id}" in text
    out = jobs_cli(s, "resume", job_id)
    new_id = re.search(r"job (\S+) started", out.split("resumed by:")[1])[1]
    new = find_job(git_dir(s), new_id)
    started.append(new.pid)
    wait_for(lambda: new.read_state().get("state") == "done", 120, "the resumed job")
    assert counters(s["dsn"]) == {1: 4000}
    run_dir = Path(s["audit"]) / "runs" / run_id
    # one attempt each, numbered together: backfill/fill-n.json + jobs/fill-n.log, then .2
    assert (run_dir / "jobs" / "fill-n.log").is_file()
    assert (run_dir / "jobs" / "fill-n.2.log").is_file()
    assert (run_dir / "backfill" / "fill-n.2.json").is_file()
