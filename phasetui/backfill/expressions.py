"""The user's SQL pieces (``col = expr``, the WHERE filter, throttle/progress queries),
parsed with PostgreSQL's own grammar (pglast) before they go anywhere near a server.

They are parsed inside a statement frame (``UPDATE t SET … WHERE …`` or a lone ``SELECT``):
anything that does not come out as exactly that one statement — a second statement after a
``;``, an unbalanced parenthesis that escapes the frame, a data-modifying CTE — is refused.
The SQL sent to the server is pglast's re-printing of the parsed tree, never the raw text.
"""

from __future__ import annotations

from dataclasses import dataclass

from phasetui.errors import BadInput

_FORBIDDEN_NODES = ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")


@dataclass(frozen=True)
class Assignment:
    column: str
    expression: str  # re-printed by pglast from the parse tree


@dataclass(frozen=True)
class ParsedUpdate:
    assignments: tuple[Assignment, ...]
    where: str | None  # re-printed
    where_columns: frozenset[str] = frozenset()  # the columns the WHERE names

    @property
    def where_tells_filled(self) -> bool:
        """Whether the WHERE filters on a column the SET writes (``prefs IS NULL`` with
        ``prefs = …``): only then does a row it matches mean "not filled yet" — what the
        final check relies on (the lint's ``backfill-not-idempotent`` reads it the same)."""
        return bool(self.where_columns & {a.column for a in self.assignments})


def _parse(text: str, what: str):
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        return parse_sql(text)
    except ParseError as exc:
        raise BadInput(
            f"{what}: not valid PostgreSQL: {exc}", "check quotes and parentheses"
        ) from None


def _walk(node, found: list[str]) -> None:
    from pglast import ast

    if isinstance(node, tuple | list):
        for x in node:
            _walk(x, found)
        return
    if not isinstance(node, ast.Node):
        return
    name = type(node).__name__
    if name in _FORBIDDEN_NODES or name == "ParamRef":
        found.append(name)
    for attr in node:
        _walk(getattr(node, attr), found)


def _no_nested_writes(node, what: str) -> None:
    found: list[str] = []
    _walk(node, found)
    if "ParamRef" in found:
        raise BadInput(
            f"{what}: a parameter ($1, $2, …) has no value here",
            "write the value itself; the engine binds its own parameters around your SQL",
        )
    if found:
        raise BadInput(
            f"{what}: must not contain a data-modifying statement ({found[0]})",
            "a backfill expression computes a value; it cannot insert, update or delete",
        )


def _print(node) -> str:
    from pglast.stream import RawStream

    return RawStream()(node)


def parse_assignments(assignments: tuple[str, ...] | list[str], where: str | None) -> ParsedUpdate:
    """Parses ``["col = expr", …]`` and ``where`` as one ``UPDATE`` and returns the pieces."""
    if not assignments:
        raise BadInput("nothing to set", "give an assignment such as \"prefs = '{}'::jsonb\"")
    for a in assignments:
        if ";" in a and len(_parse(f"UPDATE __t SET {a}", "set")) != 1:
            raise BadInput(f"set: {a!r} holds more than one statement")
    text = "UPDATE __t SET " + ", ".join(assignments)
    if where:
        text += f" WHERE {where}"
    stmts = _parse(text, "set/where")
    if len(stmts) != 1:
        raise BadInput(
            "set/where: the expressions hold more than one statement",
            "remove the `;` — give expressions only",
        )
    stmt = stmts[0].stmt
    if type(stmt).__name__ != "UpdateStmt" or stmt.relation.relname != "__t":
        raise BadInput("set/where: the expressions escape their UPDATE frame")
    if stmt.withClause or stmt.fromClause or getattr(stmt, "returningClause", None):
        raise BadInput("set/where: WITH, FROM and RETURNING are not expressions")
    if bool(where) != (stmt.whereClause is not None):
        raise BadInput("where: could not be read as one condition")
    out: list[Assignment] = []
    for target in stmt.targetList:
        if target.indirection:
            raise BadInput(
                f"set: assign a whole column ({target.name!r}), not a subscript or field",
                "write col = jsonb_set(col, …) instead of col['x'] = …",
            )
        if type(target.val).__name__ == "MultiAssignRef":
            raise BadInput("set: write one `col = expr` per assignment, not (a, b) = (…)")
        _no_nested_writes(target.val, f"set {target.name}")
        out.append(Assignment(target.name, _print(target.val)))
    if len({a.column for a in out}) != len(out):
        raise BadInput("set: a column is assigned twice")
    where_sql = None
    where_columns: set[str] = set()
    if stmt.whereClause is not None:
        _no_nested_writes(stmt.whereClause, "where")
        where_sql = _print(stmt.whereClause)
        where_columns = _column_names(stmt.whereClause)
    return ParsedUpdate(tuple(out), where_sql, frozenset(where_columns))


def _column_names(node) -> set[str]:
    """The (last part of the) names of every column reference under ``node``."""
    from pglast import ast

    found: set[str] = set()

    def walk(n) -> None:
        if isinstance(n, tuple | list):
            for x in n:
                walk(x)
            return
        if not isinstance(n, ast.Node):
            return
        if isinstance(n, ast.ColumnRef) and n.fields:
            last = getattr(n.fields[-1], "sval", None)
            if last is not None:
                found.add(last)
        for attr in n:
            walk(getattr(n, attr))

    walk(node)
    return found


def check_select(text: str, what: str) -> str:
    """A query the engine runs read-only (throttle, progress): exactly one plain SELECT."""
    stmts = _parse(text, what)
    if len(stmts) != 1:
        raise BadInput(f"{what}: give exactly one SELECT statement")
    stmt = stmts[0].stmt
    if type(stmt).__name__ != "SelectStmt" or getattr(stmt, "intoClause", None):
        raise BadInput(f"{what}: must be a SELECT", "e.g. SELECT count(*) > 0 FROM job_queue")
    if getattr(stmt, "lockingClause", None):
        raise BadInput(f"{what}: must not lock rows (FOR UPDATE/SHARE)")
    _no_nested_writes(stmt, what)
    return _print(stmt)
