"""Held-out evaluation on real migrations written by other projects.

``tests/lint_realworld/<project>/*.sql`` are migrations copied from public repositories
(each file names its source), labelled by hand in ``labels.toml`` before any linter was run
on them. Each file is linted alone with ``--phase any`` (the default); a file counts as
flagged when the lint fails (exit code 1: at least one unsuppressed error).

Targets (issue 11): recall on the unsafe files >= 0.95 and false-positive rate on the safe
files <= 0.05, at once.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from phasetui.sql.lint import LintOptions, lint_paths

REALWORLD = Path(__file__).parent / "lint_realworld"
LABELS = tomllib.loads((REALWORLD / "labels.toml").read_text(encoding="utf-8"))
MIN_RECALL = 0.95
MAX_FALSE_POSITIVE_RATE = 0.05


def _flagged(key: str) -> tuple[bool, str]:
    report = lint_paths([str(REALWORLD / f"{key}.sql")], LintOptions(phase="any"))
    errors = sorted({f.rule for f in report.findings if f.severity == "error" and not f.suppressed})
    return report.exit_code == 1, ", ".join(errors)


def test_every_file_is_labelled() -> None:
    files = {str(p.relative_to(REALWORLD).with_suffix("")) for p in REALWORLD.glob("*/*.sql")}
    assert files == set(LABELS), (
        f"unlabelled: {sorted(files - set(LABELS))}; no file: {sorted(set(LABELS) - files)}"
    )
    assert {v["label"] for v in LABELS.values()} <= {"safe", "unsafe"}
    projects = {key.split("/")[0] for key in LABELS}
    assert len(LABELS) >= 80 and len(projects) >= 10


def test_realworld_rates() -> None:
    missed: list[str] = []
    false_pos: list[str] = []
    unsafe = safe = 0
    for key, entry in sorted(LABELS.items()):
        flagged, rules = _flagged(key)
        if entry["label"] == "unsafe":
            unsafe += 1
            if not flagged:
                missed.append(f"  missed {key}: {entry['reason']}")
        else:
            safe += 1
            if flagged:
                false_pos.append(f"  false positive {key} [{rules}]: {entry['reason']}")
    recall = 1 - len(missed) / unsafe
    fpr = len(false_pos) / safe
    detail = "\n".join(missed + false_pos)
    summary = (
        f"recall {recall:.3f} ({unsafe - len(missed)}/{unsafe} unsafe flagged), "
        f"false-positive rate {fpr:.3f} ({len(false_pos)}/{safe} safe flagged)"
    )
    assert recall >= MIN_RECALL and fpr <= MAX_FALSE_POSITIVE_RATE, f"{summary}\n{detail}"


@pytest.mark.parametrize("key", sorted(LABELS))
def test_realworld_file_parses(key: str) -> None:
    report = lint_paths([str(REALWORLD / f"{key}.sql")], LintOptions(phase="any"))
    assert report.exit_code in (0, 1)
