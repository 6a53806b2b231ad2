"""Renders a LintReport: text (terminal), JSON, SARIF 2.1.0, GitHub annotations, Markdown.

All renderers read the same findings; none uses Rich markup, so SQL text with ``[`` is
printed as written.
"""

from __future__ import annotations

import json

from phasetui.sql.findings import ERROR, Finding, LintReport

FORMATS = ("text", "json", "sarif", "github")


def _where(f: Finding) -> str:
    origin = f" [{f.migration}]" if f.migration else ""
    return f"{f.file}:{f.line}:{f.column}{origin}"


def _number(f: Finding) -> str:
    """``#3``: the statement's number in its file, as rehearsal and apply reports show it."""
    return f"#{f.statement_index}" if f.statement_index else ""


def _lock_line(f: Finding) -> str:
    if not f.lock:
        return f"effect: {f.duration}" if f.duration else ""
    on = f" on {f.relation}" if f.relation else ""
    return f"lock: {f.lock}{on}, blocks {f.blocks}, for: {f.duration}"


def _short(sql: str, width: int = 160) -> str:
    one = " ".join(sql.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def render_text(report: LintReport) -> str:
    lines: list[str] = []
    for f in report.sorted():
        tag = f"{f.severity}" + (" (suppressed)" if f.suppressed else "")
        lines.append(f"{_where(f)}: {tag} [{f.rule}] {f.message}")
        number = f" {_number(f)}" if f.statement_index else ""
        lines.append(f"    statement{number}: {_short(f.statement)}")
        if lock := _lock_line(f):
            lines.append(f"    {lock}")
        for assumption in f.assumptions:
            lines.append(f"    note: {assumption}")
        if f.suppressed:
            lines.append(f"    allowed: {f.suppressed}")
        if f.rewrite:
            lines.append("    safe rewrite:")
            for step in f.rewrite:
                note = f"   -- {step.note}" if step.note else ""
                lines.append(f"      [{step.phase}] {step.sql}{note}")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def summary(report: LintReport) -> str:
    parts = [
        f"{len(report.errors)} error(s)",
        f"{len(report.warnings)} warning(s)",
        f"{len(report.suppressed)} suppressed",
    ]
    facts = f", catalog of {report.catalog}" if report.catalog else ", no catalog"
    wrapped = ", each file one transaction" if report.wrapped else ""
    return (
        f"phasetui lint: {report.statements} statement(s), phase {report.phase}, "
        f"PostgreSQL {report.pg_version}{facts}{wrapped}: " + ", ".join(parts)
    )


def render_sarif(report: LintReport) -> str:
    from phasetui.sql.rules import RULES

    rules = [
        {
            "id": rule.id,
            "name": rule.id,
            "shortDescription": {"text": rule.title},
            "helpUri": f"https://phasetui.invalid/docs/lint.md#{rule.id}",
        }
        for rule in RULES
    ]
    index = {rule.id: i for i, rule in enumerate(RULES)}
    results = []
    for f in report.sorted():
        text = f.message
        if f.rewrite:
            text += "\nSafe rewrite:\n" + "\n".join(f"[{s.phase}] {s.sql}" for s in f.rewrite)
        result = {
            "ruleId": f.rule,
            "ruleIndex": index.get(f.rule, 0),
            "level": "error" if f.severity == ERROR else "warning",
            "message": {"text": text},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.file},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
            "properties": {
                "lock": f.lock,
                "blocks": f.blocks,
                "duration": f.duration,
                "relation": f.relation,
                "migration": f.migration,
                "statementIndex": f.statement_index,
                "assumptions": list(f.assumptions),
            },
        }
        if f.suppressed:
            result["suppressions"] = [{"kind": "inSource", "justification": f.suppressed}]
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "phasetui",
                        "informationUri": "https://phasetui.invalid/docs/lint.md",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(report: LintReport) -> str:
    """GitHub Actions workflow commands: one ::error / ::warning per unsuppressed finding."""
    lines = []
    for f in report.sorted():
        if f.suppressed:
            continue
        level = "error" if f.severity == ERROR else "warning"
        body = f.message
        if f.rewrite:
            body += "\nSafe rewrite:\n" + "\n".join(f"[{s.phase}] {s.sql}" for s in f.rewrite)
        props = (
            f"file={_gh_escape(f.file, True)},line={f.line},col={f.column},"
            f"title={_gh_escape(f.rule, True)}"
        )
        lines.append(f"::{level} {props}::{_gh_escape(body)}")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def _md_code(sql: str) -> str:
    return "```sql\n" + sql.replace("```", "` ` `") + "\n```"


def render_markdown(report: LintReport) -> str:
    """The evidence committed to a run's directory ("passed the pretend test")."""
    verdict = "FAILED" if report.errors else "passed"
    out = [
        "# Lint report",
        "",
        f"- result: **{verdict}** — {summary(report).split(': ', 1)[1]}",
        f"- phase: {report.phase}; PostgreSQL {report.pg_version}",
        f"- facts: {'catalog of ' + report.catalog if report.catalog else 'no catalog'}",
        f"- files: {', '.join(report.files) or '-'}",
        "",
    ]
    if not report.findings:
        out.append("No findings.")
    for f in report.sorted():
        state = " (suppressed)" if f.suppressed else ""
        number = f", statement {_number(f)}" if f.statement_index else ""
        out += [
            f"## {f.severity}{state}: `{f.rule}` at {_where(f)}{number}",
            "",
            f.message,
            "",
            _md_code(f.statement),
            "",
        ]
        if f.lock or f.duration:
            out.append(f"- {_lock_line(f)}")
        out += [f"- note: {a}" for a in f.assumptions]
        if f.suppressed:
            out.append(f"- allowed because: {f.suppressed}")
        if f.rewrite:
            out += ["", "Safe rewrite:", ""]
            out += [
                f"{i}. **{s.phase}**: `{s.sql}`" + (f" — {s.note}" if s.note else "")
                for i, s in enumerate(f.rewrite, 1)
            ]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def render(report: LintReport, fmt: str) -> str:
    if fmt == "json":
        return report.to_json() + "\n"
    if fmt == "sarif":
        return render_sarif(report) + "\n"
    if fmt == "github":
        return render_github(report)
    return render_text(report)
