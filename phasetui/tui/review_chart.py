"""A backfill replayed as the live pane drew it: rate and progress, throttled/paused marked."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from phasetui.review.samples import Series, chart


class ReviewChart(Static):
    """Redrawn to its width: the same text chart the Markdown review holds."""

    DEFAULT_CSS = """
    ReviewChart { height: auto; padding: 0 1; }
    """

    def __init__(self, series: Series, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.series = series

    def on_resize(self) -> None:
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = max(20, (self.size.width or 60) - 26)  # the labels after the bars
        text = Text()
        for n, line in enumerate(chart(self.series, width=width, height=5)):
            style = "yellow" if "T throttled" in line else "cyan" if n < 5 else ""
            text.append(line + "\n", style=style)
        for span in self.series.spans:
            why = f": {span.reason}" if span.reason else ""
            text.append(
                f"{span.what} {span.start:,.0f}s–{span.end:,.0f}s{why}\n",
                style="bold yellow" if span.what == "throttled" else "bold magenta",
            )
        self.update(text)
