"""One job's live pane: state, progress, rate with a sparkline, figures, blockers, log tail.

Fed a :class:`phasetui.jobs.live.JobView` by the jobs screen's refresh; redraws only when
what it shows changed, so four busy panes cost an SSH link little.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

STATE_STYLE = {
    "running": "bold green",
    "starting": "bold",
    "done": "bold green",
    "failed": "bold red",
    "lost": "bold red",
    "stopped": "yellow",
    "paused": "yellow",
    "gated": "yellow",
}


def _eta(seconds: float | None) -> str:
    from phasetui.units import human_duration

    return human_duration(seconds) if seconds else "-"


BLOCKS = "▁▂▃▄▅▆▇█"
FIGURES_SECONDS = 1.0


def sparkline(values: list[float]) -> str:
    """``▁▃▅█``: each value's height against the largest of them."""
    top = max(values) if values else 0
    if top <= 0:
        return BLOCKS[0] * len(values)
    return "".join(BLOCKS[min(7, int(v / top * 7.999))] if v > 0 else " " for v in values)


class JobPane(Vertical, can_focus=True):
    """Focusable: the screen's keys act on the focused pane."""

    def __init__(self, view: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view = view
        self._key: tuple | None = None
        self._shown: dict[str, tuple] = {}
        self._ticked = 0.0
        self._catching_up = False

    def compose(self) -> ComposeResult:
        yield Static(id="job-head", classes="job-head")
        yield Static(id="job-meter", classes="job-meter")
        yield Static(id="job-figures", classes="job-figures")
        yield Static(id="job-blockers", classes="job-blockers")
        yield Static(id="job-log", classes="job-log")

    def on_mount(self) -> None:
        self.show(self.view)

    def show(self, view: Any) -> None:
        self.view = view
        key = view.key()
        if key == self._key:
            return
        self._key = key
        status = view.status
        state = status.state
        p = view.progress
        if p is not None and state == "running":
            state = p.state if p.state not in ("running",) else state
            if p.throttle_reason:
                state = f"throttled: {p.throttle_reason}"
        head = Text.assemble(
            (f"{view.step_id}", "bold"),
            f"  {status.job.kind}",
            f" on {view.env}" if view.env else "",
            "  ",
            (state, STATE_STYLE.get(status.state, "bold")),
        )
        head.append(f"\njob {status.job.id} · pid {status.job.pid} · {status.job.host}", "dim")
        self._put("#job-head", head)
        # Figures that tick with every read (rows, rate, ETA) redraw at most once a second;
        # anything else (state, blockers, the log) at once.
        now = time.monotonic()
        ticking = now - self._ticked >= FIGURES_SECONDS or not view.running
        if ticking:
            self._tick_figures()
        elif not self._catching_up:  # what it skipped now is drawn within the second
            self._catching_up = True
            self.set_timer(FIGURES_SECONDS - (now - self._ticked), self._tick_figures)
        self._put("#job-blockers", self._blockers(view))
        if status.log_tail:
            tail = status.log_tail[-3:]
        elif p is not None and view.running:
            tail = []  # a running backfill's line repeats its figures above
        else:
            tail = [status.line] if status.line else []
        log = Text("\n".join(tail), style="dim")
        if status.lost:
            log = Text.assemble(("worker lost — ", "bold red"), ("R resumes from its checkpoint\n",
                                "bold"), log)  # fmt: skip
        self._put("#job-log", log)

    def _tick_figures(self) -> None:
        self._catching_up = False
        self._ticked = time.monotonic()
        self._put("#job-meter", self._meter(self.view))
        self._put("#job-figures", self._figures(self.view))

    def _put(self, selector: str, text: Text) -> None:
        """Updates a part only when what it shows changed: an SSH link pays for each redraw."""
        shown = (text.plain, tuple((s.start, s.end, str(s.style)) for s in text.spans))
        if self._shown.get(selector) != shown:
            self._shown[selector] = shown
            self.query_one(selector, Static).update(text)

    def _meter(self, view: Any) -> Text:
        """The progress bar and the rate's sparkline as two plain lines of one style each:
        a cell-by-cell gradient costs an SSH link several KB/s per pane."""
        width = max(10, (self.size.width or 80) - 12)
        text = Text()
        p = view.progress
        if p is not None:
            done = int(round(p.fraction * width))
            text.append("━" * done, "green")
            text.append("━" * (width - done), "grey37")
            text.append(f" {p.fraction:4.0%}")
        if view.rates:
            if text:
                text.append("\n")
            text.append(sparkline(view.rates[-width:]), "cyan")
            text.append(" rate", "dim")
        return text

    def _figures(self, view: Any) -> Text:
        p = view.progress
        text = Text()
        if p is not None:
            total = f" / ~{p.rows_total_estimate:,}" if p.rows_total_estimate else ""
            rate = f"{p.rate_rows_per_second:,.0f} rows/s" if p.rate_rows_per_second else "-"
            text.append(f"rows {p.rows_done:,}{total} ({p.fraction:.0%})  {rate}  "
                        f"ETA {_eta(p.eta_seconds)}\n")  # fmt: skip
            text.append(f"batch {p.batch_size:,}  workers {p.live_workers}/{p.workers_setting}  "
                        f"retries {p.retries}  throttled {p.throttled_seconds:.0f}s")  # fmt: skip
            detail = p.detail if isinstance(p.detail, dict) else {}
            from phasetui.units import human_bytes

            wal = detail.get("wal_bytes_per_second")
            if wal:
                text.append(f"  WAL {human_bytes(wal)}/s")
            before, now = detail.get("table_bytes_before"), detail.get("table_bytes")
            if before and now:
                text.append(f"\ntable {human_bytes(before)} → {human_bytes(now)}")
            if p.last_error:
                text.append(f"\nlast error: {p.last_error}", style="red")
        for s in view.sessions:
            text.append(("\n" if text else "") + s.line())
            if s.index_build is not None:
                b = s.index_build
                frac = f" {b.fraction:.0%}" if b.fraction is not None else ""
                text.append(f"\n  index build {b.index}: {b.phase}{frac} "
                            f"(blocks {b.blocks_done:,}/{b.blocks_total:,})")  # fmt: skip
        if view.problem:
            text.append(("\n" if text else "") + view.problem, style="yellow")
        return text

    def _blockers(self, view: Any) -> Text:
        text = Text()
        for s in view.sessions:
            for b in s.blockers:
                start = b.query_start.strftime("%H:%M:%S") if b.query_start else "-"
                text.append(f"blocked by pid {b.pid} {b.user} {b.application or '-'} "
                            f"{b.state} since {start}: ", style="bold red")  # fmt: skip
                text.append(b.query[:200] + "\n")
        if text:
            text.append("k cancels, K terminates the first blocker (asked, journaled)", "dim")
        return text

    def first_blocker(self) -> Any:
        for s in self.view.sessions:
            if s.blockers:
                return s.blockers[0]
        return None
