"""Start-up figures: the TUI's first frame in tmux, and headless verbs, against baselines.

Prints medians of N runs and the ratio to a baseline measured in the same run:
- first frame of `phasetui run` (80x24, tmux) vs a Textual hello-world (Static + Footer);
- `phasetui check` / `phasetui --help` wall time vs `python -c pass`.
Target: first frame ≤ 1.5× the hello-world's.   Usage: python bench/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELLO = """
from textual.app import App
from textual.widgets import Footer, Static
class Hello(App):
    BINDINGS = [("q", "quit", "Quit")]
    def compose(self):
        yield Static("hello world ready")
        yield Footer()
Hello().run()
"""


def first_frame(command: str, want: str, timeout: float = 30) -> float:
    name = "bench" + uuid.uuid4().hex[:8]
    started = time.monotonic()
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "80", "-y", "24", command], check=True
    )
    try:
        while time.monotonic() - started < timeout:
            out = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True
            ).stdout
            if want in out:
                return time.monotonic() - started
            time.sleep(0.005)
        raise RuntimeError(f"{want!r} never appeared:\n{out}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def wall(argv: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True, cwd=ROOT)
    return time.monotonic() - started


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="phasetui-bench-"))
    hello = work / "hello.py"
    hello.write_text(HELLO)
    runbook = ROOT / "sample_runbooks" / "users_preferences.toml"
    audit = work / "audit"
    # Create the run once so every measured start resumes it (the common case).
    subprocess.run(
        [sys.executable, "-m", "phasetui", "tick", "--help"], check=True, capture_output=True
    )
    # As on a user's machine after the first start: Python caches each module's bytecode.
    # (This machine sets PYTHONDONTWRITEBYTECODE, which would make phasetui — installed in
    # editable mode, so not byte-compiled by pip like Textual — compile ~60 modules from
    # source at every start, while the hello-world imports only pre-compiled ones.)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    python = f"env -u PYTHONDONTWRITEBYTECODE {sys.executable}"
    run_tui = f"{python} -m phasetui run {runbook} --env staging --audit-repo {audit}"
    # A session kept for the whole measurement: killing the last session stops the tmux
    # server, and the next new-session then races its exit ("server exited unexpectedly").
    keeper = "benchkeep" + uuid.uuid4().hex[:8]
    subprocess.run(["tmux", "new-session", "-d", "-s", keeper, "sleep 3600"], check=True)
    try:
        _measure(args, hello, runbook, run_tui)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", keeper], capture_output=True)


def _measure(args: argparse.Namespace, hello: Path, runbook: Path, run_tui: str) -> None:
    first_frame(run_tui, "q Quit")

    rows = []
    base = [first_frame(f"env -u PYTHONDONTWRITEBYTECODE {sys.executable} {hello}", "Quit")
            for _ in range(args.runs)]  # fmt: skip
    tui = [first_frame(run_tui, "q Quit") for _ in range(args.runs)]
    rows.append(
        ("first frame: phasetui run (80x24)", median(tui), "textual hello-world", median(base))
    )
    py = [wall([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
    check = [
        wall([sys.executable, "-m", "phasetui", "check", str(runbook)]) for _ in range(args.runs)
    ]
    helps = [wall([sys.executable, "-m", "phasetui", "--help"]) for _ in range(args.runs)]
    rows.append(("phasetui check RUNBOOK", median(check), "python -c pass", median(py)))
    rows.append(("phasetui --help", median(helps), "python -c pass", median(py)))

    print(f"{'measure':38} {'median s':>9}   {'baseline':22} {'median s':>9} {'ratio':>6}")
    for label, value, base_label, base_value in rows:
        print(
            f"{label:38} {value:9.3f}   {base_label:22} {base_value:9.3f} {value / base_value:6.2f}"
        )
    print("(bytecode cached for both, as after a first start; PYTHONDONTWRITEBYTECODE unset)")
    ratio = median(tui) / median(base)
    verdict = "meets" if ratio <= 1.5 else "MISSES"
    print(
        f"\nfirst frame {median(tui):.3f} s = {ratio:.2f}x the hello-world: {verdict} the "
        f"1.5x target (min {min(tui):.3f}, max {max(tui):.3f}, {args.runs} runs)"
    )


if __name__ == "__main__":
    main()
