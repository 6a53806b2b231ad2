"""Where a backup goes and under what name, and how a finished one is put in place.

A backup file is what a rollback restores from, so three rules hold: a name never replaces
an existing backup (``pre_x.dump`` taken, the next is ``pre_x-2.dump``); a dump is written
under a hidden ``.partial`` name and renamed only once pg_dump succeeded, so a killed dump
never leaves a file that looks whole; folders phasetui creates are private (0700) and the
files in them 0600, since a dump holds the data.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from phasetui.errors import UserError

EXTENSIONS = {"custom": ".dump", "directory": ".dir", "plain": ".sql"}
PG_DUMP_FORMATS = {"custom": "c", "directory": "d", "plain": "p"}
_MAX_NUMBERED = 999
_SAFE_NAME = re.compile(r"[^\w.-]+")


def default_step_name(runbook_id: str) -> str:
    """The guide's ``pre_<feature>``: the runbook's id with ``-`` as ``_``."""
    return "pre_" + runbook_id.replace("-", "_")


def default_cli_name(label: str, now: datetime | None = None) -> str:
    """``<env>_<UTC time>`` for a backup taken outside a runbook."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{_SAFE_NAME.sub('_', label).strip('_.') or 'backup'}_{stamp}"


def check_name(name: str) -> str:
    """A backup name is a plain file name: no folder, no leading dot, nothing unprintable."""
    if (
        not name
        or name in (".", "..")
        or name.startswith(".")
        or "/" in name
        or "\\" in name
        or any(ord(c) < 32 or ord(c) == 127 for c in name)
        or len(name.encode()) > 200
    ):
        raise UserError(
            f"backup name {name!r} is not a plain file name",
            "use letters, digits, '_', '-' and '.', not starting with '.' "
            "(e.g. pre_users_preferences); the folder goes in `dir`",
        )
    return name


def backup_dir(step_dir: str | None, base: Path | None, config: Any = None) -> Path:
    """The step's ``dir`` (relative to ``base``, the runbook's folder), else ``[backups] dir``
    of phasetui.toml (relative to that file's folder), else ``$PHASETUI_HOME/backups``."""
    if step_dir:
        folder = Path(step_dir).expanduser()
        return folder if folder.is_absolute() else (base or Path.cwd()) / folder
    section = config.section("backups") if config is not None else {}
    configured = section.get("dir")
    if isinstance(configured, str) and configured:
        folder = Path(configured).expanduser()
        if folder.is_absolute():
            return folder
        cfg_path = getattr(config, "path", None)
        return (Path(cfg_path).parent if cfg_path else Path.cwd()) / folder
    from phasetui.paths import data_dir

    return data_dir() / "backups"


def ensure_dir(folder: Path) -> Path:
    """``folder``, created private (0700, parents too) when missing; UserError if it cannot be."""
    folder = Path(os.path.abspath(folder))
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for p in missing:
            p.chmod(0o700)
    except OSError as exc:
        raise UserError(
            f"cannot create the backup folder {folder}: {exc.strerror or exc}",
            "choose a folder you can write (step `dir`, `[backups] dir` in phasetui.toml, "
            "or --dir)",
        ) from None
    if not folder.is_dir():
        raise UserError(f"the backup folder {folder} is not a folder", "choose another `dir`")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"cannot write the backup folder {folder}", "choose a folder you can write")
    return folder


def partial_path(folder: Path, name: str, fmt: str) -> Path:
    """A hidden name no finished backup has, for pg_dump to write to."""
    return folder / f".{name}{EXTENSIONS[fmt]}.partial-{os.getpid()}-{secrets.token_hex(3)}"


def candidates(folder: Path, name: str, fmt: str) -> list[Path]:
    """The names a finished backup may take, in order: name, name-2, …, then a timestamp."""
    ext = EXTENSIONS[fmt]
    out = [folder / f"{name}{ext}"]
    out += [folder / f"{name}-{n}{ext}" for n in range(2, _MAX_NUMBERED + 1)]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    out.append(folder / f"{name}-{stamp}{ext}")
    return out


def place(partial: Path, folder: Path, name: str, fmt: str) -> Path:
    """Moves the finished ``partial`` to the first free name; never replaces a file, even one
    another process creates meanwhile (a hard link, or a reserved empty folder, claims it)."""
    for target in candidates(folder, name, fmt):
        try:
            if partial.is_dir():
                target.mkdir(mode=0o700)  # claims the name; rename replaces the empty folder
                os.rename(partial, target)
            else:
                os.link(partial, target)
                partial.unlink()
            return target
        except FileExistsError:
            continue
        except OSError as exc:
            if partial.is_dir() or exc.errno not in (1, 18, 38, 95):  # EPERM EXDEV ENOSYS
                raise
            if target.exists():  # no hard links on this file system
                continue
            os.rename(partial, target)
            return target
    raise UserError(f"no free name for backup {name} in {folder}", "choose another `name`")


def remove(path: Path) -> None:
    """Removes a partial dump (a file or pg_dump's directory format), quietly if gone."""
    if path.is_dir():
        for child in sorted(path.rglob("*"), reverse=True):
            child.rmdir() if child.is_dir() else child.unlink(missing_ok=True)
        path.rmdir()
    else:
        path.unlink(missing_ok=True)


def make_private(path: Path) -> None:
    path.chmod(0o700 if path.is_dir() else 0o600)
    if path.is_dir():
        for child in path.rglob("*"):
            child.chmod(0o700 if child.is_dir() else 0o600)


def size_and_sha256(path: Path) -> tuple[int, str]:
    """Bytes and sha256 of a file; of a directory-format dump, the total size and the sha256
    over its files' relative names and sha256s, in name order."""
    if not path.is_dir():
        return path.stat().st_size, _file_sha256(path)
    total = 0
    outer = hashlib.sha256()
    for child in sorted(p for p in path.rglob("*") if p.is_file()):
        total += child.stat().st_size
        outer.update(str(child.relative_to(path)).encode() + b"\0")
        outer.update(_file_sha256(child).encode() + b"\n")
    return total, outer.hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover
