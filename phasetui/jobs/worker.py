"""The worker side of a job: the normal runner, an operator with answers given up front,
and a recorder that keeps ``state.json`` and ``samples.jsonl`` current.

``phasetui step run … --job ID`` calls :func:`run_worker`. Its output (stdout and stderr)
is the job's log. When the runner records the step's result, the recorder adds the log and
the samples as ``jobs/<step>.log`` and ``jobs/<step>.samples.jsonl`` to the same commit,
through the audit repo's ``step_evidence`` hook; a job that resumes a lost one carries the
lost one's log and samples too, so the review sees the whole story.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from phasetui.audit.durable import append_durably
from phasetui.jobs.model import RUNNING, Job, job_dir, write_json
from phasetui.ops.operator import Operator
from phasetui.redaction import redact

STATE_EVERY_SECONDS = 0.5


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class JobRecorder:
    """Writes what the worker is doing where any reader finds it (all writes atomic)."""

    def __init__(self, job: Job, done_kind: str) -> None:
        self.job = job
        self.done_kind = done_kind
        self.line = ""
        self.figures: dict[str, Any] = {}
        self.started_at = time.monotonic()
        self._written = 0.0
        self._attached = False

    def _state(self, state: str, **extra: Any) -> None:
        data = {
            "state": state,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "line": self.line,
            "figures": self.figures,
            "updated": _now(),
            **extra,
        }
        write_json(self.job.state_path, data)
        self._written = time.monotonic()

    def _sample(self, sample: dict[str, Any]) -> None:
        sample = {"t": _now(), "elapsed": round(time.monotonic() - self.started_at, 3), **sample}
        line = json.dumps(sample, sort_keys=True, default=str) + "\n"
        append_durably(self.job.samples_path, redact(line).encode("utf-8"))

    def start(self) -> None:
        self._state(RUNNING)

    def on_line(self, line: str) -> None:
        self.line = redact(line)
        if self.job.kind != "backfill":  # a backfill's samples are its Progress figures
            self._sample({"line": self.line})
        if time.monotonic() - self._written >= STATE_EVERY_SECONDS:
            self._state(RUNNING)

    def on_backfill(self, p: Any) -> None:
        """One sample from a backfill's Progress (the runner passes one every second)."""
        self.figures = {
            "backfill_state": p.state,
            "rows": p.rows_done,
            "rows_estimate": p.rows_total_estimate,
            "fraction": round(p.fraction, 4),
            "rate": p.rate_rows_per_second,
            "eta_seconds": p.eta_seconds,
            "batch_size": p.batch_size,
            "batches": p.batches,
            "throttled": bool(p.throttle_reason),
            "throttle_reason": p.throttle_reason,
            "throttled_seconds": p.throttled_seconds,
            "retries": p.retries,
            "workers": p.live_workers,
            "last_error": p.last_error,
        }
        self._sample(self.figures)
        self._state(RUNNING)

    def finish(self, status: str, detail: str, data: dict[str, Any] | None = None) -> None:
        self._state(status, detail=redact(detail), result=data or {}, ended=_now())

    # -- evidence -------------------------------------------------------------------------

    def evidence(self, step_id: str, kind: str, payload: Mapping[str, Any]) -> dict[str, str]:
        """The AuditRepo hook: the job's log and samples join the step's result event, the
        samples ending with one ``final`` sample of the result's figures."""
        if self._attached or step_id != self.job.step or kind != self.done_kind:
            return {}
        self._attached = True
        final: dict[str, Any] = {"final": True, "ok": payload.get("ok")}
        if "rows_updated" in payload:  # a backfill: its rows in total, as its samples count
            final.update(rows=payload["rows_updated"], backfill_state=payload.get("state"))
            self.figures = {**self.figures, "rows": payload["rows_updated"]}
            self.figures["backfill_state"] = payload.get("state")
        self._sample(final)
        sys.stdout.flush()
        sys.stderr.flush()
        chain = _chain(self.job)
        logs, samples = [], []
        for job in chain:
            log = _read(job.log)
            if len(chain) > 1:
                gone = "" if job is self.job else f", then resumed by {job.resumed_by}"
                log = f"=== job {job.id}: pid {job.pid} on {job.host}, {job.started}{gone}\n{log}"
            logs.append(log)
            samples.append(_read(job.samples_path))
        return {
            f"jobs/{step_id}.log": redact("".join(logs)),
            f"jobs/{step_id}.samples.jsonl": redact("".join(samples)),
        }


def _read(path: Any) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _chain(job: Job) -> list[Job]:
    """The jobs this one resumes (oldest first), then itself."""
    out = [job]
    seen = {job.id}
    while out[0].resumes and out[0].resumes not in seen:
        try:
            earlier = Job.load(out[0].path.parent / out[0].resumes)
        except Exception:  # noqa: BLE001 - an unreadable earlier job: keep what we have
            break
        seen.add(earlier.id)
        out.insert(0, earlier)
    return out


@dataclass
class JobOperator(Operator):
    """The answers given when the job started (no terminal to ask); every line goes to the
    log with the time, and to the recorder."""

    recorder: JobRecorder | None = None

    def _say(self, line: str) -> None:
        stamp = datetime.now().astimezone().strftime("%H:%M:%S")
        print(f"{stamp} {redact(line)}", flush=True)

    def confirm(self, question: str) -> bool:
        answer = "yes" if self.yes else "no"
        self._say(f"{question} {answer} (answered when the job started)")
        return self.yes

    def confirm_production(self, env_name: str, action: str) -> str | None:
        given = "given" if self.production else "not given"
        self._say(f"{env_name} is production: its name to {action} was {given} at the start")
        return self.production

    def progress(self, line: str) -> None:
        self._say(line)
        if self.recorder is not None:
            self.recorder.on_line(line)

    def inform(self, line: str) -> None:
        self.progress(line)

    def backfill_progress(self, progress: Any) -> None:
        if self.recorder is not None:
            self.recorder.on_backfill(progress)


def run_worker(runner: Any, step_id: str, job_id: str) -> Any:
    """Runs ``step_id`` with ``runner`` (a :class:`phasetui.ops.runner.Runner` whose operator
    holds the answers) as job ``job_id``; returns the StepRun. The end is in state.json
    whatever happens, so only a killed worker is ever "lost"."""
    from phasetui.ops.runner import DONE_KIND

    job = Job.load(job_dir(runner.repo.git_dir, runner.run_id, job_id))
    step = runner.runbook.step(step_id)
    kind = step.kind if step is not None else job.kind
    recorder = JobRecorder(job, DONE_KIND.get(kind, kind))
    given = runner.operator
    runner.operator = JobOperator(
        yes=given.yes,
        production=given.production,
        override=given.override,
        stop=given.stop,
        recorder=recorder,
    )
    runner.repo.step_evidence = recorder.evidence
    recorder.start()
    runner.operator.progress(
        f"job {job.id}: {step_id} ({kind}) in run {runner.run_id}, pid {os.getpid()} on "
        f"{socket.gethostname()}"
    )
    try:
        result = runner.run_step(step_id)
    except KeyboardInterrupt:
        recorder.finish("stopped", "interrupted (a second SIGTERM); resume the job")
        raise
    except BaseException as exc:
        recorder.finish("failed", f"the worker stopped: {type(exc).__name__}: {exc}")
        raise
    runner.operator.progress(result.line())
    recorder.finish(result.status, result.detail, result.data)
    return result
