"""Writes that survive a kill: whole files or none, fsynced appends, signals held while committing.

A rendered file or an evidence file is written to ``<name>.phasetui-tmp``, fsynced and renamed
over the old one, so a reader (or a reviewer after a crash) sees the old or the new file, never
half of one. The journal is appended with one ``write`` and fsynced; a line torn by a kill is
known to the write-ahead intent and recovered by the next write.

``PHASETUI_TEST_PAUSE_AT=<point>`` is the one test hook: a write that reaches ``<point>`` says
so on stderr and sleeps ``PHASETUI_TEST_PAUSE_SECONDS`` (default 30), so the fault tests can
kill it exactly there. Points: after-intent, after-files, mid-append (half the line written),
after-append, after-render, after-commit.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TMP_SUFFIX = ".phasetui-tmp"
PAUSE_ENV = "PHASETUI_TEST_PAUSE_AT"
HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def temp_path(path: Path) -> Path:
    return path.with_name(path.name + TMP_SUFFIX)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_atomically(path: Path, data: bytes) -> None:
    """The whole new content or the old one: temp file, fsync, rename, fsync the folder."""
    tmp = temp_path(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def append_durably(path: Path, data: bytes) -> None:
    """Appends ``data`` (one journal line) and fsyncs it before returning."""
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        if os.environ.get(PAUSE_ENV) == "mid-append":
            half = len(data) // 2
            _write_all(fd, data[:half])
            os.fsync(fd)
            pause_point("mid-append")
            data = data[half:]
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)


def pause_point(point: str) -> None:
    """Test-only: stops a write at ``point`` when ``PHASETUI_TEST_PAUSE_AT`` names it."""
    if os.environ.get(PAUSE_ENV) != point:
        return
    sys.stderr.write(f"phasetui-test-paused-at {point}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get("PHASETUI_TEST_PAUSE_SECONDS", "30")))


_held = threading.local()


@contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait until the block is done, then take effect.

    Only the main thread can hold signals (a TUI's writer threads never receive them);
    elsewhere, and when nested, this is a no-op.
    """
    if threading.current_thread() is not threading.main_thread() or getattr(_held, "on", False):
        yield
        return
    pending: list[int] = []
    previous = {}
    for sig in HELD_SIGNALS:
        try:
            previous[sig] = signal.signal(sig, lambda signum, frame: pending.append(signum))
        except (ValueError, OSError):  # not settable here: leave it alone
            continue
    _held.on = True
    try:
        yield
    finally:
        _held.on = False
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        for sig in dict.fromkeys(pending):
            signal.raise_signal(sig)
