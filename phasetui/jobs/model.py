"""Where a job's files live and what ``job.json`` and ``state.json`` hold.

``job.json`` is written by the face that starts the job (and once more when it is resumed);
``state.json`` and ``samples.jsonl`` only by the worker; ``log`` is the worker's output.
Every whole-file write is atomic, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from phasetui.audit.durable import write_atomically
from phasetui.errors import UserError

JOB_FILE, STATE_FILE, SAMPLES_FILE, LOG_FILE = "job.json", "state.json", "samples.jsonl", "log"
# state.json states the worker writes; the runner's StepRun statuses once it has ended.
RUNNING, STARTING = "running", "starting"
ENDED = frozenset({"done", "failed", "stopped", "gated", "needs-you", "skipped"})
# States only a reader derives: the worker is gone while state.json says running; another
# host's worker (its pid cannot be checked here); a lost or ended job that was resumed.
LOST, ELSEWHERE, RESUMED = "lost", "running elsewhere", "resumed"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Answers:
    """The runner's questions, answered before detaching (the worker cannot ask): flags of
    ``phasetui step run``. Never a password: a DSN stays in its environment variable."""

    yes: bool = False
    production: str | None = None
    override: str | None = None
    offline: bool = False
    restart: bool = False

    def flags(self) -> list[str]:
        out = ["--yes"] if self.yes else []
        if self.production:
            out += ["--yes-i-mean-production", self.production]
        if self.override:
            out += ["--override", self.override]
        if self.offline:
            out.append("--offline")
        if self.restart:
            out.append("--restart")
        return out


@dataclass
class Job:
    """What ``job.json`` holds: enough to find, show, check and resume the job."""

    id: str
    run_id: str
    step: str
    kind: str
    runbook: str  # absolute path of the runbook file
    audit_repo: str
    who: str  # "Name <email>": the worker records as this person
    host: str
    user: str
    started: str  # ISO time, UTC
    dir: str
    argv: list[str] = field(default_factory=list)  # as shown: redacted, no secrets
    answers: dict[str, Any] = field(default_factory=dict)
    pid: int | None = None
    pid_created: float | None = None  # psutil create_time: a reused pid is not this worker
    state: str = STARTING  # the starting face's view: starting / started / resumed
    resumes: str | None = None  # the job this one resumes
    resumed_by: str | None = None

    @property
    def path(self) -> Path:
        return Path(self.dir)

    @property
    def log(self) -> Path:
        return self.path / LOG_FILE

    @property
    def state_path(self) -> Path:
        return self.path / STATE_FILE

    @property
    def samples_path(self) -> Path:
        return self.path / SAMPLES_FILE

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "log": str(self.log)}

    def save(self) -> None:
        write_json(self.path / JOB_FILE, asdict(self))

    @classmethod
    def load(cls, folder: Path) -> Job:
        data = read_json(folder / JOB_FILE)
        if data is None:
            raise UserError(f"{folder} holds no readable {JOB_FILE}", "it is not a job folder")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["dir"] = str(folder)
        return cls(**known)

    def read_state(self) -> dict[str, Any]:
        """The worker's state.json, or {} before it has written one."""
        return read_json(self.state_path) or {}


def jobs_root(git_dir: Path) -> Path:
    """Outside the work tree (never committed by accident, never "uncommitted changes")."""
    return Path(git_dir) / "phasetui" / "jobs"


def job_dir(git_dir: Path, run_id: str, job_id: str) -> Path:
    for name, value in (("run", run_id), ("job", job_id)):
        if not _SAFE_ID.match(value):
            raise UserError(f"{name} id {value!r} cannot name a folder", "check the id")
    return jobs_root(git_dir) / run_id / job_id


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomically(
        path, (json.dumps(data, indent=2, sort_keys=True, default=str) + "\n").encode()
    )


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def tail(path: Path, lines: int = 10, max_bytes: int = 64_000) -> list[str]:
    """The last ``lines`` lines of a (possibly large) log file."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - max_bytes))
            data = handle.read()
    except FileNotFoundError:
        return []
    text = data.decode("utf-8", "replace").splitlines()
    return text[-lines:] if lines else []
