"""Who drives a run: a lease held by one TUI, renewed while it lives, journaled on handover.

Two people pairing open the same run on the same audit repo. One is the **driver** (may start,
stop and apply); the others are **observers** (see everything, note and tick, never execute).
The lease is a small file outside git (``.git/phasetui/lease/<run>.json``: who, host, pid,
until when), written atomically under a file lock, so it is cheap to renew every second and
leaves no commit noise. What a reviewer needs — who took the wheel, when, from whom — goes into
the journal as a ``lease`` event: taking a free lease, handing over, taking an expired one.

A lease expires after :data:`LEASE_SECONDS` without renewal (a TUI killed, an SSH session
dropped), so a driver who vanished never locks the others out for long.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from phasetui.audit.durable import write_atomically
from phasetui.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from phasetui.audit.identity import Person
    from phasetui.audit.repo import AuditRepo

LEASE_SECONDS = 15.0
LEASE_EVENT = "lease"


@dataclass(frozen=True)
class Lease:
    holder: str  # "Name <email>"
    host: str
    pid: int
    since: float  # epoch seconds
    until: float  # epoch seconds: renewed while the driver's TUI lives
    token: str  # tells this holder's process from another one of the same person

    def expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) >= self.until

    def describe(self) -> str:
        return f"{self.holder} on {self.host}"


def _dir(repo: AuditRepo) -> Path:
    return repo.git_dir / "phasetui" / "lease"


def _path(repo: AuditRepo, run_id: str) -> Path:
    from phasetui.audit.repo import check_run_id

    return _dir(repo) / f"{check_run_id(run_id)}.json"


@contextmanager
def _locked(repo: AuditRepo, run_id: str) -> Iterator[None]:
    folder = _dir(repo)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f".{run_id}.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def current(repo: AuditRepo, run_id: str) -> Lease | None:
    """The lease as written (maybe expired); None when nobody ever drove or it is unreadable."""
    try:
        data = json.loads(_path(repo, run_id).read_text(encoding="utf-8"))
        return Lease(**data)
    except (OSError, ValueError, TypeError):
        return None


def driver(repo: AuditRepo, run_id: str) -> Lease | None:
    """The live lease, or None: nobody drives."""
    lease = current(repo, run_id)
    return lease if lease is not None and not lease.expired() else None


def _token() -> str:
    """One per holder (a TUI): two TUIs of one person, even in one process, differ."""
    import uuid

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


def _write(repo: AuditRepo, run_id: str, lease: Lease) -> None:
    write_atomically(_path(repo, run_id), json.dumps(asdict(lease)).encode("utf-8"))


def acquire(
    repo: AuditRepo, run_id: str, who: Person, *, take_expired: bool = True, token: str = ""
) -> Lease:
    """Takes the lease when it is free (or expired, with ``take_expired``), journaling it;
    renews it when this holder (same token) has it; UserError naming the driver otherwise."""
    token = token or _token()
    now = time.time()
    taken_from = None
    with _locked(repo, run_id):
        lease = current(repo, run_id)
        if lease is not None and lease.token == token:
            renewed = Lease(lease.holder, lease.host, lease.pid, lease.since, now + LEASE_SECONDS,
                            token)  # fmt: skip
            _write(repo, run_id, renewed)
            return renewed
        if lease is not None and not lease.expired(now):
            raise UserError(
                f"{lease.describe()} drives run {run_id} (lease renewed until "
                f"{time.strftime('%H:%M:%S', time.localtime(lease.until))})",
                "observe, or ask them to hand over (h in their TUI)",
            )
        if lease is not None and not take_expired:
            raise UserError(f"the lease of {lease.describe()} has expired; take it explicitly")
        if lease is not None:
            taken_from = lease.describe()
        new = Lease(str(who), socket.gethostname(), os.getpid(), now, now + LEASE_SECONDS, token)
        _write(repo, run_id, new)
    how = f"took the expired lease of {taken_from}" if taken_from else "took the free lease"
    said = f"{who.name} drives: {how}"
    repo.record(run_id, LEASE_EVENT, {"action": "take", "from": taken_from, "host": new.host,
                                      "summary": said}, who, summary=said)  # fmt: skip
    return new


def renew(repo: AuditRepo, run_id: str, lease: Lease) -> Lease | None:
    """Extends the lease while its holder lives; None when someone else holds it now."""
    with _locked(repo, run_id):
        now_lease = current(repo, run_id)
        if now_lease is None or now_lease.token != lease.token:
            return None
        renewed = Lease(lease.holder, lease.host, lease.pid, lease.since,
                        time.time() + LEASE_SECONDS, lease.token)  # fmt: skip
        _write(repo, run_id, renewed)
        return renewed


def release(repo: AuditRepo, run_id: str, lease: Lease) -> None:
    """Gives the lease up on quit (no event: an end of driving is not a handover)."""
    with _locked(repo, run_id):
        now_lease = current(repo, run_id)
        if now_lease is not None and now_lease.token == lease.token:
            try:
                _path(repo, run_id).unlink()
            except OSError:
                pass


def hand_over(repo: AuditRepo, run_id: str, lease: Lease, who: Person, to: str = "") -> None:
    """The driver lets go so an observer may take the wheel; journaled."""
    release(repo, run_id, lease)
    said = f"{who.name} hands over the lease" + (f" to {to}" if to else "")
    repo.record(run_id, LEASE_EVENT, {"action": "hand-over", "to": to or None, "summary": said},
                who, summary=said)  # fmt: skip
