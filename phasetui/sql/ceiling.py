"""What in a migration would lift phasetui's own timeouts: the ceiling every apply keeps.

phasetui runs every statement it applies with ``lock_timeout`` and ``statement_timeout``,
so a lock request gives up quickly instead of queueing the whole table behind a long
transaction. A migration file can undo that: ``SET lock_timeout = 0`` (pg_dump's header
has it), ``SET statement_timeout = 0``, ``SET LOCAL lock_timeout = '1min'``, ``RESET``,
``RESET ALL``, ``DISCARD ALL``, ``set_config('lock_timeout', …)``, or any of these inside a
``DO`` block. :func:`timeout_overrides` finds them on PostgreSQL's own parse tree; the
``timeout-override`` lint rule and the refusal of ``phasetui rehearse`` / ``apply`` both
call it, so the linter and the executor never disagree on what lifts the ceiling.

A value at or below phasetui's own (non-zero) is stricter and allowed: ``SET lock_timeout
= '2s'`` under a 2 s ceiling changes nothing that matters. ``idle_in_transaction_session_
timeout`` and ``transaction_timeout`` are not phasetui's limits and are left alone.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from typing import Any

from phasetui.errors import UserError
from phasetui.sql.names import walk

TIMEOUTS = ("lock_timeout", "statement_timeout")
# What a piece of SQL phasetui cannot read must mention to count as a possible override.
_MENTIONS = re.compile(r"lock_timeout|statement_timeout|\breset\b|\bdiscard\b|set_config", re.I)
_FORMAT = re.compile(r"^\s*(?:pg_catalog\s*\.\s*)?format\s*\(\s*E?'((?:[^']|'')*)'", re.I | re.S)
_LITERAL = re.compile(r"^\s*E?'((?:[^']|'')*)'\s*$", re.S)
_PLACEHOLDER = re.compile(r"%(?:\d+\$)?-?[ILs]")
_DYNAMIC = "phasetui_dynamic"  # stands for a value only known when the block runs
# PL/pgSQL statements whose expression is SQL text to run (dynamic SQL)
_DYNAMIC_KEYS = {
    ("PLpgSQL_stmt_dynexecute", "query"),
    ("PLpgSQL_stmt_dynfors", "query"),
    ("PLpgSQL_stmt_return_query", "dynquery"),
    ("PLpgSQL_stmt_open", "dynquery"),
}


@dataclass(frozen=True)
class Limits:
    """phasetui's ceiling in milliseconds; 0 means phasetui sets none (nothing can lift it).

    The defaults are those of ``phasetui apply`` (``ExecSettings``): the linter judges a
    file against them, rehearse and apply against the limits they really run with."""

    lock_timeout_ms: int = 2000
    statement_timeout_ms: int = 60000

    @classmethod
    def of_seconds(cls, lock_timeout: float, statement_timeout: float) -> Limits:
        return cls(round(lock_timeout * 1000), round(statement_timeout * 1000))

    def get(self, setting: str) -> int:
        return self.lock_timeout_ms if setting == "lock_timeout" else self.statement_timeout_ms


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class TimeoutOverride:
    """One place where the SQL would lift phasetui's ceiling, and how."""

    setting: str  # "lock_timeout", "statement_timeout", or both joined by " and "
    how: str  # "off" (0), "raise" (above the ceiling), "reset" (to the server's), "unknown"
    sql: str  # the piece of SQL that does it, on one line
    value_ms: int | None = None
    line_offset: int = 0  # lines below the statement's first line (inside a DO body)

    def describe(self, limits: Limits = DEFAULT_LIMITS) -> str:
        """``switches off phasetui's lock_timeout (2s)``, and so on."""
        ceiling = " and ".join(
            f"{name} ({fmt_ms(limits.get(name))})" for name in self.setting.split(" and ")
        )
        if self.how == "off":
            return f"switches off phasetui's {ceiling}"
        if self.how == "raise":
            return f"raises phasetui's {ceiling} to {fmt_ms(self.value_ms or 0)}"
        if self.how == "reset":
            return f"puts back the server's default for phasetui's {ceiling} (often none)"
        return f"may change phasetui's {ceiling} to a value phasetui cannot read"

    @property
    def consequence(self) -> str:
        """What the lifted limit lets happen to everyone else on the table."""
        bound = f"up to {fmt_ms(self.value_ms)}" if self.how == "raise" and self.value_ms else None
        if self.setting == "lock_timeout":
            wait = f"may wait {bound}" if bound else "waits as long as the slowest query on it"
            return (
                f"a lock request on a table after it {wait}, and every query on that table "
                "queues behind it"
            )
        if self.setting == "statement_timeout":
            limit = f"for {bound}" if bound else "without a limit"
            return (
                f"a statement after it may wait for or hold its locks {limit}, and every "
                "query on its table queues behind it"
            )
        return (
            "lock requests and statements after it are no longer cut short, and every "
            "query on their tables queues behind them"
        )


def fmt_ms(ms: int) -> str:
    if ms == 0:
        return "0, none"
    if ms % 3600000 == 0:
        return f"{ms // 3600000}h"
    if ms % 60000 == 0:
        return f"{ms // 60000}min"
    if ms % 1000 == 0:
        return f"{ms // 1000}s"
    return f"{ms}ms"


_INT_MAX = 2**31 - 1
# time units of a millisecond setting, largest first, as guc.c's table lists them
_TIME_UNITS = (("d", 86400000.0), ("h", 3600000.0), ("min", 60000.0), ("s", 1000.0),
               ("ms", 1.0), ("us", 0.001))  # fmt: skip
_STRTOL = re.compile(r"[ \t\n\r\f\v]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_STRTOD = re.compile(r"[ \t\n\r\f\v]*([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")


def pg_duration_ms(value: str | int | float | None) -> int | None:
    """A value of a millisecond setting (lock_timeout) as PostgreSQL's ``parse_int`` reads
    it — ``0``, ``2000``, ``'2s'``, ``'1.5min'``, ``'010'`` (octal: 8), ``'100us'`` (0) — or
    None when PostgreSQL would refuse it (or phasetui cannot be sure how it reads it)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):  # a bare SQL number
        if not math.isfinite(value):
            return None
        ms = round(value)
        return ms if 0 <= ms <= _INT_MAX else None
    m = _STRTOL.match(value)
    # strtol(…, 0) first; strtod only where it stopped at '.', 'e' or 'E' — which, when it
    # read no digits at all, is the very first character (" .5" is refused, ".5" is not)
    stop = value[m.end() : m.end() + 1] if m else value[:1]
    if m and stop not in (".", "e", "E"):
        digits = m[2]
        base = 10
        if digits[:2] in ("0x", "0X"):
            base = 16
        elif len(digits) > 1 and digits[0] == "0":
            base = 8
        number = float(int(digits, base)) * (-1 if m[1] == "-" else 1)
        rest = value[m.end() :]
    elif stop in (".", "e", "E"):  # strtod, decimal only (a hex float is left unread)
        f = _STRTOD.match(value)
        if f is None:
            return None
        number, rest = float(f[1]), value[f.end() :]
        if number != 0 and not (sys.float_info.min <= abs(number) < math.inf):
            return None  # strtod's ERANGE: an underflow or an overflow is refused
    else:
        return None
    rest = rest.strip(" \t\n\r\f\v")
    if rest:
        units = dict(_TIME_UNITS)
        if rest not in units:  # case-sensitive, one word
            return None
        i = [u for u, _ in _TIME_UNITS].index(rest)
        number *= units[rest]
        if i + 1 < len(_TIME_UNITS):  # round to the next smaller unit, as guc.c does
            smaller = _TIME_UNITS[i + 1][1]
            number = round(number / smaller) * smaller
    if not math.isfinite(number):
        return None
    ms = round(number)
    return ms if 0 <= ms <= _INT_MAX else None


def _const(node: Any) -> tuple[bool, Any]:
    """(is a constant, its value) of an A_Const, also behind a cast; NULL is (True, None)."""
    while type(node).__name__ == "TypeCast":
        node = node.arg
    if type(node).__name__ != "A_Const":
        return False, None
    if getattr(node, "isnull", False):
        return True, None
    val = node.val
    for attr in ("sval", "ival", "fval", "boolval"):
        if hasattr(val, attr):
            out = getattr(val, attr)
            return True, float(out) if attr == "fval" else out
    return False, None


def _short(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= 100 else one[:97] + "..."


def _one_line(node: Any, fallback: str) -> str:
    try:
        from pglast.stream import RawStream

        return _short(RawStream()(node))
    except Exception:  # noqa: BLE001 - the printer does not know every node
        return fallback


def _judge(setting: str, value: Any, limits: Limits, sql: str) -> TimeoutOverride | None:
    """A constant value given to ``setting``: an override, or None when it is stricter."""
    ceiling = limits.get(setting)
    if ceiling == 0:
        return None  # phasetui sets no limit here: nothing to lift
    ms = pg_duration_ms(value)
    if ms is None:
        return TimeoutOverride(setting, "unknown", sql)
    if ms == 0:
        return TimeoutOverride(setting, "off", sql, 0)
    if ms > ceiling:
        return TimeoutOverride(setting, "raise", sql, ms)
    return None


def _reset(settings: tuple[str, ...], limits: Limits, sql: str, how: str = "reset"):
    names = [s for s in settings if limits.get(s)]
    return [TimeoutOverride(" and ".join(names), how, sql)] if names else []


def _variable_set(node: Any, limits: Limits, text: str = "") -> list[TimeoutOverride]:
    """SET / SET LOCAL / SET SESSION / RESET / RESET ALL / SET … TO DEFAULT (``text``: the
    statement as written, when ``node`` is the whole statement)."""
    kind = node.kind.name
    sql = _short(text) if text else _one_line(node, "SET …")
    if kind == "VAR_RESET_ALL":
        return _reset(TIMEOUTS, limits, sql)
    name = (node.name or "").lower()  # setting names are case-insensitive, even quoted
    if name not in TIMEOUTS:
        return []
    if kind in ("VAR_RESET", "VAR_SET_DEFAULT"):
        return _reset((name,), limits, sql)
    if kind != "VAR_SET_VALUE":
        return []  # FROM CURRENT keeps the value in effect
    args = node.args or ()
    known, value = _const(args[0]) if len(args) == 1 else (False, None)
    found = _judge(name, value if known else None, limits, sql)
    return [found] if found else []


def _set_config(call: Any, limits: Limits) -> list[TimeoutOverride]:
    """``set_config(name, value, is_local)``, as pg_dump and ORMs write it."""
    args = call.args or ()
    if len(args) < 2:
        return []
    sql = _one_line(call, "set_config(…)")
    known, name = _const(args[0])
    if not known or not isinstance(name, str):
        return _reset(TIMEOUTS, limits, sql, how="unknown")  # which setting: unknown
    name = name.strip().lower()
    if name not in TIMEOUTS:
        return []
    known, value = _const(args[1])
    if known and value is None:  # a NULL value resets the setting
        return _reset((name,), limits, sql)
    found = _judge(name, value if known else None, limits, sql)
    return [found] if found else []


def _function_options(node: Any, limits: Limits) -> list[TimeoutOverride]:
    """``CREATE/ALTER FUNCTION … SET lock_timeout = 0``: every call runs with it."""
    out: list[TimeoutOverride] = []
    items = list(getattr(node, "options", None) or ()) + list(getattr(node, "actions", None) or ())
    for opt in items:
        if getattr(opt, "defname", None) == "set" and opt.arg is not None:
            out += _variable_set(opt.arg, limits)
    return out


def timeout_overrides(
    node: Any, limits: Limits = DEFAULT_LIMITS, text: str = ""
) -> list[TimeoutOverride]:
    """Every place in one parsed statement (``node``, a pglast statement node; ``text`` its
    SQL, for line numbers inside a DO block) that would lift ``limits``. Empty: it keeps
    phasetui's ceiling."""
    kind = type(node).__name__
    out: list[TimeoutOverride] = []
    if kind == "VariableSetStmt":
        out += _variable_set(node, limits, text)
    elif kind == "DiscardStmt" and node.target.name == "DISCARD_ALL":
        out += _reset(TIMEOUTS, limits, "DISCARD ALL")
    elif kind in ("CreateFunctionStmt", "AlterFunctionStmt"):
        out += _function_options(node, limits)
    elif kind == "DoStmt":
        out += _do_block(node, limits, text)
    if kind not in ("VariableSetStmt", "DoStmt") and (not text or "set_config" in text.lower()):
        for sub in walk(node):
            if type(sub).__name__ != "FuncCall":
                continue
            if getattr(sub.funcname[-1], "sval", "").lower() == "set_config":
                out += _set_config(sub, limits)
    return out


# -- DO blocks ----------------------------------------------------------------------------


def _do_body(node: Any) -> tuple[str | None, str]:
    body, language = None, "plpgsql"
    for arg in node.args or ():
        if arg.defname == "as":
            body = getattr(arg.arg, "sval", None)
        elif arg.defname == "language":
            language = (getattr(arg.arg, "sval", "") or "").lower()
    return body, language


def _unreadable(piece: str, line: int) -> list[TimeoutOverride]:
    """SQL phasetui cannot read: an override only if it names what could lift the ceiling."""
    if not _MENTIONS.search(piece):
        return []
    names = [t for t in TIMEOUTS if t in piece.lower()] or list(TIMEOUTS)
    return [TimeoutOverride(" and ".join(names), "unknown", _short(piece), line_offset=line)]


def _expressions(tree: Any, lineno: int = 1, dynamic: bool = False) -> Any:
    """(line, query, parse mode, dynamic?) of every PL/pgSQL expression, in order; dynamic
    ones are SQL text the block builds and runs (EXECUTE and friends)."""
    if isinstance(tree, list):
        for item in tree:
            yield from _expressions(item, lineno, dynamic)
        return
    if not isinstance(tree, dict):
        return
    for key, value in tree.items():
        if key == "PLpgSQL_expr" and isinstance(value, dict):
            yield lineno, value.get("query") or "", value.get("parseMode", 0), dynamic
        elif key.startswith("PLpgSQL_stmt") and isinstance(value, dict):
            line = value.get("lineno", lineno)
            for part, sub in value.items():
                yield from _expressions(sub, line, (key, part) in _DYNAMIC_KEYS)
        else:
            yield from _expressions(value, lineno, dynamic)


def _parse_piece(sql: str, mode: int) -> list[tuple[Any, str]] | None:
    """(node, its text) of each statement of one PL/pgSQL expression (mode 0: statements,
    2: an expression, 3+: an assignment ``target := expr``), or None when it does not parse."""
    from pglast import parse_sql

    if mode >= 3:
        m = re.match(r"^[^:=]*?(?::=|=)(.*)$", sql, re.S)
        sql = m[1] if m else sql
    text = sql if mode == 0 else f"SELECT {sql}"
    try:
        raws = parse_sql(text)
    except Exception:  # noqa: BLE001 - e.g. a PL/pgSQL variable where SQL needs a name
        return None
    out = []
    for raw in raws:
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(text)
        out.append((raw.stmt, text[start:end].strip()))
    return out


def _template(expr: str) -> str | None:
    """The SQL text of ``EXECUTE 'literal'`` or ``EXECUTE format('template', …)``."""
    m = _FORMAT.match(expr) or _LITERAL.match(expr)
    if m is None:
        return None
    return _PLACEHOLDER.sub(_DYNAMIC, m[1].replace("''", "'")).replace("%%", "%")


def _piece(sql: str, mode: int, limits: Limits, line: int) -> list[TimeoutOverride]:
    nodes = _parse_piece(sql, mode)
    if nodes is None:
        return _unreadable(sql, line)
    out: list[TimeoutOverride] = []
    for n, text in nodes:
        for found in timeout_overrides(n, limits, text):
            out.append(_shifted(found, line))
    return out


def _shifted(found: TimeoutOverride, lines: int) -> TimeoutOverride:
    return TimeoutOverride(
        found.setting, found.how, found.sql, found.value_ms, found.line_offset + lines
    )


def _do_block(node: Any, limits: Limits, text: str) -> list[TimeoutOverride]:
    """The DO block's body, read with PostgreSQL's PL/pgSQL parser: static SQL, PERFORM,
    assignments and conditions as SQL, and dynamic SQL when its text is a literal or a
    ``format`` template (a placeholder in it stands for a value phasetui cannot read)."""
    body, language = _do_body(node)
    if not body:
        return []
    start = text.find(body) if text else -1
    base = text.count("\n", 0, start) if start >= 0 else 0  # lines before the body
    if language != "plpgsql":
        return _unreadable(body, base)
    from pglast import parse_plpgsql

    try:
        tree = parse_plpgsql(
            "CREATE FUNCTION phasetui_do() RETURNS void LANGUAGE plpgsql AS "
            f"$phasetui_do${body}$phasetui_do$"
        )
    except Exception:  # noqa: BLE001 - PostgreSQL would refuse it too
        return _unreadable(body, base)
    out: list[TimeoutOverride] = []
    for lineno, query, mode, dynamic in _expressions(tree):
        if mode == 1:
            continue  # a type name
        line = base + lineno - 1
        out += _piece(query, mode, limits, line)
        if dynamic:
            template = _template(query)
            if template is None:
                out += _unreadable(query, line)
            else:
                out += _piece(template, 0, limits, line)
    return out


# -- the refusal of rehearse and apply -------------------------------------------------------


def looks_like_pg_dump(text: str) -> bool:
    return "-- PostgreSQL database dump" in text or bool(
        re.search(r"^SET idle_in_transaction_session_timeout = 0;", text, re.M)
    )


def check_ceiling(
    statements: list[Any],
    limits: Limits,
    *,
    source: str,
    text: str = "",
    verb: str = "apply",
    runbook: bool = False,
) -> None:
    """Refuses (UserError), before anything runs, SQL that would lift phasetui's timeouts.

    Not overridable: ``--override`` accepts a lint finding with a reason, the ceiling is
    what keeps every other session on the table from queueing behind phasetui. The fix
    names the flags (``runbook``: the sql step's settings) that set phasetui's own."""
    found = [(st, o) for st in statements for o in timeout_overrides(st.node, limits, st.text)]
    if not found:
        return
    places = []
    for st, o in found[:5]:
        where = f"statement #{st.index} (line {st.line + o.line_offset})"
        places.append(f"{where} `{o.sql}` {o.describe(limits)}")
    more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
    names = sorted({n for _, o in found for n in o.setting.split(" and ")})
    if runbook:
        flags = ", ".join(f'{n} = "{fmt_ms(limits.get(n))}" in the step' for n in names)
    else:
        flags = ", ".join(f"--{n.replace('_', '-')} ({fmt_ms(limits.get(n))})" for n in names)
    itself = f"phasetui sets {' and '.join(names)} itself: {flags}"
    them = "them" if len(found) > 1 else "it"
    hint = f"remove {them}; {itself}"
    if looks_like_pg_dump(text):
        hint = (
            "this looks like pg_dump output: delete the SET statement_timeout and "
            f"SET lock_timeout lines of its header (the rest of the header is harmless); {itself}"
        )
    override = " (--override does not lift them)" if verb == "apply" else ""
    raise UserError(
        f"{source}: refusing to {verb}: {'; '.join(places)}{more}. phasetui keeps its "
        f"timeouts whatever the file says{override}; nothing was run",
        hint,
    )
