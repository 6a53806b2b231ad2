"""One job's live pane: state, progress, rate with a sparkline, figures, blockers, log tail.

Fed a :class:`phasetui.jobs.live.JobView` by the jobs screen's refresh; redraws only when
what it shows changed, so four busy panes cost an SSH link little.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Sparkline, Static

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
    if not seconds:
        return "-"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


class JobPane(Vertical, can_focus=True):
    """Focusable: the screen's keys act on the focused pane."""

    def __init__(self, view: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view = view
        self._key: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="job-head", classes="job-head")
        yield ProgressBar(total=100, show_eta=False, id="job-bar")
        yield Sparkline([], id="job-rate")
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
        self.query_one("#job-head", Static).update(head)
        bar = self.query_one("#job-bar", ProgressBar)
        spark = self.query_one("#job-rate", Sparkline)
        if p is not None:
            bar.display = True
            bar.update(total=100, progress=round(p.fraction * 100, 1))
        else:
            bar.display = False
        spark.display = bool(view.rates)
        if view.rates:
            spark.data = view.rates[-60:]
        self.query_one("#job-figures", Static).update(self._figures(view))
        self.query_one("#job-blockers", Static).update(self._blockers(view))
        tail = status.log_tail[-3:] if status.log_tail else ([status.line] if status.line else [])
        log = Text("\n".join(tail), style="dim")
        if status.lost:
            log = Text.assemble(("worker lost — ", "bold red"), ("R resumes from its checkpoint\n",
                                "bold"), log)  # fmt: skip
        self.query_one("#job-log", Static).update(log)

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
