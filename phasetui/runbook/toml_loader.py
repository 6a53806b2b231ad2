"""TOML runbooks: parsed with ``tomllib``, validated field by field with line numbers.

Validation is strict (an unknown key is an error) because a typo in a runbook — ``lock_timout``
— would otherwise silently fall back to a default in the middle of a change window.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from phasetui.environment import Environment
from phasetui.errors import BadInput
from phasetui.runbook.errors import Problem, RunbookError
from phasetui.runbook.kinds import (
    CHECKLIST_FIELDS,
    COMMON_FIELDS,
    ENVIRONMENT_FIELDS,
    FORBIDDEN_CREDENTIAL_KEYS,
    FRAMEWORKS,
    INT_MAX,
    INT_RANGES,
    KINDS,
    PHASE_FIELDS,
    ROLLBACK_FIELDS,
    RUNBOOK_FIELDS,
)
from phasetui.runbook.model import (
    PHASE_KINDS,
    ChecklistItem,
    Phase,
    Rollback,
    Runbook,
    Step,
)
from phasetui.runbook.toml_lines import LineIndex, Path_, deepest_line

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
# Control characters a string may not hold (tab, newline, CR and form feed may): an escape
# sequence in a title would reach the terminal and the git history verbatim.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_MAX_NESTING = 100


class _Checker:
    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.lines = LineIndex(source)
        self.problems: list[Problem] = []
        self.env_names: set[str] = set()
        self.step_ids: set[str] = set()
        self.phase_ids: set[str] = set()
        self.refs: list[tuple[str, str, Path_, str]] = []  # (type, value, where, what)

    def problem(self, where: Path_, message: str) -> None:
        self.problems.append(Problem(self.path, self.lines.line(where), message))

    def check_type(self, where: Path_, name: str, kind: str, value: Any) -> bool:
        what = f"`{name}`"
        expected = {
            "str": "a string",
            "path": "a file path (string)",
            "id": "an id of letters, digits, '.', '_' or '-'",
            "int": "a whole number",
            "number": "a number of seconds",
            "bool": "true or false",
            "duration": 'a duration such as "2s", "500ms" or "1min"',
            "str_list": "a list of strings",
            "str_or_list": "a string or a list of strings",
            "scalar": "a number, string or boolean",
            "queries": "a list of tables with `sql` and `expect`",
            "window": 'a time window "HH:MM-HH:MM" with an optional zone ("22:00-06:00 UTC")',
            "dump_format": 'one of "custom", "directory", "plain"',
            "drift_check": 'one of "settings", "permission" (or "privileges"), "both"',
            "framework": "one of " + ", ".join(f'"{k}"' for k in FRAMEWORKS),
            "expect": "a number, string or boolean",
            "phase_kind": "one of " + ", ".join(f'"{k}"' for k in PHASE_KINDS),
            "env": "the name of an environment declared under [environments]",
            "env_list": "a list of environment names",
            "env_pair": "a list of two environment names",
            "step": "the id of a step in this runbook",
            "phase": "the id of a phase in this runbook",
            "array": "an array of tables ([[...]])",
        }[kind]
        ok = True
        if kind in ("str", "path", "step", "phase", "env"):
            ok = isinstance(value, str) and bool(value.strip())
        elif kind == "id":
            ok = isinstance(value, str) and bool(_ID.match(value))
        elif kind == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
            low, high = INT_RANGES.get(name, (0, INT_MAX))
            if ok and not low <= value <= high:
                self.problem(
                    where, f"{what} must be a whole number from {low} to {high}, not {_show(value)}"
                )
                return False
        elif kind in ("number", "duration"):
            # The executor's own parser decides, so a runbook never passes a value that the
            # step refuses (or worse, crashes on) in the middle of the change window. Text
            # it cannot read at all gets the usual "must be …"; any other refusal (inf, too
            # long, below 1ms, no unit) is its own, more precise message.
            types = int | float if kind == "number" else str | int | float
            ok = isinstance(value, types) and not isinstance(value, bool)
            reason = _duration_problem(value, name) if ok else None
            if reason and not reason.startswith("cannot read"):
                self.problem(where, f"{what}: {reason}")
                return False
            ok = ok and reason is None
        elif kind == "bool":
            ok = isinstance(value, bool)
        elif kind in ("str_list", "env_list", "env_pair"):
            ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
            ok = ok and bool(value) and (kind != "env_pair" or len(value) == 2)
        elif kind == "str_or_list":
            ok = (isinstance(value, str) and bool(value.strip())) or (
                isinstance(value, list)
                and bool(value)
                and all(isinstance(v, str) and v for v in value)
            )
        elif kind == "scalar":
            ok = isinstance(value, str | int | float | bool)
        elif kind == "queries":
            ok = isinstance(value, list) and bool(value) and all(isinstance(q, dict) for q in value)
            if ok:
                return self._check_queries(where, value)
        elif kind == "window":
            ok = isinstance(value, str)
            reason = _window_problem(value) if ok else None
            if reason:
                self.problem(where, f"{what}: {reason}")
                return False
        elif kind == "dump_format":
            ok = value in ("custom", "directory", "plain")
        elif kind == "drift_check":
            ok = value in ("settings", "permission", "privileges", "both")
        elif kind == "framework":
            ok = isinstance(value, str) and value in FRAMEWORKS
        elif kind == "expect":
            from phasetui.runbook.expect import expect_problem

            ok = isinstance(value, str | int | float | bool)
            reason = expect_problem(value) if ok else None
            if reason:
                self.problem(where, f"{what}: {reason}")
                return False
        elif kind == "phase_kind":
            ok = isinstance(value, str) and value in PHASE_KINDS
        elif kind == "array":
            ok = isinstance(value, list) and all(isinstance(v, dict) for v in value)
        if not ok:
            self.problem(where, f"{what} must be {expected}, not {_show(value)}")
            return False
        if kind in ("env", "step", "phase"):
            self.refs.append((kind, value, where, name))
        elif kind in ("env_list", "env_pair"):
            for v in value:
                self.refs.append(("env", v, where, name))
        return True

    def _check_queries(self, where: Path_, queries: list[dict[str, Any]]) -> bool:
        """A verify step's ``queries``: each a table with a ``sql``, optional ``name`` and
        ``expect``; a problem names the query by its number."""
        ok = True
        for n, q in enumerate(queries):
            qwhere = (*where, n)
            extra = sorted(k for k in q if k not in ("name", "sql", "expect"))
            if extra:
                self.problem(
                    (*qwhere, extra[0]),
                    f"unknown key `{extra[0]}` in a query; expected `name`, `sql`, `expect`",
                )
                ok = False
            if "sql" not in q:
                self.problem(qwhere, f"query {n + 1} is missing `sql` (a string)")
                ok = False
            if "expect" not in q:
                self.problem(qwhere, f"query {n + 1} is missing `expect` (e.g. expect = 0)")
                ok = False
            for key, kind in (("sql", "str"), ("name", "str"), ("expect", "expect")):
                if key in q:
                    ok = self.check_type((*qwhere, key), key, kind, q[key]) and ok
        return ok

    def check_table(
        self,
        where: Path_,
        table: Any,
        fields: dict[str, str],
        context: str,
        required: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        if not isinstance(table, dict):
            self.problem(where, f"{context} must be a table, not {_show(table)}")
            return {}
        for key, value in table.items():
            if key in FORBIDDEN_CREDENTIAL_KEYS:
                self.problem(
                    (*where, key),
                    f"`{key}` in {context}: a runbook must never hold a DSN or password; "
                    'name a libpq service (`service = "NAME"`) or an environment variable '
                    '(`dsn_env = "VAR"`) instead',
                )
            elif key not in fields:
                self.problem(
                    (*where, key),
                    f"unknown key `{key}` in {context}; expected one of: "
                    + ", ".join(f"`{k}`" for k in fields),
                )
            else:
                self.check_type((*where, key), key, fields[key], value)
        for key in required:
            if key not in table:
                self.problem(where, f"{context} is missing `{key}` ({_describe(fields[key])})")
        return table


def _duration_problem(value: Any, name: str) -> str | None:
    """Why the executor's duration parser refuses ``value`` (its message without the key),
    or None when it accepts it."""
    from phasetui.durations import parse_duration

    try:
        parse_duration(value, what=name)
    except BadInput as exc:
        reason = exc.message.removeprefix(f"{name}: ")
        return f"{reason}; {exc.hint}" if exc.hint and "cannot read" not in reason else reason
    return None


def _window_problem(value: str) -> str | None:
    """Why the backfill's own window parser refuses ``value``, or None: the runbook accepts
    exactly the windows ``backfill run --window`` and the backfill step accept."""
    from phasetui.run_window import RunWindow

    try:
        RunWindow.parse(value)
    except BadInput as exc:
        reason = exc.message.removeprefix("window: ")
        return f"{reason}; {exc.hint}" if exc.hint else reason
    return None


def _describe(kind: str) -> str:
    return {"id": "an id", "str": "a string"}.get(kind, kind.replace("_", " "))


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) and abs(value) > 10**30:
        return "a number of more than 30 digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _text(value: Any, default: str) -> str:
    """``value`` when it is a string, else ``default``: for names in the model and messages
    while problems are collected (``str()`` of a 5,000-digit int raises)."""
    return value if isinstance(value, str) else default


def _parse_toml(path: Path, source: str) -> dict[str, Any]:
    """``tomllib.loads`` with every way it can fail turned into a problem with a line."""
    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POS.search(str(exc))
        line = int(m[1]) if m else 1
        message = _TOML_POS.sub("", str(exc)).strip()
        raise RunbookError([Problem(path, line, f"bad TOML: {message}")]) from None
    except RecursionError:
        line = deepest_line(source, _MAX_NESTING)
        raise RunbookError(
            [Problem(path, line, "arrays or tables nested too deeply to read")]
        ) from None
    except ValueError:  # an integer of more digits than Python converts (4,300)
        m = re.search(r"[0-9][0-9_]{999,}", source)
        line = source.count("\n", 0, m.start()) + 1 if m else 1
        raise RunbookError([Problem(path, line, "a number with too many digits to read")]) from None


def _check_strings(c: _Checker, data: dict[str, Any]) -> None:
    """Every key and string anywhere in the file is free of control characters (a TOML
    escape such as ``\\u001b`` gets them past the parser)."""
    stack: list[tuple[Path_, Any]] = [((), data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                _control_problem(c, (*where, key), key, key)
                stack.append(((*where, key), item))
        elif isinstance(value, list):
            stack.extend(((*where, n), item) for n, item in enumerate(value))
        elif isinstance(value, str):
            name = next((p for p in reversed(where) if isinstance(p, str)), "value")
            _control_problem(c, where, name, value)


def _control_problem(c: _Checker, where: Path_, name: str, text: str) -> None:
    m = _CONTROL.search(text)
    if m:
        shown = name if not _CONTROL.search(name) else "a key"
        c.problem(
            where,
            f"`{shown}` holds the control character U+{ord(m[0]):04X}; remove it "
            "(it would reach the terminal and the audit repo as it is)",
        )


def load_toml_runbook(path: Path, source: str) -> Runbook:
    data = _parse_toml(path, source)
    c = _Checker(path, source)
    _check_strings(c, data)
    top_fields = {"runbook", "environments", "phases", "checklist", "rollback"}
    for key in data:
        if key not in top_fields:
            c.problem(
                (key,),
                f"unknown top-level key `{key}`; expected one of: "
                + ", ".join(f"[{k}]" for k in sorted(top_fields)),
            )

    meta = c.check_table(
        ("runbook",), data.get("runbook", {}), RUNBOOK_FIELDS, "[runbook]", required=("id", "title")
    )

    environments: dict[str, Environment] = {}
    envs_raw = data.get("environments", {})
    if not isinstance(envs_raw, dict):
        c.problem(("environments",), "[environments] must be a table of named environments")
        envs_raw = {}
    for name, spec in envs_raw.items():
        where = ("environments", name)
        context = f"environment `{name}`"
        spec = c.check_table(where, spec, ENVIRONMENT_FIELDS, context)
        if isinstance(envs_raw.get(name), dict) and ("service" in spec) == ("dsn_env" in spec):
            c.problem(
                where,
                f"{context} needs exactly one of `service` (a libpq service name) "
                "and `dsn_env` (the name of a variable holding a DSN)",
            )
        environments[name] = Environment.from_mapping(name, spec)
    c.env_names = set(environments)

    phases: list[Phase] = []
    phases_raw = data.get("phases", [])
    if not isinstance(phases_raw, list) or not all(isinstance(p, dict) for p in phases_raw):
        c.problem(("phases",), "`phases` must be an array of tables: write [[phases]]")
        phases_raw = []
    if not phases_raw and "phases" not in data:
        c.problem((), "the runbook has no phases; add at least one [[phases]] table")
    for pn, praw in enumerate(phases_raw):
        pwhere: Path_ = ("phases", pn)
        c.check_table(pwhere, praw, PHASE_FIELDS, f"phase {pn + 1}", required=("id",))
        pid = _text(praw.get("id"), f"phase-{pn + 1}")
        if pid in c.phase_ids:
            c.problem((*pwhere, "id"), f"duplicate phase id `{pid}`")
        c.phase_ids.add(pid)
        kind = _text(praw.get("kind"), "") or (pid if pid in PHASE_KINDS else "other")
        phase = Phase(pid, _text(praw.get("title"), pid), kind, line=c.lines.line(pwhere))
        steps_raw = praw.get("steps", [])
        if not isinstance(steps_raw, list):
            steps_raw = []
        for sn, sraw in enumerate(steps_raw):
            step = _load_step(c, (*pwhere, "steps", sn), sraw, pid)
            if step:
                phase.steps.append(step)
        phases.append(phase)

    checklist: list[ChecklistItem] = []
    items_raw = data.get("checklist", [])
    if not isinstance(items_raw, list) or not all(isinstance(i, dict) for i in items_raw):
        c.problem(("checklist",), "`checklist` must be an array of tables: write [[checklist]]")
        items_raw = []
    seen_items: set[str] = set()
    for n, raw in enumerate(items_raw):
        where = ("checklist", n)
        c.check_table(
            where, raw, CHECKLIST_FIELDS, f"checklist item {n + 1}", required=("id", "text")
        )
        iid = _text(raw.get("id"), f"item-{n + 1}")
        if iid in seen_items:
            c.problem((*where, "id"), f"duplicate checklist item id `{iid}`")
        seen_items.add(iid)
        checklist.append(
            ChecklistItem(
                iid,
                _text(raw.get("text"), ""),
                _text(raw.get("phase"), ""),
                _text(raw.get("evidence"), "") or None,
                line=c.lines.line(where),
            )
        )

    rb = c.check_table(("rollback",), data.get("rollback", {}), ROLLBACK_FIELDS, "[rollback]")
    steps = rb.get("steps", [])
    rollback = Rollback(
        description=_text(rb.get("description"), ""),
        backup=_text(rb.get("backup"), "") or None,
        sql=_text(rb.get("sql"), ""),
        file=_text(rb.get("file"), "") or None,
        steps=[s for s in steps if isinstance(s, str)] if isinstance(steps, list) else [],
        refresh_status=rb.get("refresh_status", True) is not False,
        notes_file=_text(rb.get("notes_file"), "") or None,
    )

    for kind, value, where, name in c.refs:
        known = {"env": c.env_names, "step": c.step_ids, "phase": c.phase_ids}[kind]
        if value not in known:
            label = {"env": "environment", "step": "step", "phase": "phase"}[kind]
            choices = ", ".join(sorted(known)) or "none declared"
            c.problem(where, f"`{name}` names an unknown {label} `{value}` (known: {choices})")

    if c.problems:
        c.problems.sort(key=lambda p: p.line)
        raise RunbookError(c.problems)
    pg_version = meta.get("pg_version")
    return Runbook(
        id=str(meta["id"]),
        title=str(meta["title"]),
        path=path,
        source=source,
        format="toml",
        description=str(meta.get("description", "")),
        owner=str(meta.get("owner", "")),
        pg_version=int(pg_version) if pg_version is not None else None,
        environments=environments,
        phases=phases,
        checklist=checklist,
        rollback=rollback,
    )


def _check_kind_fields(c: _Checker, where: Path_, kind: str, raw: dict, label: str) -> None:
    """Fields that only make sense together (or apart) in one kind."""
    if kind == "verify" and "sql" in raw and "expect" not in raw:
        c.problem(where, f'{label} has `sql` but no `expect` (e.g. expect = 0, "no rows")')
    if kind == "verify" and "queries" in raw and "expect" in raw:
        c.problem((*where, "expect"), f"{label}: with `queries`, each query has its own `expect`")
    if kind == "migration-status" and "query" in raw:
        for other in ("framework", "table"):
            if other in raw:
                c.problem(
                    (*where, other),
                    f"{label} has both `query` and `{other}`: a custom query names its own "
                    f"table; drop `{other}`",
                )


def _load_step(c: _Checker, where: Path_, raw: Any, phase_id: str) -> Step | None:
    if not isinstance(raw, dict):
        c.problem(where, "a step must be a table")
        return None
    sid = _text(raw.get("id"), "")
    if sid and sid in c.step_ids:
        c.problem((*where, "id"), f"duplicate step id `{sid}`")
    c.step_ids.add(sid)
    kind = raw.get("kind")
    if kind is None:
        c.problem(where, "step is missing `kind`; expected one of: " + ", ".join(KINDS))
        return None
    if not isinstance(kind, str):
        c.problem(
            (*where, "kind"),
            f"`kind` must be a string, one of: {', '.join(KINDS)}; not {_show(kind)}",
        )
        return None
    if kind not in KINDS:
        c.problem(
            (*where, "kind"),
            f"unknown step kind {_show(kind)}; expected one of: " + ", ".join(KINDS),
        )
        return None
    spec = KINDS[kind]
    fields = {**COMMON_FIELDS, **spec.fields}
    label = f"{kind} step `{sid or '?'}`"
    c.check_table(where, raw, fields, label, required=("id", *spec.required))
    for group in spec.one_of:
        present = [f for f in group if f in raw]
        if len(present) != 1:
            names = " or ".join(f"`{f}`" for f in group)
            what = "both" if present else "neither"
            c.problem(where, f"{label} needs exactly one of {names} ({what} given)")
    if kind == "schema-diff" and ("left" in raw) != ("right" in raw):
        c.problem(where, f"{label} needs both `left` and `right` (dump files or env names)")
    _check_kind_fields(c, where, kind, raw, label)
    # A step with no `env` runs on the run's target (`phasetui run RUNBOOK --env NAME`).
    params = {k: v for k, v in raw.items() if k not in COMMON_FIELDS}
    for key, value in spec.defaults.items():
        params.setdefault(key, value)
    return Step(
        id=sid,
        kind=kind,
        title=_text(raw.get("title"), ""),
        phase=phase_id,
        env=_text(raw.get("env"), "") or None,
        params=params,
        line=c.lines.line(where),
    )
