"""Held-out real-world migrations: phasetui vs squawk on the same files, in the same run.

    python bench/bench_lint_realworld.py            # table of recall / false-positive rate
    python bench/bench_lint_realworld.py --misses   # also list each tool's misses

The set is ``tests/lint_realworld/<project>/*.sql`` with hand labels in its
``labels.toml`` (see that file for the labelling conventions). Each file is linted on its
own. phasetui: flagged when ``lint`` fails (exit 1: an unsuppressed error), ``--phase any``.
squawk (``pip install squawk-cli``): flagged when it reports any violation, once with its
defaults and once with its style / hygiene rules excluded (``STYLE_RULES``): the type
preferences, ``prefer-robust-stmts`` (IF [NOT] EXISTS), enum value ordering and the
timeout-settings rules, which phasetui reports as warnings, not errors.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REALWORLD = ROOT / "tests" / "lint_realworld"
STYLE_RULES = (
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    "prefer-identity",
    "prefer-text-field",
    "prefer-timestamp-tz",
    "prefer-timestamptz",
    "prefer-robust-stmts",
    "ban-char-field",
    "require-enum-value-ordering",
    "require-lock-timeout",
    "require-statement-timeout",
)


def load_labels() -> dict[str, str]:
    labels = tomllib.loads((REALWORLD / "labels.toml").read_text(encoding="utf-8"))
    return {key: entry["label"] for key, entry in labels.items()}


def phasetui_flags(keys: list[str]) -> dict[str, bool]:
    sys.path.insert(0, str(ROOT))
    from phasetui.sql.lint import LintOptions, lint_paths

    out = {}
    for key in keys:
        report = lint_paths([str(REALWORLD / f"{key}.sql")], LintOptions(phase="any"))
        out[key] = report.exit_code == 1
    return out


def squawk_flags(keys: list[str], exclude: tuple[str, ...] = ()) -> dict[str, bool]:
    args = ["squawk", "--reporter", "json"]
    if exclude:
        args.append("--exclude=" + ",".join(exclude))
    files = [f"{key}.sql" for key in keys]
    proc = subprocess.run(
        [*args, *files], cwd=REALWORLD, capture_output=True, text=True, check=False
    )
    if proc.returncode not in (0, 1) and not proc.stdout.strip().startswith("["):
        raise SystemExit(f"squawk failed: {proc.stderr.strip()}")
    hits: dict[str, int] = defaultdict(int)
    for violation in json.loads(proc.stdout or "[]"):
        hits[violation["file"].removesuffix(".sql")] += 1
    return {key: hits[key] > 0 for key in keys}


def rates(labels: dict[str, str], flags: dict[str, bool]) -> tuple[float, float, list, list]:
    unsafe = [k for k, v in labels.items() if v == "unsafe"]
    safe = [k for k, v in labels.items() if v == "safe"]
    missed = [k for k in unsafe if not flags[k]]
    false_pos = [k for k in safe if flags[k]]
    return 1 - len(missed) / len(unsafe), len(false_pos) / len(safe), missed, false_pos


def main() -> int:
    labels = load_labels()
    keys = sorted(labels)
    projects = defaultdict(lambda: [0, 0])
    for key, label in labels.items():
        projects[key.split("/")[0]][label == "safe"] += 1
    n_unsafe = sum(v[0] for v in projects.values())
    print(
        f"{len(keys)} migrations from {len(projects)} projects: "
        f"{n_unsafe} unsafe, {len(keys) - n_unsafe} safe"
    )
    for name, (unsafe, safe) in sorted(projects.items()):
        print(f"  {name:18} {unsafe:3} unsafe {safe:3} safe")
    tools = {"phasetui (--phase any)": phasetui_flags(keys)}
    if shutil.which("squawk"):
        version = subprocess.run(["squawk", "--version"], capture_output=True, text=True)
        name = version.stdout.strip() or "squawk"
        tools[f"{name} (defaults)"] = squawk_flags(keys)
        tools[f"{name} (style rules off)"] = squawk_flags(keys, STYLE_RULES)
    else:
        print("squawk not on PATH (pip install squawk-cli): phasetui only")
    print(f"\n{'tool':40} {'recall':>8} {'false-pos rate':>15}")
    show = "--misses" in sys.argv
    for name, flags in tools.items():
        recall, fpr, missed, false_pos = rates(labels, flags)
        print(f"{name:40} {recall:8.1%} {fpr:15.1%}")
        if show:
            for key in missed:
                print(f"    missed          {key}")
            for key in false_pos:
                print(f"    false positive  {key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
