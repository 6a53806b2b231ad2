"""``CREATE TABLE`` from a dump: sqlglot parses it, its tokens give back the exact text.

sqlglot (postgres dialect) is the parser of record: it rejects a malformed statement and names
the columns. Attribute values (type, default, generation expression, CHECK text) are then cut
from the statement's own text with the token offsets, because pg_dump wrote them with the
server's deparser (``format_type``, ``pg_get_expr``, ``pg_get_constraintdef``) and the catalog
reader reads the very same text: exact equality, no normalisation guesswork.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

from phasetui.schema.idents import fold, split_qualified
from phasetui.schema.text import squash

logging.getLogger("sqlglot").setLevel(logging.ERROR)


@lru_cache(maxsize=1)
def _dialect():
    from sqlglot.dialects.postgres import Postgres

    return Postgres()


def sqlglot_parse(stmt: str):
    """(tree, tokens) for one statement; raises sqlglot's ParseError/TokenError."""
    dialect = _dialect()
    tokens = dialect.tokenize(stmt)
    tree = dialect.parser().parse(list(tokens), stmt)[0]
    return tree, tokens


@dataclass
class ColumnText:
    name: str
    type: str
    collation: str | None = None
    default: str | None = None
    generated: str | None = None
    generated_kind: str | None = None
    identity: str | None = None
    not_null: bool = False
    not_null_no_inherit: bool = False


@dataclass
class NotNullText:
    """A ``NOT NULL col`` table constraint (PostgreSQL 18 dumps write them for inherited
    columns: ``NOT NULL id`` or ``CONSTRAINT name NOT NULL id [NO INHERIT]``)."""

    column: str
    name: str | None = None
    no_inherit: bool = False


@dataclass
class TableText:
    schema: str
    name: str
    columns: list[ColumnText] = field(default_factory=list)
    checks: list[tuple[str, str]] = field(default_factory=list)  # (name, definition)
    not_nulls: list[NotNullText] = field(default_factory=list)
    tail: str = ""  # text after the column list: PARTITION BY, INHERITS, WITH …
    unlogged: bool = False


_STOP = {
    "COLLATE",
    "DEFAULT",
    "GENERATED",
    "CONSTRAINT",
    "NOT",
    "NULL",
    "CHECK",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
}


@lru_cache(maxsize=1)
def _quoted_types() -> tuple:
    from sqlglot.tokens import TokenType

    return (TokenType.STRING, TokenType.IDENTIFIER)


def _word(tok) -> str:
    """The token's keyword text in upper case, or "" for strings and quoted names."""
    return "" if tok.token_type in _quoted_types() else tok.text.upper()


def _is_word(tok, word: str) -> bool:
    return _word(tok) == word


def parse_create_table(stmt: str, notes: list[str] | None = None) -> TableText:
    """Columns and checks of one ``CREATE TABLE``.

    sqlglot's tree names the items when it parses the statement; where its grammar falls
    short (``bit varying(5)`` is one case) the same token runs are read without the tree and
    ``notes`` says so, so a dump never fails on a type sqlglot does not know.
    """
    from sqlglot import exp
    from sqlglot.errors import ParseError
    from sqlglot.tokens import TokenType

    dialect = _dialect()
    tokens = dialect.tokenize(stmt)
    tree = None
    # sqlglot's grammar has no NOT NULL table constraint (PostgreSQL 18): read those without it
    if not _has_not_null_item(stmt):
        try:
            tree = dialect.parser().parse(list(tokens), stmt)[0]
        except ParseError as exc:
            if notes is not None:
                notes.append(str(exc).splitlines()[0])
    if tree is not None and not (
        isinstance(tree, exp.Create) and isinstance(tree.this, exp.Schema)
    ):
        raise ValueError("not a CREATE TABLE with a column list")
    # the items of the top-level parenthesised list, as token runs
    start = next(i for i, t in enumerate(tokens) if t.token_type == TokenType.L_PAREN)
    items: list[list] = [[]]
    depth = 0
    end = start
    opening = (TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE)
    closing = (TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE)
    for i in range(start, len(tokens)):
        tok = tokens[i]
        if tok.token_type in opening:
            depth += 1
            if depth == 1:
                continue
        elif tok.token_type in closing:
            depth -= 1
            if depth == 0:
                end = i
                break
        elif tok.token_type == TokenType.COMMA and depth == 1:
            items.append([])
            continue
        items[-1].append(tok)
    items = [it for it in items if it]
    if depth != 0:
        raise ValueError("unbalanced parentheses in the column list")
    head = stmt[: tokens[start].start]
    name_text = re.sub(
        r"(?is)^\s*CREATE\s+(?:UNLOGGED\s+|TEMP(?:ORARY)?\s+)?TABLE\s+"
        r"(?:IF\s+NOT\s+EXISTS\s+)?",
        "",
        head,
    ).strip()
    parts = split_qualified(name_text)
    out = TableText(
        schema=parts[0] if len(parts) > 1 else "public",
        name=parts[-1],
        tail=stmt[tokens[end].end + 1 :].strip(),
        unlogged=any(_is_word(t, "UNLOGGED") for t in tokens[:start]),
    )
    defs = tree.this.expressions if tree is not None else [None] * len(items)
    if len(items) != len(defs):
        raise ValueError("column list does not match the parse tree")
    for toks in items:
        first = _word(toks[0])
        if first == "CONSTRAINT" and len(toks) > 2:
            cname = _ident(toks[1])
            if _not_null_at(toks, 2):
                out.not_nulls.append(_not_null_item(stmt, toks[4:], cname, toks[2:]))
            else:
                out.checks.append((cname, squash(stmt[toks[2].start : toks[-1].end + 1])))
        elif _not_null_at(toks, 0):
            out.not_nulls.append(_not_null_item(stmt, toks[2:], None, toks))
        elif first in ("CONSTRAINT", "CHECK", "PRIMARY", "UNIQUE", "FOREIGN", "EXCLUDE", "LIKE"):
            raise ValueError(f"unnamed table constraint or LIKE: {_span(stmt, toks)[:60]!r}")
        else:
            out.columns.append(_column(stmt, _ident(toks[0]), toks))
    return out


def _not_null_at(toks: list, i: int) -> bool:
    return len(toks) > i + 2 and _is_word(toks[i], "NOT") and _is_word(toks[i + 1], "NULL")


_NOT_NULL_ITEM = re.compile(r"[(,]\s*(?:CONSTRAINT\s+\S+\s+)?NOT\s+NULL\s", re.I)


def _has_not_null_item(stmt: str) -> bool:
    """True when an item of the column list may start with [CONSTRAINT x] NOT NULL."""
    from phasetui.schema.text import mask

    return bool(_NOT_NULL_ITEM.search(mask(stmt)))


def _not_null_item(stmt: str, rest: list, name: str | None, whole: list) -> NotNullText:
    if not rest:
        raise ValueError(f"NOT NULL without a column: {_span(stmt, whole)[:60]!r}")
    item = NotNullText(column=_ident(rest[0]), name=name)
    tail = [_word(t) for t in rest[1:]]
    if tail == ["NO", "INHERIT"]:
        item.no_inherit = True
    elif tail:
        raise ValueError(
            f"not how pg_dump writes a NOT NULL constraint: {_span(stmt, whole)[:60]!r}"
        )
    return item


def _ident(tok) -> str:
    """A name token: quoted names keep their exact spelling (sqlglot has already undone the
    ``""`` escapes), bare ones fold to lower case as the server folds them."""
    return tok.text if tok.token_type in _quoted_types() else fold(tok.text)


def _span(stmt: str, toks: list) -> str:
    return squash(stmt[toks[0].start : toks[-1].end + 1]) if toks else ""


def _column(stmt: str, name: str, toks: list) -> ColumnText:
    from sqlglot.tokens import TokenType

    rest = toks[1:]
    col = ColumnText(name=name, type="")
    # pg_dump ends a column with [CONSTRAINT name] NOT NULL [NO INHERIT]
    if len(rest) >= 4 and _is_word(rest[-2], "NO") and _is_word(rest[-1], "INHERIT"):
        if _is_word(rest[-4], "NOT") and _is_word(rest[-3], "NULL"):
            col.not_null_no_inherit = True
            rest = rest[:-2]
    if len(rest) >= 2 and _is_word(rest[-2], "NOT") and _is_word(rest[-1], "NULL"):
        col.not_null = True
        rest = rest[:-2]
        if len(rest) >= 2 and _is_word(rest[-2], "CONSTRAINT"):
            rest = rest[:-2]
    depth = 0
    cut = len(rest)
    for i, tok in enumerate(rest):
        if tok.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
        elif tok.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET):
            depth -= 1
        elif depth == 0 and i > 0 and _word(tok) in _STOP:
            cut = i
            break
    col.type = _span(stmt, rest[:cut])
    rest = rest[cut:]
    if rest and _is_word(rest[0], "COLLATE"):
        j = 2
        while j < len(rest) and rest[j].token_type == TokenType.DOT:
            j += 2
        col.collation = _span(stmt, rest[1:j])
        rest = rest[j:]
    if rest and _is_word(rest[0], "DEFAULT"):
        col.default = _span(stmt, rest[1:])
    elif rest and _is_word(rest[0], "GENERATED"):
        text = _span(stmt, rest)
        upper = text.upper()
        if "IDENTITY" in upper:
            col.identity = "ALWAYS" if "ALWAYS" in upper.split("AS")[0] else "BY DEFAULT"
        else:
            inner = text[text.index("(") + 1 : text.rindex(")")]
            col.generated = squash(inner)
            col.generated_kind = "STORED" if upper.endswith("STORED") else "VIRTUAL"
    elif rest:
        raise ValueError(
            f"column {name}: {_span(stmt, rest)[:60]!r} is not how pg_dump writes a column"
        )
    return col
