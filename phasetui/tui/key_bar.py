"""The run screen's key line, drawn from the key registry as one line of text.

Textual's Footer builds a widget per key and restyles them on every focus change: on the
first screen that alone cost ≈ 0.1 s of the first frame. The run screen's keys do not
depend on the focus (they are the app's), so one Static says the same, at once.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from phasetui.tui.actions import APP, KEYSETS, display


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        padding: 0 1;
    }
    """

    def __init__(self, screen: str, **kwargs) -> None:
        super().__init__(self.line(screen), **kwargs)

    @staticmethod
    def line(screen: str) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        actions = [a for a in KEYSETS[screen].actions if a.show]
        actions += [a for a in APP.actions if a.show]
        for n, action in enumerate(actions):
            if n:
                text.append("  ")
            text.append(display(action.key.split(",")[0]), style="bold")
            text.append(f" {action.label}")
        return text
