"""Messages the widgets and workers send to the app."""

from __future__ import annotations

from textual.message import Message

from phasetui.audit.run_state import RunState


class RunStateChanged(Message):
    """The run was re-read from the audit repo (our write, or another process's)."""

    def __init__(self, state: RunState) -> None:
        super().__init__()
        self.state = state


class RunReadFailed(Message):
    """Reading the run failed (its journal gone, the repo unreadable): shown until a read works."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class TickRequested(Message):
    def __init__(self, item_id: str) -> None:
        super().__init__()
        self.item_id = item_id
