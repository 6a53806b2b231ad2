"""PostgreSQL's table-level lock modes and what each one blocks.

A DBA reading a rehearsal wants to know "while this runs, can the application still read
and write?", not the mode's name. This is the conflict table of the PostgreSQL manual
(explicit-locking.html, "Conflicting Lock Modes"), plus the everyday operations that take
each mode, so a mode can be translated into the traffic it stops.
"""

from __future__ import annotations

# Modes from weakest to strongest, as SQL names them.
MODES: tuple[str, ...] = (
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
)

CONFLICTS: dict[str, frozenset[str]] = {
    "ACCESS SHARE": frozenset({"ACCESS EXCLUSIVE"}),
    "ROW SHARE": frozenset({"EXCLUSIVE", "ACCESS EXCLUSIVE"}),
    "ROW EXCLUSIVE": frozenset({"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}),
    "SHARE UPDATE EXCLUSIVE": frozenset(
        {"SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}
    ),
    "SHARE": frozenset(
        {"ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE"}
        | {"ACCESS EXCLUSIVE"}
    ),
    "SHARE ROW EXCLUSIVE": frozenset(
        {"ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE"}
        | {"EXCLUSIVE", "ACCESS EXCLUSIVE"}
    ),
    "EXCLUSIVE": frozenset(set(MODES) - {"ACCESS SHARE"}),
    "ACCESS EXCLUSIVE": frozenset(MODES),
}

# Everyday operations and the mode each takes on the table (manual, "Table-Level Locks").
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("SELECT", "ACCESS SHARE"),
    ("SELECT FOR UPDATE/SHARE", "ROW SHARE"),
    ("INSERT/UPDATE/DELETE", "ROW EXCLUSIVE"),
    ("VACUUM/ANALYZE/CREATE INDEX CONCURRENTLY", "SHARE UPDATE EXCLUSIVE"),
    ("CREATE INDEX", "SHARE"),
    ("ALTER TABLE/DROP/TRUNCATE", "ACCESS EXCLUSIVE"),
)


def normalize_mode(mode: str) -> str:
    """``AccessExclusiveLock`` (pg_locks) or ``access exclusive`` → ``ACCESS EXCLUSIVE``."""
    text = mode.strip()
    if text.endswith("Lock"):
        text = text[: -len("Lock")]
        words: list[str] = []
        current = ""
        for ch in text:
            if ch.isupper() and current:
                words.append(current)
                current = ch
            else:
                current += ch
        words.append(current)
        text = " ".join(words)
    return " ".join(text.upper().split())


def conflicts(a: str, b: str) -> bool:
    return normalize_mode(b) in CONFLICTS[normalize_mode(a)]


def blocked_operations(mode: str) -> list[str]:
    """The everyday operations another session cannot run on the table while ``mode`` is held."""
    held = normalize_mode(mode)
    if held not in CONFLICTS:
        return []
    return [op for op, needs in OPERATIONS if needs in CONFLICTS[held]]


def blocks_summary(mode: str) -> str:
    """One phrase for a report: what application traffic the mode stops."""
    held = normalize_mode(mode)
    if held not in CONFLICTS:
        return "n/a"
    bad = CONFLICTS[held]
    if "ACCESS SHARE" in bad:
        return "reads and writes"
    if "ROW SHARE" in bad:
        return "writes and SELECT FOR UPDATE (plain reads go on)"
    if "ROW EXCLUSIVE" in bad:
        return "writes (reads go on)"
    if "SHARE UPDATE EXCLUSIVE" in bad:
        return "neither reads nor writes; blocks DDL, VACUUM, other index builds"
    if "SHARE" in bad:
        return "neither reads nor writes; blocks CREATE INDEX and DDL"
    return "only ACCESS EXCLUSIVE (DDL)"


def strongest(modes: list[str]) -> str | None:
    known = [normalize_mode(m) for m in modes if normalize_mode(m) in CONFLICTS]
    return max(known, key=MODES.index) if known else None


def blocks_reads(mode: str) -> bool:
    return conflicts(mode, "ACCESS SHARE")


def blocks_writes(mode: str) -> bool:
    return conflicts(mode, "ROW EXCLUSIVE")
