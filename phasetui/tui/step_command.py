"""The headless command line of a step, for a second shell: what the TUI shows on ``x``.

Built from what the app already holds (runbook, audit repo, run, person, environments): no
database, no git. The command carries ``--audit-repo``, ``--run`` and ``--as`` so it records
in this run as this person; the environments' DSN variables are named (never their values)
because a second shell often lacks them.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from phasetui.db.environments import Environment
from phasetui.runbook.model import Runbook, Step


@dataclass(frozen=True)
class StepCommand:
    command: str
    why: str
    needs: tuple[str, ...]  # "$PHASETUI_PRODUCTION_DSN (set here)" lines
    file_stem: str  # a file name for ``w``, without suffix


def step_command(
    runbook: Runbook,
    step: Step,
    *,
    audit_repo: Path,
    run_id: str,
    who: str,
    target: str,
    environments: dict[str, Environment],
) -> StepCommand:
    args = [
        "phasetui",
        "step",
        "run",
        str(runbook.path),
        step.id,
        "--audit-repo",
        str(audit_repo),
        "--run",
        run_id,
        "--as",
        who,
    ]
    command = shlex.join(args)
    names = [step.env] if step.env else []
    names += [str(e) for e in step.params.get("envs", []) or []]
    if not names and target:
        names = [target]
    needs = tuple(_need(environments[n]) for n in dict.fromkeys(names) if n in environments)
    why = (
        f"Runs step {step.id} ({step.kind}) through every gate and records it in run {run_id}, "
        "exactly as enter does here."
    )
    return StepCommand(command, why, needs, f"phasetui-{run_id}-{step.id}")


def _need(env: Environment) -> str:
    if env.service:
        return f"{env.name}: pg service {env.service} (~/.pg_service.conf)"
    if not env.dsn_env:
        return f"{env.name}: no DSN configured"
    here = "set in this shell" if os.environ.get(env.dsn_env) else "NOT set in this shell"
    return f"{env.name}: ${env.dsn_env} ({here})"
