"""Where a side of a diff comes from: a dump file, a named environment, or a DSN.

The CLI and the runbook step take one string per side:

- ``env:NAME`` — a named environment (runbook, ``phasetui.toml`` or a libpq service), read
  from its catalog (or dumped with pg_dump first, with ``via="dump"``);
- ``postgresql://…`` / ``postgres://…`` / ``service=NAME`` or any ``key=value`` conninfo — a DSN;
- anything else — a path to a pg_dump ``--schema-only`` file (``-`` reads stdin).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from phasetui.errors import BadInput
from phasetui.schema.model import SchemaModel


@dataclass(frozen=True)
class Source:
    kind: str  # "file" | "env" | "dsn"
    value: str

    @property
    def label(self) -> str:
        if self.kind == "dsn":
            from phasetui.db.environments import describe_dsn

            return describe_dsn(self.value)
        return f"env:{self.value}" if self.kind == "env" else self.value


def parse_source(text: str) -> Source:
    if text.startswith("env:"):
        name = text[4:]
        if not name:
            raise BadInput("env: needs a name", "write env:staging")
        return Source("env", name)
    if text.startswith(("postgresql://", "postgres://")) or (
        "=" in text and not Path(text).exists()
    ):
        return Source("dsn", text)
    return Source("file", text)


def resolve_dsn(source: Source, environments: Mapping | None = None) -> str:
    from phasetui.db.targets import resolve_target

    if source.kind == "env":
        return resolve_target(env=source.value, environments=environments).dsn
    from phasetui.db.environments import check_dsn

    return check_dsn(source.value, "the DSN given as a side")  # malformed: refused, unshown


def load_source(
    source: Source, via: str = "catalog", environments: Mapping | None = None
) -> SchemaModel:
    """The model for one side; ``via="dump"`` runs pg_dump for a database instead of pg_catalog."""
    if source.kind == "file":
        from phasetui.schema.dump_loader import decode_dump, load_dump, load_dump_file

        if source.value == "-":  # bytes: decoded in the encoding the dump declares
            return load_dump(decode_dump(sys.stdin.buffer.read(), "stdin"), source="stdin")
        return load_dump_file(source.value)
    dsn = resolve_dsn(source, environments)
    if via == "dump":
        from phasetui.schema.dump_loader import load_dump
        from phasetui.schema.pgdump import run_pg_dump

        return load_dump(run_pg_dump(dsn), source=source.label)
    from phasetui.schema.catalog import read_catalog

    return read_catalog(dsn, source=source.label)
