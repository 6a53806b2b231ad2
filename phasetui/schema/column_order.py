"""Column order: the one table property no ALTER can change, and positional SQL depends on.

``INSERT INTO t VALUES (…)`` without a column list, ``COPY t FROM …`` without one and
``SELECT *`` read columns by position. PostgreSQL appends ``ADD COLUMN`` at the end and
cannot move a column, so B's order is reachable from A's only when the columns both have
keep A's order and every column only B has comes after them. Anything else is reported as
one change of the table, ``column_order``, with both orders.

A source that does not record a table's order (a dump, for an inheritance child: pg_dump
leaves it to ``INHERITS`` on restore) leaves that table out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phasetui.schema.idents import qualify, split_qualified

if TYPE_CHECKING:
    from phasetui.schema.diff import Change
    from phasetui.schema.model import SchemaModel


def order_differs(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when B's order cannot come from A's by ADD COLUMN / DROP COLUMN alone."""
    kept = set(a) & set(b)
    if [c for c in a if c in kept] != [c for c in b if c in kept]:
        return True
    last_kept = max((i for i, c in enumerate(b) if c in kept), default=-1)
    return any(c not in kept for c in b[:last_kept])


def _local(name: str) -> str:
    return qualify(split_qualified(name)[-1])


def order_changes(
    a: SchemaModel, b: SchemaModel, changes: list[Change]
) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """``(table in B, A's order, B's order)`` for every table whose order differs.

    A's order is read with the renames the diff found (a renamed table, a renamed column
    under its new name), so a rename is not also an order change.
    """
    tables = {c.old_name: c.name for c in changes if c.kind == "table" and c.status == "renamed"}
    columns: dict[str, dict[str, str]] = {}
    for c in changes:
        if c.kind == "column" and c.status == "renamed" and c.old_name and c.parent:
            columns.setdefault(c.parent, {})[_local(c.old_name)] = _local(c.name)
    out = []
    for table_a, order_a in a.column_order.items():
        table_b = tables.get(table_a, table_a)
        order_b = b.column_order.get(table_b)
        if order_b is None or b.find("table", table_b) is None:
            continue
        renamed = columns.get(table_b, {})
        mapped = tuple(renamed.get(c, c) for c in order_a)
        if order_differs(mapped, order_b):
            out.append((table_b, mapped, order_b))
    return out
