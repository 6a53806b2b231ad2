"""Putting the user's names and SQL into a statement so that they reach the server untouched.

psycopg reads a statement it is given parameters for as a template: every ``%`` starts a
placeholder. ``sql.Identifier("50% off")`` renders as ``"50% off"`` without doubling the
``%``, so a table, column or type named with a ``%`` (or ``%s``) turned the batch statement
into a placeholder error, and the user's ``--where "code LIKE 'A%'"`` into another; doubling
the ``%`` in a statement run *without* parameters sends ``%%`` to the server instead (the
estimate counted ``LIKE 'A%%'``).

So, one rule for every statement the backfill composes from user input:

- every user-given piece goes in through :func:`ident` or :func:`text`, which double ``%``;
- every such statement is executed through :func:`execute`, which always hands psycopg a
  parameter mapping (``{}`` when there are none), so the ``%%`` always turns back into ``%``.

The one exception is DDL whose body is a string literal (the batch function): it is
composed unescaped and executed without parameters (see ``batches.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql


def ident(*names: str) -> sql.SQL:
    """A quoted (optionally qualified) identifier, safe in a statement run with parameters."""
    return text(sql.Identifier(*names).as_string(None))


def text(raw: str) -> sql.SQL:
    """SQL text the user wrote (or a name the catalog gave), ``%`` doubled for psycopg."""
    return sql.SQL(raw.replace("%", "%%"))


def execute(
    conn: psycopg.Connection,
    stmt: sql.Composable,
    params: Mapping[str, Any] | Sequence[Any] | None = None,
    *,
    prepare: bool | None = None,
) -> psycopg.Cursor:
    """``conn.execute`` that always parses placeholders (``%%`` → ``%``), see above."""
    return conn.execute(stmt, {} if params is None else params, prepare=prepare)
