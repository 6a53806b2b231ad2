"""What the selected step will do: its kind, environment and fields, as plain text."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from phasetui.audit.run_state import RunState
from phasetui.runbook.kinds import KINDS
from phasetui.runbook.model import Runbook, Step
from phasetui.tui.checklist_pane import short_time


class StepDetail(Static):
    # The last progress lines of each step run from this screen.
    KEEP = 3

    def __init__(self, runbook: Runbook, **kwargs) -> None:
        super().__init__(**kwargs)
        self.runbook = runbook
        self.activity: dict[str, list[str]] = {}
        self.shown: Step | None = None
        self.target = ""  # the run's environment, for steps that name none
        self.run_state: RunState | None = None
        # In a production run: the latest staging run's state (the rehearsal's evidence).
        self.staging_state: RunState | None = None

    def set_states(self, state: RunState, staging: RunState | None) -> None:
        self.run_state, self.staging_state = state, staging
        if self.shown is not None:
            self.show_step(self.shown)

    def add_activity(self, step_id: str, line: str) -> None:
        lines = self.activity.setdefault(step_id, [])
        lines.append(line)
        del lines[: -self.KEEP]
        if self.shown is not None and self.shown.id == step_id:
            self.show_step(self.shown)

    def set_target(self, target: str) -> None:
        if target != self.target:
            self.target = target
            if self.shown is not None:
                self.show_step(self.shown)

    def on_mount(self) -> None:
        self.show_step(None)

    def show_step(self, step: Step | None) -> None:
        self.shown = step
        if step is None:
            text = Text.assemble(
                (self.runbook.title, "bold"),
                "\n",
                Text(self.runbook.description.strip() or "Select a step to see what it does."),
            )
            self.update(text)
            return
        text = Text.assemble((f"{step.kind}", "bold"), "  ", (step.label, "bold"))
        for line in self.activity.get(step.id, []):
            text.append(f"\n▸ {line}", style="bold cyan")
        self._results(text, step)
        spec = KINDS.get(step.kind)
        name = step.env or (self.target if spec and spec.needs_env else "")
        if name:
            env = self.runbook.environments.get(name)
            prod = "  PRODUCTION" if env and env.production else ""
            whose = "" if step.env else " (the run's)"
            text.append(f"\nenv: {name}{whose}{prod}", style="bold red" if prod else "")
        if spec:
            text.append(f"\n{spec.summary}", style="dim italic")
        for key, value in step.params.items():
            shown = value if isinstance(value, str) else repr(value)
            text.append(f"\n{key}: ", style="bold")
            text.append(str(shown).strip())
        self.update(text)

    def _results(self, text: Text, step: Step) -> None:
        """This run's latest result of the step and, in a production run, the staging one."""
        for label, state in (("this run", self.run_state), ("staging", self.staging_state)):
            if state is None:
                continue
            result = state.latest(step.id)
            if result is None:
                if label == "staging":
                    text.append("\nstaging: never ran in the latest staging run", "bold yellow")
                continue
            mark, style = ("✓", "green") if result.ok else ("✗", "bold red")
            when = short_time(result.time)
            text.append(f"\n{label}: {mark} {result.kind} {when} — ", style)
            text.append(result.summary.split(" → ")[0])

    def show_item(self, state: RunState, item_id: str) -> None:
        """A checklist item in full, with its evidence and who ticked it when."""
        entry = state.item(item_id)
        if entry is None:
            return
        self.shown = None
        tick = state.ticks.get(item_id)
        done = bool(tick and tick.done)
        text = Text.assemble(
            ("[x] " if done else "[ ] ", "bold green" if done else "bold"), (entry.text, "bold")
        )
        result = state.evidence(item_id)
        if entry.evidence:
            step = self.runbook.step(entry.evidence)
            text.append(f"\nevidence: step {entry.evidence}", style="dim")
            if step is not None:
                text.append(f" ({step.kind}: {step.label})", style="dim")
            if result is None:
                text.append(" — not recorded yet", style="dim")
        if result is not None:
            verdict = "✓ ok" if result.ok else "✗ FAILED"
            text.append(
                f"\nevidence {verdict}: {result.kind}, {short_time(result.time)}",
                style="green" if result.ok else "bold red",
            )
            if result.summary:
                text.append(f" — {result.summary}")
        if tick:
            verb = "ticked" if tick.done else "unticked"
            text.append(f"\n{verb} by {tick.who.split(' <')[0]}, {short_time(tick.time)}")
            if tick.note:
                text.append(f": {tick.note}")
        else:
            text.append("\nnot ticked yet — press t or enter to tick it", style="dim")
        self.update(text)
