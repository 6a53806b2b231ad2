"""A panel that stays while the audit record has a problem: a write that failed, a damaged line.

A notification times out; an audit problem must not. The panel shows the last failed write
(until a later write succeeds), a failure to read the run (until a read succeeds), the
journal's damaged lines and an interrupted write waiting to be recovered. Plain text only:
messages quote paths and notes, which may hold ``[``.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from phasetui.audit.run_state import RunState


class AuditAlert(Static):
    DEFAULT_CSS = """
    AuditAlert {
        display: none;
        height: auto;
        max-height: 8;
        padding: 0 1;
        background: $error 15%;
        border-left: thick $error;
        color: $text;
    }
    AuditAlert.-shown {
        display: block;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.write_error = ""
        self.read_error = ""
        self.damage = ""
        self.pending = ""

    def show_state(self, state: RunState) -> None:
        self.read_error = ""
        self.damage = ""
        if state.damaged:
            lines = "; ".join(str(d) for d in state.damaged)
            self.damage = f"Damaged journal, kept as it is: {lines}; the rest is shown."
        self.pending = f"Interrupted write: {state.pending}." if state.pending else ""
        self._refresh()

    def failed_write(self, text: str) -> None:
        self.write_error = f"Not recorded: {text}"
        self._refresh()

    def write_succeeded(self) -> None:
        self.write_error = ""
        self._refresh()

    def failed_read(self, text: str) -> None:
        self.read_error = f"Cannot read the run: {text}"
        self._refresh()

    @property
    def text(self) -> str:
        parts = [self.write_error, self.read_error, self.damage, self.pending]
        return "\n".join(p for p in parts if p)

    def _refresh(self) -> None:
        text = self.text
        self.update(Text(text))
        self.set_class(bool(text), "-shown")
