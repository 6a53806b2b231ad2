"""The driver's lease: one driver at a time, renewed while alive, journaled on every change."""

from __future__ import annotations

import time

import pytest

from phasetui.audit import lease as leases
from phasetui.errors import UserError
from tests.tui_fixtures import ALICE, BOB, fixed_run


def test_one_driver_at_a_time_and_handover_is_journaled(tmp_path):
    _, repo, run_id = fixed_run(tmp_path, ticks=False)
    alice = leases.acquire(repo, run_id, ALICE, token="alice-tui")
    assert leases.driver(repo, run_id).holder == str(ALICE)
    with pytest.raises(UserError) as refused:
        leases.acquire(repo, run_id, BOB, token="bob-tui")
    assert "Alice DBA" in refused.value.message and "hand over" in refused.value.hint
    again = leases.acquire(repo, run_id, ALICE, token="alice-tui")  # her own: a renewal
    assert again.until >= alice.until
    leases.hand_over(repo, run_id, again, ALICE)
    assert leases.driver(repo, run_id) is None
    bob = leases.acquire(repo, run_id, BOB, token="bob-tui")
    assert leases.renew(repo, run_id, alice) is None  # Alice no longer holds it
    assert leases.renew(repo, run_id, bob) is not None
    events = [ev for ev in repo.events(run_id) if ev.kind == leases.LEASE_EVENT]
    assert [ev.payload["action"] for ev in events] == ["take", "hand-over", "take"]
    assert [ev.who.split(" <")[0] for ev in events] == ["Alice DBA", "Alice DBA", "Bob Pair"]


def test_an_expired_lease_may_be_taken_and_says_from_whom(tmp_path, monkeypatch):
    _, repo, run_id = fixed_run(tmp_path, ticks=False)
    monkeypatch.setattr(leases, "LEASE_SECONDS", 0.2)
    leases.acquire(repo, run_id, ALICE, token="alice-tui")
    time.sleep(0.3)  # Alice's TUI died: nobody renews
    assert leases.driver(repo, run_id) is None
    leases.acquire(repo, run_id, BOB, token="bob-tui")
    last = [ev for ev in repo.events(run_id) if ev.kind == leases.LEASE_EVENT][-1]
    assert "Alice DBA" in last.payload["from"]
    # the lease file lives outside git: no commit noise, nothing for the work tree check
    assert not any("lease" in p for p in repo.foreign_changes())


def test_a_damaged_lease_file_is_no_driver(tmp_path):
    _, repo, run_id = fixed_run(tmp_path, ticks=False)
    path = repo.git_dir / "phasetui" / "lease" / f"{run_id}.json"
    path.parent.mkdir(parents=True)
    path.write_text("{torn")
    assert leases.driver(repo, run_id) is None
    assert leases.acquire(repo, run_id, BOB, token="bob").holder == str(BOB)
