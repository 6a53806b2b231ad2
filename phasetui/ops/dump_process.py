"""Runs a client tool (pg_dump) as a child that can be watched and stopped.

A dump of a big database runs for minutes or hours, so its stderr is read line by line as it
comes (pg_dump ``--verbose`` names each table as it starts on it) and a stop request
terminates the child between lines. The child runs in its own session: a Ctrl-C in the
terminal reaches phasetui, which stops the child and cleans up, instead of killing pg_dump
half way through behind phasetui's back.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

POLL_SECONDS = 0.1
TERMINATE_GRACE_SECONDS = 5.0
KEPT_LINES = 200  # the end of stderr kept for an error message


@dataclass
class ChildResult:
    returncode: int
    stopped: bool
    stderr_tail: list[str] = field(default_factory=list)


def run_watched(
    cmd: list[str],
    env: dict[str, str],
    *,
    on_line: Callable[[str], None],
    stop: Any = None,
) -> ChildResult:
    """Runs ``cmd``, calling ``on_line`` for each stderr line; when ``stop`` (an Event) is
    set, terminates the child (then kills it after a grace period) and says so."""
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=read, name="pg_dump-stderr", daemon=True)
    reader.start()
    tail: list[str] = []
    stopped = False
    try:
        done = False
        while not done:
            if stop is not None and stop.is_set() and not stopped:
                stopped = True
                _end(proc)
            try:
                line = lines.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if line is None:
                done = True
                continue
            tail.append(line)
            del tail[:-KEPT_LINES]
            if not stopped:
                on_line(line)
        proc.wait()
    finally:
        if proc.poll() is None:  # an exception (KeyboardInterrupt) on our side
            _end(proc)
        reader.join(timeout=1)
    return ChildResult(proc.returncode, stopped, tail)


def _end(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=TERMINATE_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
