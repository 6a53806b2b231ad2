"""The run screen's top line: the run id first (every ``--run`` needs it), then the target
environment, the person and the runbook's title, which is cut first when space runs out."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class RunHeader(Static):
    DEFAULT_CSS = """
    RunHeader {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, title: str, run_id: str, who: str, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.title_text = title
        self.run_id = run_id
        self.who = who
        self.target = ""
        self.production = False
        self.driver = ""  # pairing: "you drive" / "observing — Bob drives"

    def on_mount(self) -> None:
        self._refresh()

    def show_target(self, target: str, production: bool) -> None:
        if (target, production) != (self.target, self.production):
            self.target, self.production = target, production
            self._refresh()

    def show_driver(self, text: str) -> None:
        if text != self.driver:
            self.driver = text
            self._refresh()

    @property
    def text(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append("run ", style="dim")
        text.append(self.run_id, style="bold")
        if self.target:
            text.append(" · ")
            style = "bold red" if self.production else "bold"
            text.append(self.target.upper() if self.production else self.target, style=style)
        if self.driver:  # before the name: at 80 columns who drives must not be cut
            style = "bold green" if self.driver == "you drive" else "bold yellow reverse"
            text.append(f" · {self.driver}", style=style)
        text.append(f" · {self.who}")
        text.append(f" — {self.title_text}", style="dim")
        return text

    def _refresh(self) -> None:
        self.update(self.text)
