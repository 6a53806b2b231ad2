"""What the linter reports: findings, their safe rewrites, and the report around them.

A finding says which statement is risky, the lock it takes, what that lock blocks and for
how long, and the statements to run instead (each with the phase it belongs to). The
report is the stable shape every output format (text, JSON, SARIF, GitHub, Markdown)
renders from.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from phasetui.sql.locks import blocks

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class RewriteStep:
    """One statement of a safe rewrite and the phase (expand/backfill/contract) it runs in."""

    phase: str
    sql: str
    note: str = ""


@dataclass
class Finding:
    rule: str
    severity: str
    message: str
    file: str = "<stdin>"
    line: int = 1
    column: int = 1
    # the statement's 1-based position in its source: the "#n" of rehearsal and apply
    # reports (0: not known)
    statement_index: int = 0
    statement: str = ""
    relation: str = ""
    lock: str | None = None
    duration: str = ""
    rewrite: tuple[RewriteStep, ...] = ()
    assumptions: tuple[str, ...] = ()
    migration: str | None = None
    suppressed: str | None = None  # the reason given in `-- phasetui: allow RULE reason`

    @property
    def blocks(self) -> str:
        return blocks(self.lock)

    @property
    def counts(self) -> bool:
        """Whether this finding makes the lint fail (an unsuppressed error)."""
        return self.severity == ERROR and self.suppressed is None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["blocks"] = self.blocks
        data["rewrite"] = [asdict(step) for step in self.rewrite]
        data["assumptions"] = list(self.assumptions)
        return {key: data[key] for key in _JSON_KEYS}


_JSON_KEYS = (
    "rule",
    "severity",
    "file",
    "line",
    "column",
    "statement_index",
    "migration",
    "message",
    "statement",
    "relation",
    "lock",
    "blocks",
    "duration",
    "rewrite",
    "assumptions",
    "suppressed",
)


@dataclass
class LintReport:
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    statements: int = 0
    pg_version: int = 15
    phase: str = "any"
    catalog: str | None = None  # the redacted label of the database whose facts were used
    wrapped: bool = False  # each file was linted as one transaction (LintOptions.wrapped)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.counts]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING and f.suppressed is None]

    @property
    def suppressed(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is not None]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (f.file, f.line, f.column, f.rule))

    def to_json(self) -> str:
        """A stable JSON list of findings, sorted by file, line, column and rule."""
        return json.dumps([f.to_dict() for f in self.sorted()], indent=2, ensure_ascii=False)

    def to_markdown(self) -> str:
        from phasetui.sql.formats import render_markdown

        return render_markdown(self)
