"""Apply despite lint errors: a modal that asks for a typed reason (kept in the journal).

Dismisses with the reason, or None when cancelled. A reason must say something: at least
``MIN_REASON`` characters, so "ok" or "x" is refused — the same rule as ``--override`` on
the command line (:func:`phasetui.ops.sql_step.apply_gate`).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from phasetui.ops.sql_step import MIN_REASON, override_reason
from phasetui.tui.actions import bindings, key_hint


class OverrideDialog(ModalScreen[str | None]):
    DEFAULT_CSS = """
    OverrideDialog { align: center middle; }
    OverrideDialog > #override-box {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 1 2;
    }
    OverrideDialog #override-errors { max-height: 10; overflow-y: auto; }
    OverrideDialog #override-hint { color: $text-muted; }
    OverrideDialog Label { width: 100%; }
    """

    KEYS = "override-dialog"
    BINDINGS = bindings(KEYS)

    def __init__(self, errors: list[Any], step_label: str = "") -> None:
        super().__init__(id="override-dialog")
        self.errors = errors
        self.step_label = step_label

    def compose(self) -> ComposeResult:
        title = Text(f"Lint found {len(self.errors)} error(s)", style="bold red")
        if self.step_label:
            title.append(f" in {self.step_label}", style="bold")
        listing = Text()
        for f in self.errors[:20]:
            listing.append(f"• {f.rule}", "bold")
            listing.append(f"  line {f.line}  {f.relation or ''}  {f.lock or ''}\n")
        if len(self.errors) > 20:
            listing.append(f"… and {len(self.errors) - 20} more\n", "dim")
        with Vertical(id="override-box"):
            yield Label(title, id="override-title")
            yield Static(listing, id="override-errors")
            yield Label(
                Text(
                    "Apply anyway? Type why this is safe; the reason is recorded "
                    "in the apply's evidence and the audit journal."
                )
            )
            yield Input(
                placeholder="e.g. table has 40 rows, verified in staging", id="override-reason"
            )
            yield Label(Text(key_hint(self.KEYS)), id="override-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = override_reason(event.value)
        if len(reason) < MIN_REASON:
            self.notify(
                f"Give a reason of at least {MIN_REASON} characters, or escape.",
                severity="warning",
                markup=False,
            )
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
