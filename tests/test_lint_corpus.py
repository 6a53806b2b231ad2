"""The lint corpus: every unsafe case reports exactly its expected errors, no safe case errs.

Cases live in ``tests/lint_corpus/*.sql`` (format in its README). The last test checks
the corpus itself stays big and balanced, so it cannot quietly shrink.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from phasetui.sql.findings import ERROR, WARNING
from phasetui.sql.lint import LintOptions, lint_text

CORPUS = Path(__file__).parent / "lint_corpus"
_CASE = re.compile(r"^-- case: (?P<name>[\w.-]+)\s*$", re.M)
_HEADER = re.compile(r"^-- (?P<key>expect|phase|pg|warn|nowarn|wrapped): (?P<value>.+?)\s*$", re.M)


@dataclass
class Case:
    name: str
    file: str
    sql: str
    expect: frozenset[str]  # empty: safe
    phase: str = "any"
    pg: int = 15
    warn: frozenset[str] = frozenset()
    nowarn: frozenset[str] = frozenset()
    wrapped: bool = False  # linted as one transaction (LintOptions.wrapped)


def _ids(value: str) -> frozenset[str]:
    return frozenset(v.strip() for v in value.split(",") if v.strip())


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CORPUS.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        starts = [m.start() for m in _CASE.finditer(text)] + [len(text)]
        for start, end in zip(starts, starts[1:], strict=False):
            chunk = text[start:end]
            name = _CASE.match(chunk)["name"]
            header = {m["key"]: m["value"] for m in _HEADER.finditer(chunk)}
            assert "expect" in header, f"{path.name}: case {name} has no expect"
            expect = header["expect"]
            cases.append(
                Case(
                    name=name,
                    file=path.name,
                    sql=chunk,
                    expect=frozenset() if expect == "safe" else _ids(expect),
                    phase=header.get("phase", "any"),
                    pg=int(header.get("pg", 15)),
                    warn=_ids(header.get("warn", "")),
                    nowarn=_ids(header.get("nowarn", "")),
                    wrapped=header.get("wrapped", "false") == "true",
                )
            )
    return cases


CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file}:{c.name}" for c in CASES])
def test_corpus_case(case: Case) -> None:
    options = LintOptions(phase=case.phase, pg_version=case.pg, wrapped=case.wrapped)
    report = lint_text(case.sql, case.name, options)
    errors = {f.rule for f in report.findings if f.severity == ERROR and not f.suppressed}
    warnings = {f.rule for f in report.findings if f.severity == WARNING}
    detail = "\n".join(f"  {f.severity} {f.rule}: {f.message}" for f in report.findings)
    assert errors == case.expect, f"errors {sorted(errors)} != {sorted(case.expect)}\n{detail}"
    assert case.warn <= warnings, f"missing warnings {sorted(case.warn - warnings)}\n{detail}"
    assert not (case.nowarn & warnings), f"unexpected warnings\n{detail}"
    assert report.exit_code == (1 if case.expect else 0)
    for finding in report.findings:
        if finding.severity == ERROR:
            assert finding.rewrite, f"{finding.rule} has no safe rewrite"
            assert finding.duration, f"{finding.rule} says nothing of duration"


def test_corpus_is_big_and_balanced() -> None:
    unsafe = [c for c in CASES if c.expect]
    safe = [c for c in CASES if not c.expect]
    assert len(CASES) >= 150
    assert len(unsafe) >= 60 and len(safe) >= 60
    for phase in ("expand", "backfill", "contract"):
        assert any(c.phase == phase and c.expect for c in CASES), phase
        assert any(c.phase == phase and not c.expect for c in CASES), phase
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"


def test_every_rule_is_exercised_by_the_corpus() -> None:
    from phasetui.sql.rules import RULES

    seen = set()
    for case in CASES:
        seen |= case.expect | case.warn
    missing = {r.id for r in RULES} - seen
    assert not missing, f"rules without a corpus case: {sorted(missing)}"
