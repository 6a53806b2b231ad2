"""PostgreSQL's table-level lock modes and what each one blocks.

From the "Table-Level Lock Modes" table of the PostgreSQL docs: which plain reads
(SELECT, ACCESS SHARE) and writes (INSERT/UPDATE/DELETE, ROW EXCLUSIVE) wait behind a
statement holding the mode. A lock that blocks either is "blocking" for the linter.
"""

from __future__ import annotations

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
EXCLUSIVE = "EXCLUSIVE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
SHARE = "SHARE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
ROW_EXCLUSIVE = "ROW EXCLUSIVE"
ROW_SHARE = "ROW SHARE"
ACCESS_SHARE = "ACCESS SHARE"

# mode -> strength (PostgreSQL's lock mode number) and what it blocks
_STRENGTH = {
    ACCESS_SHARE: 1,
    ROW_SHARE: 2,
    ROW_EXCLUSIVE: 3,
    SHARE_UPDATE_EXCLUSIVE: 4,
    SHARE: 5,
    SHARE_ROW_EXCLUSIVE: 6,
    EXCLUSIVE: 7,
    ACCESS_EXCLUSIVE: 8,
}
_BLOCKS = {
    ACCESS_EXCLUSIVE: "reads and writes",
    EXCLUSIVE: "writes",
    SHARE_ROW_EXCLUSIVE: "writes",
    SHARE: "writes",
}

# how long the lock is held, in the words findings use
CATALOG = "catalog only"
FULL_SCAN = "full scan"
FULL_REWRITE = "full rewrite"
INDEX_BUILD = "index build"
ROW_CHANGES = "row changes"
FAILS = "fails at run time"


def blocks(mode: str | None) -> str:
    """'reads and writes', 'writes' or 'nothing' (for normal traffic)."""
    return _BLOCKS.get(mode or "", "nothing")


def is_blocking(mode: str | None) -> bool:
    return (mode or "") in _BLOCKS


def strength(mode: str | None) -> int:
    return _STRENGTH.get(mode or "", 0)


def lock_mode_from_lockstmt(mode: int) -> str:
    """LOCK TABLE's numeric mode (1..8, as in lockdefs.h) to its name."""
    for name, number in _STRENGTH.items():
        if number == mode:
            return name
    return ACCESS_EXCLUSIVE
