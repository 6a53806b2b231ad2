"""The ``shell`` step: a command on the jump host (``php artisan migrate --pretend``), its
output streamed line by line and recorded with its exit code.

The command runs in its own process group, so a timeout or a stop request ends it and
everything it started, not only the shell. Its output is masked (:func:`redact`) before it
is shown or recorded. With ``lint_output = true`` the output is linted as the migration SQL
of the step's phase (plain SQL or Laravel's pretend output, as ``phasetui lint -`` reads
it): the step fails on any lint error, even when the command succeeded. phasetui itself
writes to no database here; what the command does is the command's.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasetui.errors import BadInput, UserError
from phasetui.ops.outcome import StepContext, StepOutcome
from phasetui.redaction import redact

MAX_RECORDED_BYTES = 8 * 1024 * 1024  # the log keeps this much; the rest is counted
GRACE_S = 3.0  # SIGTERM, then SIGKILL after this long
DRAIN_S = 2.0  # after the command exits, how long a child it left may hold the pipe open
LINT_PHASES = {"expand": "expand", "backfill": "backfill", "contract": "contract"}


@dataclass
class ShellResult:
    argv: list[str]
    cwd: str
    exit_code: int | None = None
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)  # as the command printed them
    dropped_lines: int = 0
    timed_out: bool = False
    stopped: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and not self.stopped

    @property
    def output(self) -> str:
        text = "\n".join(self.lines) + ("\n" if self.lines else "")
        if self.dropped_lines:
            text += f"[phasetui: {self.dropped_lines} more lines not recorded]\n"
        return text

    def how_it_ended(self, timeout: float | None) -> str:
        if self.stopped:
            return "stopped by the operator"
        if self.timed_out:
            return f"timed out after {timeout:g}s (killed)"
        if self.exit_code is not None and self.exit_code < 0:
            return f"killed by signal {-self.exit_code}"
        return f"exit {self.exit_code}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "argv": [redact(a) for a in self.argv],
            "cwd": self.cwd,
            "exit_code": self.exit_code,
            "seconds": self.seconds,
            "lines": len(self.lines) + self.dropped_lines,
            "timed_out": self.timed_out,
            "stopped": self.stopped,
        }


def argv_of(command: str | list[str]) -> list[str]:
    """A string runs through ``/bin/sh -c`` (pipes, ``&&``); a list is the argv itself."""
    return ["/bin/sh", "-c", command] if isinstance(command, str) else [str(a) for a in command]


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the command's process group, SIGKILL when it has not gone in GRACE_S."""
    for sig, wait in ((signal.SIGTERM, GRACE_S), (signal.SIGKILL, GRACE_S)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_command(
    argv: list[str],
    cwd: Path,
    *,
    timeout: float | None = None,
    on_line: Any = None,
    stop: threading.Event | None = None,
    env: dict[str, str] | None = None,
) -> ShellResult:
    """Runs ``argv`` in ``cwd``, stdout and stderr merged in the order written; each line
    goes to ``on_line`` (masked) as it comes. ``timeout`` seconds (None: no limit) or
    ``stop`` end the process group."""
    result = ShellResult(list(argv), str(cwd))
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
    except FileNotFoundError:
        raise UserError(
            f"command not found: {redact(argv[0])}",
            "check `command` (a list is run as it is: give the full path, or a string to "
            "run it through /bin/sh)",
        ) from None
    except PermissionError:
        raise UserError(
            f"cannot run {redact(argv[0])}: permission denied", "check `command`"
        ) from None
    lines: queue.Queue[bytes | None] = queue.Queue()

    def reader() -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            lines.put(raw)
        lines.put(None)

    thread = threading.Thread(target=reader, name="phasetui-shell-reader", daemon=True)
    thread.start()
    recorded = 0
    exited_at: float | None = None
    while True:
        try:
            raw = lines.get(timeout=0.1)
        except queue.Empty:
            raw = b""
        if raw is None:
            break
        if raw:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if recorded + len(raw) <= MAX_RECORDED_BYTES:
                result.lines.append(line)
                recorded += len(raw)
            else:
                result.dropped_lines += 1
            if on_line is not None:
                on_line(redact(line))
        now = time.monotonic()  # checked after every line too: a flood must not hide a stop
        running = proc.poll() is None
        if running and stop is not None and stop.is_set() and not result.stopped:
            result.stopped = True
            _kill_group(proc)
        elif running and timeout and now - t0 > timeout and not result.timed_out:
            result.timed_out = True
            _kill_group(proc)
        if not raw and proc.poll() is not None:
            exited_at = exited_at or now
            if now - exited_at > DRAIN_S:  # a background child holds the pipe: end it too
                _kill_group(proc)
                break
    result.exit_code = proc.wait()
    result.seconds = round(time.monotonic() - t0, 3)
    thread.join(timeout=1.0)
    if proc.stdout is not None and not thread.is_alive():
        proc.stdout.close()
    return result


def lint_phase(ctx: StepContext) -> str:
    """The lint phase of the step: its phase's kind (expand, backfill, contract), else any."""
    for phase in getattr(ctx.runbook, "phases", []) or []:
        if phase.id == ctx.step.phase:
            return LINT_PHASES.get(phase.kind, "any")
    return "any"


def lint_output(text: str, source: str, phase: str, config: Any = None) -> tuple[Any, str]:
    """(LintReport or None, Markdown) of the command's output read as migration SQL; an
    output that is not SQL is a report of its own (None), not a crash of the step."""
    from phasetui.sql.lint import LintOptions, lint_text

    if config is None:
        from phasetui.config import load_config

        config = load_config()
    options = LintOptions.from_config(config.section("lint"), phase=phase)
    try:
        report = lint_text(text, source, options)
    except BadInput as exc:
        return None, (
            f"# lint of {source} ({phase})\n\nThe output could not be read as SQL or as "
            f"`migrate --pretend` output:\n\n    {redact(exc.message)}\n\n{redact(exc.hint)}\n"
        )
    return report, redact(report.to_markdown())


def _cwd(ctx: StepContext) -> Path:
    base = Path(ctx.runbook.path).parent if getattr(ctx.runbook, "path", None) else Path.cwd()
    given = ctx.step.params.get("cwd")
    folder = (base / given) if given else base
    if not folder.is_dir():
        where = f" at {ctx.runbook.path}:{ctx.step.line}" if ctx.runbook is not None else ""
        raise UserError(
            f"step {ctx.step.id}: the folder {folder} does not exist",
            f"fix `cwd`{where} (relative to the runbook's folder)",
        )
    return folder.resolve()


def run_step(ctx: StepContext) -> StepOutcome:
    from phasetui.db.session import parse_duration

    step = ctx.step
    argv = argv_of(step.params["command"])
    timeout = (
        parse_duration(step.params["timeout"], what="timeout") if "timeout" in step.params else None
    )
    env = dict(os.environ, PHASETUI_STEP=step.id)
    if ctx.target is not None:
        env["PHASETUI_ENV"] = ctx.target.name  # a name, never a DSN
    result = run_command(
        argv, _cwd(ctx), timeout=timeout or None, on_line=ctx.progress, stop=ctx.stop, env=env
    )
    files: dict[str, str | bytes] = {f"shell/{step.id}.log": redact(result.output)}
    figures: dict[str, Any] = result.to_dict()
    ok = result.ok
    summary = f"{result.how_it_ended(timeout)} in {result.seconds:g}s, {len(result.lines)} lines"
    if step.params.get("lint_output"):
        phase = lint_phase(ctx)
        report, markdown = lint_output(result.output, f"shell/{step.id}.log", phase, ctx.config)
        files[f"shell/{step.id}.lint.md"] = markdown
        if report is None:
            ok = False
            figures["lint"] = {"phase": phase, "readable": False}
            summary += f"; lint ({phase}): output is not SQL"
        else:
            errors, warnings = len(report.errors), len(report.warnings)
            ok = ok and errors == 0
            figures["lint"] = {
                "phase": phase,
                "errors": errors,
                "warnings": warnings,
                "statements": report.statements,
                "rules": sorted({f.rule for f in report.findings}),
            }
            summary += f"; lint ({phase}): {errors} errors, {warnings} warnings"
    files[f"shell/{step.id}.json"] = json.dumps(figures, indent=2, ensure_ascii=False) + "\n"
    return StepOutcome(kind="shell", ok=ok, summary=redact(summary), files=files, figures=figures)
