"""The phases of the runbook and their steps, as a keyboard-navigable tree."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree

from phasetui.runbook.model import Runbook, Step

KIND_MARK = {
    "check": "☐",
    "sql": "≡",
    "backfill": "⇄",
    "verify": "✓",
    "backup": "⛁",
    "schema-diff": "≠",
    "migration-status": "☰",
    "drift": "≈",
    "shell": "$",
    "report": "¶",
}


class PhaseTree(Tree[Step | None]):
    """Phases as branches, steps as leaves; the selected step shows in the detail pane."""

    def __init__(self, runbook: Runbook, **kwargs) -> None:
        super().__init__(Text(runbook.title), data=None, **kwargs)
        self.runbook = runbook
        self.show_root = False
        self.guide_depth = 2

    def on_mount(self) -> None:
        for phase in self.runbook.phases:
            label = Text.assemble((phase.title, "bold"), (f"  {phase.kind}", "dim"))
            branch = self.root.add(label, data=None, expand=True)
            for step in phase.steps:
                mark = KIND_MARK.get(step.kind, "·")
                branch.add_leaf(Text(f"{mark} {step.label}"), data=step)
        self.root.expand()
        self.call_after_refresh(self._select_first)

    def _select_first(self) -> None:
        if self.cursor_line < 0:
            self.cursor_line = 0
