"""``phasetui check`` parses the SQL a runbook holds, and names the runbook's own line.

An inline ``sql = \"\"\"…\"\"\"`` that does not parse is reported at the line of the runbook
where the bad statement is (the DBA edits the runbook, not a temporary SQL file); a step's
``file`` is reported at that file's own line. Parsing uses the same splitter as lint,
rehearse and apply, so what check accepts is what apply will read.
"""

from __future__ import annotations

import re
from pathlib import Path

from phasetui.errors import BadInput
from phasetui.runbook.errors import Problem
from phasetui.runbook.model import Runbook, Step

_AT = re.compile(r"^(?P<name>.*?):(?P<line>\d+):(?P<col>\d+): (?P<message>.*)$", re.S)


def _value_line(source_lines: list[str], step: Step, key: str, text: str) -> int:
    """The runbook line where the value of ``key`` starts, found from the step's own line;
    the step's line when it cannot be found."""
    start = max(step.line - 1, 0)
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=\s*(?P<open>\"\"\"|'''|\"|')?")
    for n in range(start, min(len(source_lines), start + 400)):
        m = pattern.match(source_lines[n])
        if m is None:
            continue
        rest = source_lines[n][m.end() :]
        # `sql = """` followed by a newline: TOML drops that newline, the SQL starts below
        if m.group("open") in ('"""', "'''") and not rest.strip():
            return n + 2
        return n + 1
    return step.line


def _parse_problem(text: str) -> tuple[int, str] | None:
    from phasetui.sql.statements import Source, split_source

    try:
        split_source(Source("sql", text))
    except BadInput as exc:
        m = _AT.match(exc.message)
        if m:
            return int(m["line"]), m["message"]
        return 1, exc.message
    return None


def check_step_sql(rb: Runbook) -> list[Problem]:
    """Every SQL text of sql and verify steps (and [rollback]) that does not parse."""
    if rb.format != "toml":
        return []
    lines = rb.source.splitlines()
    problems: list[Problem] = []
    for step in rb.steps():
        texts: list[tuple[str, str]] = []
        if step.kind == "sql" and isinstance(step.params.get("sql"), str):
            texts.append(("sql", step.params["sql"]))
        if step.kind == "verify":
            if isinstance(step.params.get("sql"), str):
                texts.append(("sql", step.params["sql"]))
            for query in step.params.get("queries") or []:
                if isinstance(query, dict) and isinstance(query.get("sql"), str):
                    texts.append(("sql", query["sql"]))
        for key, text in texts:
            found = _parse_problem(text)
            if found is None:
                continue
            line, message = found
            at = _value_line(lines, step, key, text) + line - 1
            problems.append(Problem(rb.path, at, f"step {step.id}: the SQL does not parse: "
                                                 f"{message}"))  # fmt: skip
        if step.kind == "sql" and isinstance(step.params.get("file"), str):
            path = Path(step.params["file"])
            if not path.is_absolute():
                path = rb.path.parent / path
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                why = getattr(exc, "strerror", None) or "not UTF-8 text"
                problems.append(
                    Problem(rb.path, step.line, f"step {step.id}: cannot read {path}: {why}")
                )
                continue
            found = _parse_problem(text)
            if found is not None:
                problems.append(Problem(path, found[0], f"step {step.id}: {found[1]}"))
    if rb.rollback.sql:
        found = _parse_problem(rb.rollback.sql)
        if found is not None:
            problems.append(
                Problem(
                    rb.path, 0, f"[rollback] sql does not parse (its line {found[0]}): {found[1]}"
                )  # fmt: skip
            )
    return problems
