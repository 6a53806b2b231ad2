"""How the linter groups statements into transactions (``context.assign_transactions``).

It reads BEGIN/COMMIT/ROLLBACK through ``Statement.txn_control``, the same definition the
rehearsal and apply use, so the three agree on what opens and closes a transaction block.
"""

from __future__ import annotations

from phasetui.sql.context import assign_transactions
from phasetui.sql.statements import Source, split_source

EVERY_CONTROL = """
BEGIN;
SAVEPOINT a;
SELECT 1;
ROLLBACK TO SAVEPOINT a;
RELEASE a;
PREPARE TRANSACTION 'x';
COMMIT PREPARED 'x';
ROLLBACK PREPARED 'y';
START TRANSACTION;
SELECT 2;
END;
ABORT;
SELECT 3;
"""


def _groups(sql: str, *, implicit: bool = False) -> list[tuple[str, bool, int]]:
    """(txn_control or first word, in a block, transaction numbered from 0 in order)."""
    statements = split_source(Source("m.sql", sql))
    for stmt in statements:
        stmt.implicit_txn = implicit
    infos = assign_transactions(statements)
    numbers: dict[int, int] = {}
    return [
        (
            stmt.txn_control or stmt.text.split()[0].upper(),
            info.in_block,
            numbers.setdefault(info.txn, len(numbers)),
        )
        for stmt, info in zip(statements, infos, strict=True)
    ]


def test_every_transaction_control_statement_is_read_through_txn_control():
    assert _groups(EVERY_CONTROL) == [
        ("begin", True, 0),
        ("savepoint", True, 0),  # a savepoint stays inside the block
        ("SELECT", True, 0),
        ("rollback_to", True, 0),  # ROLLBACK TO SAVEPOINT does not end the block
        ("release", True, 0),
        ("prepare", True, 0),  # PREPARE TRANSACTION ends it
        ("commit_prepared", False, 1),  # runs on its own, outside any block
        ("rollback_prepared", False, 2),
        ("begin", True, 3),  # START TRANSACTION
        ("SELECT", True, 3),
        ("commit", True, 3),  # END
        ("rollback", False, 4),  # ABORT with nothing open
        ("SELECT", False, 5),
    ]


def test_statements_outside_a_block_are_each_their_own_transaction():
    sql = "SELECT 1;\nBEGIN;\nSELECT 2;\nSELECT 3;\nCOMMIT;\nSELECT 4;\nSELECT 5;\n"
    assert _groups(sql) == [
        ("SELECT", False, 0),
        ("begin", True, 1),
        ("SELECT", True, 1),
        ("SELECT", True, 1),
        ("commit", True, 1),
        ("SELECT", False, 2),
        ("SELECT", False, 3),
    ]


def test_an_implicit_transaction_holds_everything_outside_explicit_blocks():
    sql = "BEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;\nSELECT 3;\n"
    assert _groups(sql, implicit=True) == [
        ("begin", True, 0),
        ("SELECT", True, 0),
        ("commit", True, 0),
        ("SELECT", True, 1),  # after the COMMIT, the tool's transaction goes on
        ("SELECT", True, 1),
    ]
