"""Whether ``ALTER COLUMN … TYPE`` rewrites the table, from the old and new types.

PostgreSQL skips the rewrite (and index rebuild) only when the change is binary
coercible and the new type modifier accepts every old value: varchar widening or
dropping the length, varchar <-> text, numeric precision increase at the same scale
(or dropping both), cidr -> inet, varbit widening, and since PostgreSQL 12
timestamp <-> timestamptz when the session TimeZone is UTC.
"""

from __future__ import annotations

from dataclasses import dataclass

from phasetui.sql.names import normal_type


@dataclass(frozen=True)
class ColumnType:
    name: str
    mods: tuple[int, ...] = ()

    @classmethod
    def parse(cls, text: str) -> ColumnType:
        """From ``format_type`` output: ``character varying(20)``, ``numeric(10,2)``."""
        text = text.strip().lower()
        if "(" in text and text.endswith(")") and "[" not in text:
            base, _, rest = text.partition("(")
            mods = tuple(int(x) for x in rest[:-1].split(",") if x.strip().isdigit())
            return cls(normal_type(base), mods)
        return cls(normal_type(text), ())

    def __str__(self) -> str:
        name = _DISPLAY.get(self.name, self.name)
        return f"{name}({','.join(map(str, self.mods))})" if self.mods else name


_DISPLAY = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "bpchar": "char",
}


@dataclass(frozen=True)
class Verdict:
    rewrite: bool
    why: str


_TEXTLIKE = {"varchar", "text"}


def type_change(old: ColumnType, new: ColumnType, pg_version: int, utc: bool) -> Verdict:
    if old == new:
        return Verdict(False, "the type does not change")
    o, n = old.name, new.name
    if o in _TEXTLIKE and n in _TEXTLIKE:
        if n == "text" or not new.mods:
            return Verdict(False, f"{old} -> {new} is binary coercible")
        if o == "varchar" and old.mods and new.mods[0] >= old.mods[0]:
            return Verdict(False, f"widening {old} -> {new} needs no rewrite")
        return Verdict(
            True, f"{old} -> {new} shortens or adds a length limit: every row is checked"
        )
    if o == n == "numeric":
        if not new.mods:
            return Verdict(False, "dropping numeric's precision needs no rewrite")
        if old.mods and len(old.mods) >= 1:
            o_scale = old.mods[1] if len(old.mods) > 1 else 0
            n_scale = new.mods[1] if len(new.mods) > 1 else 0
            if o_scale == n_scale and new.mods[0] >= old.mods[0]:
                return Verdict(
                    False, "raising numeric precision at the same scale needs no rewrite"
                )
        return Verdict(True, f"{old} -> {new} changes scale or lowers precision")
    if o == n and o in {"varbit", "bit varying"}:
        if not new.mods or (old.mods and new.mods[0] >= old.mods[0]):
            return Verdict(False, "widening varbit needs no rewrite")
    if o == "cidr" and n == "inet":
        return Verdict(False, "cidr -> inet is binary coercible")
    if {o, n} == {"timestamp", "timestamptz"}:
        if pg_version >= 12 and utc:
            return Verdict(False, "timestamp <-> timestamptz with TimeZone UTC needs no rewrite")
        if pg_version >= 12:
            return Verdict(True, "timestamp <-> timestamptz rewrites unless the TimeZone is UTC")
        return Verdict(True, "timestamp <-> timestamptz rewrites before PostgreSQL 12")
    if o == n and o in {"timestamp", "timestamptz", "time", "timetz", "interval"}:
        if not new.mods or (old.mods and new.mods[0] >= old.mods[0]):
            return Verdict(False, "raising the fractional precision needs no rewrite")
    return Verdict(True, f"{old} -> {new} is not binary coercible: the table is rewritten")
