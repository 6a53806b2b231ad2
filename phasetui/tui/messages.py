"""Messages the widgets and workers send to the app."""

from __future__ import annotations

from textual.message import Message

from phasetui.audit.run_state import RunState


class RunStateChanged(Message):
    """The run was re-read from the audit repo (our write, or another process's)."""

    def __init__(self, state: RunState) -> None:
        super().__init__()
        self.state = state


class TickRequested(Message):
    def __init__(self, item_id: str) -> None:
        super().__init__()
        self.item_id = item_id
