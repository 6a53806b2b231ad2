"""Benchmark `phasetui check` on Markdown guides of thousands of identical items.

    python bench/bench_check.py        # prints seconds for 2k / 8k / 20k items and the ratio

Identical items are the worst case of id de-duplication (``same-item``, ``same-item-2``, …):
the old loop probed every taken suffix again for each new item, 20 s for 8,000 items and
94 s for 20,000. Linear work shows as a time ratio close to the item ratio (4× and 10×
against 2,000 items); quadratic work as its square (16× and 100×).

Each figure is the best of several runs: the loader in-process, and `phasetui check` as a
fresh process (interpreter start-up included), the way a DBA or CI calls it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

COUNTS = (2_000, 8_000, 20_000)


def make_guide(folder: Path, count: int) -> Path:
    """A guide with ``count`` identical checklist items and ``count`` identical steps."""
    text = (
        "# Guide\n\n## Sign-off checklist\n"
        + "- [ ] Backup taken, file path recorded\n" * count
        + "\n## Phase 1 — add the column\n"
        + "- Run the migration on staging\n" * count
    )
    path = folder / f"guide_{count}.md"
    path.write_text(text, encoding="utf-8")
    return path


def in_process(path: Path, runs: int) -> float:
    from phasetui.runbook.loader import load_runbook

    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        load_runbook(path)
        best = min(best, time.perf_counter() - start)
    return best


def wall(path: Path, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "phasetui", "check", str(path)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for count in COUNTS:
            path = make_guide(Path(tmp), count)
            rows.append((count, in_process(path, 5), wall(path, 3)))
    base_count, base_core, _ = rows[0]
    print(
        f"{'items':>7}  {'load in-process':>15}  {'check wall':>10}  {'µs/item':>8}  "
        f"{'time ratio':>10}  {'item ratio':>10}"
    )
    for count, core, total in rows:
        print(
            f"{count:>7}  {core:>13.3f} s  {total:>8.3f} s  {core / (2 * count) * 1e6:>8.1f}  "
            f"{core / base_core:>9.1f}x  {count / base_count:>9.1f}x"
        )
    last_count, last_core, _ = rows[-1]
    growth = (last_core / base_core) / (last_count / base_count)
    verdict = "linear" if growth < 2 else "SUPERLINEAR"
    print(f"time grows {growth:.2f}x as fast as the item count: {verdict}")


if __name__ == "__main__":
    main()
