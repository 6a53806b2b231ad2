"""A verify step's ``expect``: what the query's answer must be for the check to hold.

Pure (no database): the runbook loader reads every ``expect`` with :func:`parse_expect`
too, so ``phasetui check`` refuses a form the step would not understand, at its line.

Forms: a number (``0``, ``12``: the first column of the first row equals it), a string
``"<= N"``, ``">= N"``, ``"< N"``, ``"> N"``, ``"= N"`` (compared with N; a bare ``"N"`` is
``"= N"``), ``"no rows"`` (the query returns no row), ``"rows"`` (at least one row), or
``true`` / ``false`` (the first column is that boolean).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from phasetui.errors import BadInput

FORMS = '0 (or any number), "<= N", ">= N", "< N", "> N", "= N", "no rows", "rows", true or false'
_COMPARE = re.compile(r"^\s*(<=|>=|==|=|<|>)?\s*([-+]?\d+(?:\.\d+)?)\s*$")
_OPS = {
    "=": lambda a, b: a == b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
}


@dataclass(frozen=True)
class Expectation:
    """``op`` is one of ``=``, ``<=``, ``>=``, ``<``, ``>``, ``rows``, ``no rows``, ``is``
    (a boolean); ``value`` the number or boolean compared with."""

    op: str
    value: float | bool | None = None

    @property
    def text(self) -> str:
        if self.op in ("rows", "no rows"):
            return self.op
        if self.op == "is":
            return str(self.value).lower()
        return f"{self.op} {_number_text(self.value)}"

    @property
    def counts_rows(self) -> bool:
        return self.op in ("rows", "no rows")

    def holds(self, rows: list[tuple[Any, ...]]) -> tuple[bool, Any, str]:
        """(held, the value got, a note when it could not be compared) for ``rows``."""
        if self.op == "rows":
            return bool(rows), len(rows), ""
        if self.op == "no rows":
            return not rows, len(rows), ""
        if not rows or not rows[0]:
            return False, None, "the query returned no row"
        got = rows[0][0]
        if self.op == "is":
            if not isinstance(got, bool):
                return False, json_value(got), "the first column is not a boolean"
            return got is self.value, got, ""
        number = _as_number(got)
        if number is None:
            return False, json_value(got), "the first column is not a number"
        return bool(_OPS[self.op](number, self.value)), json_value(got), ""


def parse_expect(value: Any, what: str = "expect") -> Expectation:
    """The expectation ``value`` (a TOML number, string or boolean) means; BadInput else."""
    if isinstance(value, bool):
        return Expectation("is", value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise BadInput(f"{what}: {value!r} is not a number a query can return", FORMS)
        return Expectation("=", float(value))
    if isinstance(value, str):
        text = " ".join(value.lower().split())
        if text in ("rows", "no rows"):
            return Expectation(text)
        m = _COMPARE.match(value)
        if m:
            return Expectation("=" if m[1] in (None, "==") else m[1], float(m[2]))
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise BadInput(f"{what}: cannot read {shown!r}", f"write one of {FORMS}")
    raise BadInput(f"{what}: expected a number, string or boolean", f"write one of {FORMS}")


def expect_problem(value: Any) -> str | None:
    """Why ``expect = value`` is refused (for the loader), or None."""
    try:
        parse_expect(value)
    except BadInput as exc:
        return f"{exc.message.removeprefix('expect: ')}; {exc.hint}"
    return None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    return None


def _number_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def json_value(value: Any) -> Any:
    """A query's value as JSON can hold it (Decimal → int or float, others → text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)
