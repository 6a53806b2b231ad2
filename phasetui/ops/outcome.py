"""What one run of a step produced, in the shape every step kind returns to the runner.

A step kind's code (``ops/backup.py``, ``ops/verify.py``, …) does the work and returns a
:class:`StepOutcome`; the runner (``ops/runner.py``) is the only place that writes it to the
audit repo: evidence files under attempt names that never overwrite an earlier attempt, one
journal event, one commit. So a kind's code needs no audit repo and is tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# One line of progress from a long step ("dumped table public.users (3/7)"): the CLI prints
# it, the TUI shows it in the step's pane.
ProgressFn = Callable[[str], None]


def no_progress(_line: str) -> None:
    """The progress sink when nobody is watching."""


@dataclass
class StepOutcome:
    """``ok`` is the verdict the checklist shows; ``summary`` one line for people;
    ``files`` evidence to commit, by path relative to the run folder (``backup/<step>.md``);
    ``figures`` JSON-able facts for the journal event (and the report, and the review)."""

    kind: str  # the event kind: "backup", "drift", "verify", "migration-status", "shell", …
    ok: bool
    summary: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepContext:
    """What a step kind's ``run_step`` gets from the runner: the step, its environments
    already resolved (the step's own ``env``/``envs``, else the run's target), where the run
    lives, and how to report progress and notice a stop request."""

    step: Any  # phasetui.runbook.model.Step
    runbook: Any  # phasetui.runbook.model.Runbook
    target: Any = None  # phasetui.db.environments.Environment: the step's env (own or run's)
    environments: dict[str, Any] = field(default_factory=dict)  # name -> Environment, all known
    run_id: str | None = None
    run_dir: Any = None  # pathlib.Path of the run folder, read-only for a kind (report reads it)
    progress: ProgressFn = no_progress
    stop: Any = None  # threading.Event: set when the operator asked to stop
    config: Any = None  # phasetui.config.ProjectConfig

    def env(self, name: str) -> Any:
        """The environment called ``name`` (runbook first, then phasetui.toml); UserError
        listing the known names otherwise."""
        from phasetui.errors import UserError

        found = self.environments.get(name)
        if found is None:
            known = ", ".join(sorted(self.environments)) or "none"
            raise UserError(
                f"step {self.step.id}: no environment {name!r}",
                f"known environments: {known} (runbook [environments] or phasetui.toml)",
            )
        return found
