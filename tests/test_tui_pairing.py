"""Two people on one run: one drives (holds the lease), the other observes; each sees the
other's ticks within a second; an observer cannot execute; handovers are journaled."""

from __future__ import annotations

import time

from phasetui.tui.app import PhaseApp
from tests.tui_fixtures import ALICE, BOB, fixed_run


async def _until(pilot, predicate, seconds: float = 10.0, what: str = "it"):  # noqa: ANN001
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _header(app) -> str:  # noqa: ANN001
    return str(app.query_one("#run-header").render())


async def test_driver_and_observer_see_each_other_and_hand_over(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    alice = PhaseApp(rb, repo, run_id, ALICE, lease=True)
    bob = PhaseApp(rb, repo, run_id, BOB, lease=True)
    async with alice.run_test(size=(80, 24)) as a:
        await _until(a, lambda: alice.lease is not None, what="alice's lease")
        async with bob.run_test(size=(160, 50)) as b:
            await _until(b, lambda: "Alice drives" in _header(bob), what="bob observing")
            assert "you drive" in _header(alice)
            # the observer cannot execute: enter on a step tells him who drives
            assert not bob.may_execute()
            await b.pause()
            assert any("You observe: Alice DBA" in n.message for n in bob._notifications)
            # but may tick: it appears at the driver's within a second
            t0 = time.monotonic()
            bob.write_tick("backup", True, "seen the dump")
            await _until(a, lambda: alice.state and alice.state.is_done("backup"), what="tick")
            assert time.monotonic() - t0 < 1.5
            # handover: Alice lets go, Bob takes the wheel; both are in the journal
            await a.press("h")
            await _until(a, lambda: alice.lease is None, what="handover")
            await b.press("D")
            await _until(b, lambda: bob.lease is not None, what="bob drives")
            assert "you drive" in _header(bob)
            await _until(a, lambda: "Bob drives" in _header(alice), seconds=12, what="alice sees")
            assert not alice.may_execute()
    actions = [(ev.who.split(" <")[0], ev.payload["action"])
               for ev in repo.events(run_id) if ev.kind == "lease"]  # fmt: skip
    assert actions == [("Alice DBA", "take"), ("Alice DBA", "hand-over"), ("Bob Pair", "take")]


async def test_read_only_observer_never_executes_nor_takes_the_lease(tmp_path):
    rb, repo, run_id = fixed_run(tmp_path, ticks=False)
    app = PhaseApp(rb, repo, run_id, BOB, lease=True, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        assert "read-only" in _header(app)
        await pilot.press("D")
        await pilot.pause(0.2)
        assert app.lease is None and not app.may_execute()
        await pilot.press("p")
        for _ in range(5):
            await pilot.press("down")
        await pilot.press("enter")  # the sql step: refused, no screen opens
        await pilot.pause(0.2)
        assert app.screen is app.screen_stack[0]
    assert not [ev for ev in repo.events(run_id) if ev.kind == "lease"]
