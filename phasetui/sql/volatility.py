"""Whether a column default is volatile (evaluated per row, so ADD COLUMN rewrites the table).

Since PostgreSQL 11 a non-volatile default is stored once in the catalog; a volatile one
(``random()``, ``gen_random_uuid()``, ``clock_timestamp()``, ``nextval()``) must be
computed for every existing row. On a live server ``pg_proc.provolatile`` is the truth;
without one we use this table and say what we assumed for a function it does not know.
"""

from __future__ import annotations

from typing import Any

from phasetui.sql.names import walk

VOLATILE = frozenset(
    {
        "random",
        "random_normal",
        "clock_timestamp",
        "timeofday",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "nextval",
        "setval",
        "gen_random_bytes",
        "txid_current",
        "pg_current_xact_id",
    }
)
NOT_VOLATILE = frozenset(
    {
        "now",
        "statement_timestamp",
        "transaction_timestamp",
        "current_setting",
        "lower",
        "upper",
        "btrim",
        "trim",
        "length",
        "concat",
        "md5",
        "coalesce",
        "to_jsonb",
        "to_json",
        "jsonb_build_object",
        "json_build_object",
        "jsonb_build_array",
        "json_build_array",
        "array_fill",
        "make_interval",
        "make_date",
        "make_timestamp",
        "make_timestamptz",
        "to_timestamp",
        "to_date",
        "date_trunc",
        "timezone",
        "current_date",
        "current_user",
        "current_schema",
        "localtimestamp",
        "abs",
        "round",
        "int4",
        "int8",
        "text",
        "bool",
        "inet",
        "uuid",
        "date",
        "numeric",
    }
)


def default_volatility(expr: Any, known: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """('volatile' | 'stable', [function names whose volatility was assumed])."""
    assumed: list[str] = []
    for node in walk(expr):
        if type(node).__name__ != "FuncCall":
            continue
        name = getattr(node.funcname[-1], "sval", "").lower()
        if known and name in known:
            if known[name] == "v":
                return "volatile", []
            continue
        if name in VOLATILE:
            return "volatile", []
        if name not in NOT_VOLATILE:
            assumed.append(name)
    return ("volatile" if assumed else "stable"), assumed
