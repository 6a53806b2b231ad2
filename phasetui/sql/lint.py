"""The linter's public API: lint SQL text, files or stdin, get a ``LintReport``.

    from phasetui.sql.lint import lint_text, LintOptions
    report = lint_text(sql, "migrations/0042.sql", LintOptions(phase="contract"))
    report.errors, report.to_json(), report.to_markdown(), report.exit_code

Reading the target's catalog (``LintOptions.dsn``) is the only thing that connects to a
database, and the only path that imports psycopg.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasetui.errors import BadInput, UserError
from phasetui.sql.catalog import CatalogFacts
from phasetui.sql.context import Context, Options, TxnInfo, assign_transactions
from phasetui.sql.effects import statement_effects
from phasetui.sql.findings import Finding, LintReport
from phasetui.sql.names import dotted, relname, walk
from phasetui.sql.plpgsql import expand_do_blocks
from phasetui.sql.rules import RULES, RULES_BY_ID, rules_for
from phasetui.sql.statements import Source, Statement, split_source
from phasetui.sql.suppress import attach_suppressions

PHASES = ("expand", "backfill", "contract", "any")
DEFAULT_PG_VERSION = 15
DEFAULT_SMALL_TABLE_MB = 10


@dataclass
class LintOptions:
    phase: str = "any"
    pg_version: int | None = None  # None: the connected server's, else config, else 15
    disabled_rules: frozenset[str] = frozenset()
    small_table_bytes: int = DEFAULT_SMALL_TABLE_MB * 1024 * 1024
    dsn: str | None = None  # read catalog facts from this database
    catalog: CatalogFacts | None = None  # or give them directly
    # each file runs as one transaction, as golang-migrate, Flyway, sqlx, Rails, Django and
    # `psql -1` run it (artisan --pretend output keeps Laravel's own per-migration rule)
    wrapped: bool = False
    config_pg_version: int | None = field(default=None, repr=False)

    @classmethod
    def from_config(cls, section: dict[str, Any], **overrides: Any) -> LintOptions:
        """Options from ``phasetui.toml``'s ``[lint]`` (pg_version, disabled_rules,
        small_table_mb, phase, wrapped), with explicit overrides (None means 'not given')."""
        wrapped = section.get("wrapped", False)
        if not isinstance(wrapped, bool):
            raise BadInput(
                f"phasetui.toml [lint]: wrapped = {wrapped!r} is not a boolean",
                "write wrapped = true or wrapped = false",
            )
        try:
            opts = cls(
                phase=str(section.get("phase", "any")),
                disabled_rules=frozenset(str(r) for r in section.get("disabled_rules", ())),
                small_table_bytes=int(
                    float(section.get("small_table_mb", DEFAULT_SMALL_TABLE_MB)) * 1024 * 1024
                ),
                config_pg_version=int(section["pg_version"]) if "pg_version" in section else None,
                wrapped=wrapped,
            )
        except (TypeError, ValueError) as exc:
            raise BadInput(
                f"phasetui.toml [lint]: {exc}",
                "pg_version and small_table_mb are numbers, disabled_rules a list of rule ids",
            ) from None
        for key, value in overrides.items():
            if value is not None:
                setattr(opts, key, value)
        unknown = sorted(opts.disabled_rules - set(RULES_BY_ID))
        if unknown:
            raise BadInput(
                f"unknown rule(s) in disabled_rules: {', '.join(unknown)}",
                "see `phasetui lint --list-rules`",
            )
        return opts


# A runner's own "run this file outside a transaction" comment: sqlx reads
# `-- no-transaction` as the file's very first bytes; goose `-- +goose NO TRANSACTION` and
# postgres-migrations (Node) `-- postgres-migrations disable-transaction` at its top.
_SQLX_NO_TXN = "-- no-transaction"
_NO_TXN_COMMENT = re.compile(
    r"^[ \t]*--[ \t]*(\+goose[ \t]+no[ \t]+transaction"
    r"|postgres-migrations[ \t]+disable-transaction)\b",
    re.I | re.M,
)


def no_transaction_directive(text: str, statements: list[Statement]) -> str | None:
    """The runner's no-transaction comment of a plain SQL file, if any (in the comments
    before its first statement): a ``wrapped`` run leaves such a file unwrapped, as its
    runner does."""
    if text.startswith(_SQLX_NO_TXN):
        return _SQLX_NO_TXN
    head = text[: statements[0].start] if statements else text
    m = _NO_TXN_COMMENT.search(head)
    return m.group(0).strip() if m else None


def _check_phase(phase: str) -> None:
    if phase not in PHASES:
        raise BadInput(f"unknown phase {phase!r}", f"use one of {', '.join(PHASES)}")


def referenced(statements: Iterable[Statement]) -> tuple[set[str], set[str]]:
    """(relation names, function names) the statements mention: what to ask the catalog."""
    tables: set[str] = set()
    functions: set[str] = set()
    for stmt in statements:
        if stmt.kind in {"SelectStmt", "InsertStmt", "VariableSetStmt", "TransactionStmt"}:
            continue
        for node in walk(stmt.node):
            kind = type(node).__name__
            if kind == "RangeVar":
                tables.add(relname(node))
            elif kind == "FuncCall":
                functions.add(getattr(node.funcname[-1], "sval", ""))
        if stmt.kind == "DropStmt":
            tables.update(dotted(o) for o in stmt.node.objects if isinstance(o, tuple))
    return tables, functions


def lint_statements(
    statements: list[Statement], options: Options, disabled: frozenset[str] = frozenset()
) -> list[Finding]:
    statements, inside_do = expand_do_blocks(statements)
    txns = assign_transactions(statements)
    for i, (do_index, _line) in inside_do.items():
        # a DO block is one transaction: what it runs shares it, whatever surrounds it
        txns[i] = TxnInfo(txns[do_index].txn, True)
    ctx = Context(options=options, statements=statements, txns=txns)
    findings: list[Finding] = []
    table: dict[str, list] = {}
    for stmt in statements:
        effects = statement_effects(stmt.node)
        ctx.effects = effects
        rules = table.get(stmt.kind)
        if rules is None:
            rules = table[stmt.kind] = [r for r in rules_for(stmt.kind) if r.id not in disabled]
        for rule in rules:
            for finding in rule.check(stmt.node, ctx):
                if finding.rule not in disabled:
                    ctx.current.append(finding)
        if ctx.index in inside_do:
            for finding in ctx.current:
                finding.message += f" (inside the DO block, line {inside_do[ctx.index][1]})"
        findings.extend(ctx.current)
        ctx.advance(effects)
    return findings


def lint_sources(sources: list[Source], options: LintOptions | None = None) -> LintReport:
    """Lint several inputs as one migration run (objects created in one are new in the next)."""
    options = options or LintOptions()
    _check_phase(options.phase)
    statements: list[Statement] = []
    for source in sources:
        unit0 = (statements[-1].unit + 1) if statements else 0
        found = split_source(source, unit0)
        if options.wrapped and not no_transaction_directive(source.text, found):
            # the runner's transaction around the whole file: the same mark Laravel's
            # pretend output carries (already set there, per Laravel migration)
            for stmt in found:
                stmt.implicit_txn = True
        attach_suppressions(source.text, found)
        statements.extend(found)
    catalog = options.catalog
    if catalog is None and options.dsn:
        from phasetui.sql.catalog import read_catalog

        tables, functions = referenced(expand_do_blocks(statements)[0])
        catalog = read_catalog(options.dsn, tables, functions)
    pg = (
        options.pg_version
        or (catalog.server_version if catalog else None)
        or options.config_pg_version
        or DEFAULT_PG_VERSION
    )
    inner = Options(
        phase=options.phase,
        pg_version=pg,
        small_table_bytes=options.small_table_bytes,
        catalog=catalog,
    )
    findings = lint_statements(statements, inner, options.disabled_rules)
    return LintReport(
        findings=findings,
        files=[s.name for s in sources],
        statements=len(statements),
        pg_version=pg,
        phase=options.phase,
        catalog=catalog.label if catalog else None,
        wrapped=options.wrapped,
    )


def lint_text(text: str, name: str = "<stdin>", options: LintOptions | None = None) -> LintReport:
    """Lint one migration given as text (plain SQL or ``artisan migrate --pretend`` output)."""
    return lint_sources([Source(name, text)], options)


def decode_input(raw: bytes, name: str) -> str:
    """UTF-8 bytes → text; BadInput naming ``name:line:col`` of the first byte that is not
    UTF-8. Nothing is replaced: a migration with a byte PostgreSQL would refuse (a UTF8
    database rejects it) is not linted as if it held something else."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        col = len(raw[line_start : exc.start].decode("utf-8", "replace")) + 1
        raise BadInput(
            f"{name}:{line}:{col}: not UTF-8 (byte 0x{raw[exc.start]:02x})",
            "convert it to UTF-8 (e.g. `iconv -f latin1 -t utf-8`), or fix the byte",
        ) from None


def _read_stdin() -> str:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text-only stream (an embedding program's): already decoded
        return sys.stdin.read()
    return decode_input(stream.read(), "<stdin>")


def read_sources(paths: Iterable[str]) -> list[Source]:
    """Files by path, ``-`` for stdin; BadInput for a missing or unreadable file. Both are
    read as bytes and decoded here, so a bad byte is reported by line and column."""
    sources = []
    for path in paths:
        if path == "-":
            sources.append(Source("<stdin>", _read_stdin()))
            continue
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            raise BadInput(f"{path}: no such file", "check the path") from None
        except (IsADirectoryError, PermissionError, OSError) as exc:
            raise BadInput(
                f"{path}: cannot read: {exc.strerror or exc}", "give a UTF-8 .sql file"
            ) from None
        sources.append(Source(path, decode_input(raw, path)))
    if not sources:
        raise UserError("nothing to lint", "give one or more FILEs, or - for stdin")
    return sources


def lint_paths(paths: Iterable[str], options: LintOptions | None = None) -> LintReport:
    return lint_sources(read_sources(paths), options)


__all__ = [
    "RULES",
    "Finding",
    "LintOptions",
    "LintReport",
    "lint_paths",
    "lint_sources",
    "lint_text",
]
