"""Shared helpers for the schema tests: load SQL into a database, dump it, compare models."""

from __future__ import annotations

from pathlib import Path

import psycopg

FIXTURES = Path(__file__).parent / "schema_fixtures"


def load_sql(dsn: str, sql_text: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql_text)


def make_invalid_index(dsn: str) -> None:
    """A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        try:
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY dupes_v_key ON app.dupes (v)")
        except psycopg.errors.UniqueViolation:
            pass
        else:  # pragma: no cover - the fixture has duplicates
            raise AssertionError("the index should have failed")


def model_differences(a, b) -> list[str]:
    """Human-readable differences between two models (empty when equal)."""
    from phasetui.schema.model import kind_compared

    facets = a.facets & b.facets
    out = []
    for key in sorted(set(a.objects) | set(b.objects)):
        if not kind_compared(key[0], facets):
            continue
        x, y = a.objects.get(key), b.objects.get(key)
        if x is None or y is None:
            out.append(f"only in {'B' if x is None else 'A'}: {key}")
            continue
        ax, by = a.comparable(x, facets), b.comparable(y, facets)
        for attr in sorted(set(ax) | set(by)):
            if ax.get(attr) != by.get(attr):
                out.append(f"{key} {attr}: {ax.get(attr)!r} != {by.get(attr)!r}")
    for table in sorted(set(a.column_order) & set(b.column_order)):
        if a.column_order[table] != b.column_order[table]:
            out.append(
                f"column order of {table}: {a.column_order[table]} != {b.column_order[table]}"
            )
    return out
