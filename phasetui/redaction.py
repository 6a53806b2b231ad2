"""Masks passwords in any text phasetui shows, logs or commits.

Neutral ground: it imports nothing from ``db/``, ``audit/`` or ``runbook/`` (nor a database
driver), so the audit trail, the offline review and the runbook loader all share one masker.

Three layers, each preferring to mask too much rather than leak:

- :func:`redact` masks passwords by their shape in any text: URIs with a password
  (``postgresql://u:pw@h``), ``password=…`` conninfo and ``?password=…`` query settings,
  ``PGPASSWORD=…`` / ``"password": …`` assignments, and SQL's ``PASSWORD '…'`` (with
  ``''``, ``E'\\''`` and dollar quoting).
- :func:`mask_sql` reads SQL as PostgreSQL's lexer does (comments, standard, ``E''`` and
  dollar-quoted strings, quoted identifiers) so that ``ALTER ROLE … PASSWORD '…'``, user
  mapping and server ``OPTIONS (password '…')``, and ``password=`` inside any string literal
  (``dblink_connect('… password=…')``, a subscription's ``CONNECTION``) are masked wherever
  the statement is written or shown.
- Every password phasetui itself sees (a DSN's, one in SQL) is remembered for the life of
  the process (:func:`remember`), and :func:`redact` masks it wherever it appears: a server
  error that echoes a token of the statement (``syntax error at or near "…"``); for a DSN's
  password also its fragments of 4 or more characters, which libpq echoes from a malformed
  DSN (``missing "=" after "…"``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote


class _Lazy:
    """A pattern compiled on first use: these (case-folded, Unicode) patterns cost ~15 ms to
    compile, which every command — and the TUI's first frame — would otherwise pay up front."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


MASK = "***"
_MIN_SECRET = 4  # shorter known values are not hunted for in free text (too many false hits)

_known: set[str] = set()
_known_lock = threading.Lock()
_known_sorted: tuple[str, ...] = ()

# -- shapes of a password in text -----------------------------------------------------------

_PW_WORD = r"\w*(?:password|passwd)\w*"
# scheme://user:PASSWORD@ — the password runs to the last '@' on the line (a raw '@' or
# '/' in it is a user's mistake that must not show the part after it).
_URI = _Lazy(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"]*):(?P<pw>[^\n'\"]*)@")
_QUOTED_VALUE = r"'(?:[^'\\]|\\.|'')*'?|\"(?:[^\"\\]|\\.)*\"?"
# password=…, PGPASSWORD=…, ?sslpassword=…, "password": …
_KV = _Lazy(
    rf"(?P<head>\b{_PW_WORD}(?:[\"']?\s*=|[\"']?:(?!:))\s*)"
    rf"(?P<pw>{_QUOTED_VALUE}|(?:\\.|[^ \t\n\r\f\v\\])+)",  # libpq: ASCII space ends it
    re.I,
)
_GAP = r"(?:\s|/\*.*?\*/|--[^\n]*(?:\n|$))*"
# SQL in free text: PASSWORD 'x', ENCRYPTED PASSWORD E'x', OPTIONS (password $$x$$)
_SQL_LITERAL = _Lazy(
    rf"(?P<head>\b{_PW_WORD}\"?{_GAP}(?:=\s*)?)"
    r"(?P<pw>(?:[EeUuNnBbXx]&?)?'(?:''|\\.|[^'\\])*'?"
    r"|\$\$.*?(?:\$\$|\Z)"
    r"|\$(?P<tag>[A-Za-z_]\w*)\$.*?(?:\$(?P=tag)\$|\Z))",
    re.I | re.S,
)
_PREFILTER = _Lazy(r"pass|://", re.I)
_MASKED = {MASK, "'***'", '"***"', "$$***$$"}
# Not a password but where one goes: a variable, a placeholder.
_PLACEHOLDER = _Lazy(r"^(?:\$\{?\w+\}?|:'?\w+'?|<[^<>]*>|\.\.\.|…|\*+|x{3,}|X{3,})$")

Found = list[tuple[str, str]]  # (kind, value) of each password masked


def _unquote(value: str) -> str:
    if value[:1] in "'\"":
        q = value[0]
        value = value[1:-1] if len(value) > 1 and value.endswith(q) else value[1:]
        value = re.sub(r"\\(.)", r"\1", value).replace(q + q, q)
    return value


def _masked_value(value: str) -> str:
    return "'***'" if value[:1] == "'" else '"***"' if value[:1] == '"' else MASK


def _shapes(text: str, found: Found | None, *, kv: bool = True, sql: bool = True) -> str:
    def uri(m: re.Match[str]) -> str:
        if not m["pw"] or m["pw"] in _MASKED:
            return m[0]
        if found is not None:
            found.append(("uri", unquote(m["pw"])))
        return f"{m['head']}:{MASK}@"

    def setting(m: re.Match[str]) -> str:
        if m["pw"] in _MASKED:
            return m[0]
        if found is not None:
            found.append(("setting", _unquote(m["pw"])))
        return m["head"] + _masked_value(m["pw"])

    def literal(m: re.Match[str]) -> str:
        pw = m["pw"]
        body = re.sub(r"^[EeUuNnBbXx]?&?", "", pw)
        if body in ("''", '""', "$$$$") or body in _MASKED:
            return m[0]
        if found is not None:
            found.append(("sql", _unquote(body).strip("$")))
        return m["head"] + ('"***"' if pw.startswith('"') else "'***'")

    text = _URI.sub(uri, text)
    if kv:
        text = _KV.sub(setting, text)
    if sql:
        text = _SQL_LITERAL.sub(literal, text)
    return text


def redact(text: str, _found: Found | None = None) -> str:
    """Masks every password found in ``text`` by its shape, and every known password."""
    if not text:
        return text
    if _PREFILTER.search(text):
        text = _shapes(text, _found)
    return _mask_known(text, _found)


def scrub(value: Any) -> Any:
    """:func:`redact` over every string of a JSON-like value (keys included)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {scrub(k) if isinstance(k, str) else k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


_KINDS = {
    "uri": "a URI with a password (scheme://user:PASSWORD@host)",
    "setting": "a password setting (`password=…`, `?password=…`, `PGPASSWORD=…`)",
    "sql": "a SQL password (`PASSWORD '…'`, `OPTIONS (password '…')`)",
    "known": "a password phasetui has seen in a DSN",
}


def secret_kind(text: str, *, sql: bool = True) -> str | None:
    """What credential ``text`` holds, said for a refusal that names it; None when none.

    A variable or a placeholder where the password goes (``PGPASSWORD=$PW``, ``<password>``)
    is no credential. ``sql``: read ``text`` as SQL too (a runbook's ``sql``, a command)."""
    if not isinstance(text, str) or not text:
        return None
    found: Found = []
    redact(text, found)
    if sql:
        mask_sql(text, _found=found)
    for kind, value in found:
        if value.strip() and not _PLACEHOLDER.match(value.strip()):
            return _KINDS[kind]
    return None


# -- passwords phasetui has seen ------------------------------------------------------------


def secret_pieces(secret: str) -> set[str]:
    """The secret and its fragments a tool may echo: split at spaces, quotes, '@', '/'."""
    out = {secret} if len(secret) >= _MIN_SECRET else set()
    for piece in re.split(r"[\s'\"@/:=\\,;()%]+", secret):
        if len(piece) >= _MIN_SECRET:
            out.add(piece)
    return out


def remember(secret: str | None, *, pieces: bool = True) -> None:
    """Masks ``secret`` in every later :func:`redact` of this process; with ``pieces``, also
    its fragments (libpq echoes the word after an unquoted space of a DSN's password)."""
    global _known_sorted
    if not secret or secret in _MASKED or _PLACEHOLDER.match(secret.strip()):
        return
    if pieces:
        found = secret_pieces(secret) | secret_pieces(unquote(secret))
    else:
        found = {secret} if len(secret) >= _MIN_SECRET else set()
    if not found - _known:
        return
    with _known_lock:
        _known.update(found)
        _known_sorted = tuple(sorted(_known, key=len, reverse=True))


def _mask_known(text: str, found: Found | None = None) -> str:
    for secret in _known_sorted:
        if secret in text:
            text = text.replace(secret, MASK)
            if found is not None:
                found.append(("known", secret))
    return text


def dsn_passwords(dsn: str) -> list[str]:
    """Every value in ``dsn`` that may be a password, read leniently (even when libpq
    cannot read the DSN): ``password=`` values, a URI's userinfo password, ``?password=``,
    and the word after an unquoted space in a password (libpq echoes it)."""
    found: Found = []
    _shapes(dsn, found, sql=False)
    values = [value for _, value in found]
    for m in _KV.finditer(dsn):
        if m["pw"][:1] not in "'\"":
            nxt = re.match(r"\s+([^\s=]+)(?=\s|$)", dsn[m.end() :])
            if nxt:
                values.append(nxt[1])
    return [v for v in values if v and v not in _MASKED]


def remember_dsn(dsn: str) -> None:
    """Remembers the password(s) of ``dsn`` so that no later message can show them."""
    for value in dsn_passwords(dsn):
        remember(value)


# -- SQL ------------------------------------------------------------------------------------

# "any character from U+0080 up", as PostgreSQL's scanner takes them in identifiers; said as a
# negated ASCII range, which compiles in 0.2 ms where a \u0080-\uffff range took 7 ms.
_WORD = _Lazy(r"(?:[A-Za-z_]|[^\x00-\x7f])(?:[\w$]|[^\x00-\x7f])*")
_DOLLAR = _Lazy(r"\$((?:[A-Za-z_]|[^\x00-\x7f])(?:\w|[^\x00-\x7f])*)?\$")
_ROLE_STATEMENTS = {
    (verb, what) for verb in ("create", "alter") for what in ("role", "user", "group")
}
_STRING_PREFIX = "EeUuNnBbXx"


def _is_password_word(word: str) -> bool:
    low = word.lower()
    return "password" in low or "passwd" in low


def _scan_string(sql: str, quote: int, escapes: bool) -> tuple[int, bool]:
    """(end, closed) of the string whose opening quote is at ``quote``."""
    j, n = quote + 1, len(sql)
    while j < n:
        ch = sql[j]
        if escapes and ch == "\\":
            j += 2
            continue
        if ch == "'":
            if j + 1 < n and sql[j + 1] == "'":
                j += 2
                continue
            return j + 1, True
        j += 1
    return n, False


def _scan_comment(sql: str, i: int) -> int:
    depth, j, n = 1, i + 2, len(sql)
    while j < n and depth:
        if sql.startswith("/*", j):
            depth, j = depth + 1, j + 2
        elif sql.startswith("*/", j):
            depth, j = depth - 1, j + 2
        else:
            j += 1
    return j


def _scan_qident(sql: str, i: int) -> int:
    j, n = i + 1, len(sql)
    while j < n:
        if sql[j] == '"':
            if j + 1 < n and sql[j + 1] == '"':
                j += 2
                continue
            return j + 1
        j += 1
    return n


def _tokens(sql: str) -> Iterator[tuple[str, int, int, str]]:
    """(kind, start, end, value) as PostgreSQL's lexer splits ``sql``; kinds: ws, comment,
    string, dollar, qident, word, other. ``value`` is a string's decoded body."""
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch.isspace():
            j = i + 1
            while j < n and sql[j].isspace():
                j += 1
            yield "ws", i, j, ""
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            yield "comment", i, j, ""
        elif sql.startswith("/*", i):
            j = _scan_comment(sql, i)
            yield "comment", i, j, ""
        elif ch == "'" or (
            ch in _STRING_PREFIX
            and (sql.startswith("'", i + 1) or (ch in "Uu" and sql.startswith("&'", i + 1)))
        ):
            quote = sql.index("'", i)
            escapes = ch in "Ee" and quote == i + 1
            j, closed = _scan_string(sql, quote, escapes)
            body = sql[quote + 1 : j - 1 if closed else j]
            if escapes:
                body = re.sub(r"\\(['\\])", r"\1", body)
            yield "string", i, j, body.replace("''", "'")
        elif (
            ch == "$"
            and (m := _DOLLAR.match(sql, i))
            and not (i and (sql[i - 1].isalnum() or sql[i - 1] in "_$"))
        ):
            close = sql.find(m[0], m.end())
            j = n if close < 0 else close + len(m[0])
            yield "dollar", i, j, sql[m.end() : n if close < 0 else close]
        elif ch == '"':
            j = _scan_qident(sql, i)
            yield "qident", i, j, sql[i + 1 : j].removesuffix('"').replace('""', '"')
        elif m := _WORD.match(sql, i):
            j = m.end()
            yield "word", i, j, sql[i:j]
        else:
            j = i + 1
            yield "other", i, j, ch
        i = j


def mask_sql(sql: str, _depth: int = 0, _found: Found | None = None) -> str:
    """``sql`` with every password in it masked: for showing and recording SQL, never for
    running it. What it masks is remembered (see :func:`remember`)."""
    if not sql:
        return sql
    if "pass" not in sql.lower():  # no password word, no conninfo: only a URI may hold one
        return _mask_known(_shapes(sql, _found, kv=False, sql=False), _found)
    out: list[str] = []
    sig: list[str] = []  # the first significant words of the current statement
    after_password = False  # the previous significant token names a password

    def masked(value: str, shown: str) -> str:
        remember(value, pieces=False)  # a server quotes a token whole
        if _found is not None:
            _found.append(("sql", value))
        return shown

    for kind, start, end, value in _tokens(sql):
        text = sql[start:end]
        if kind == "ws":
            out.append(text)
            continue
        if kind == "comment":
            out.append(redact(text, _found))
            continue
        if after_password and kind in ("string", "dollar", "qident") and value:
            out.append(masked(value, '"***"' if kind == "qident" else "'***'"))
        elif (
            after_password
            and kind == "word"
            and tuple(sig[:2]) in _ROLE_STATEMENTS
            and text.lower() != "null"
        ):
            out.append(masked(text, MASK))  # ALTER ROLE r PASSWORD unquoted
        elif kind in ("string", "dollar"):
            out.append(_mask_literal(text, value, kind, _depth, _found))
        else:
            out.append(text)
        if text == ";" and kind == "other":
            sig, after_password = [], False
            continue
        if text == "=" and after_password:
            continue  # PASSWORD = '…'
        name = value.lower() if kind in ("word", "qident") else ""
        after_password = bool(name) and _is_password_word(name)
        if len(sig) < 2:
            sig.append(name or text)
    # The lexer has placed every literal and comment; a URI or a known password may still
    # stand in an identifier or a psql meta-command.
    return _mask_known(_shapes("".join(out), _found, kv=False, sql=False), _found)


def _mask_literal(text: str, body: str, kind: str, depth: int, found: Found | None) -> str:
    """A string literal that is not itself a password: masks what it holds (a conninfo,
    a URI, SQL in a function body or in an EXECUTE string)."""
    # conninfo quoting first (password='a\'b' is one value to libpq, not to SQL's lexer),
    # then the body as SQL (a function body, an EXECUTE string)
    inner = redact(body, found)
    inner = mask_sql(inner, depth + 1, found) if depth < 4 else inner
    if inner == body:
        return text
    if kind == "dollar":
        tag = text[: text.index("$", 1) + 1]
        return f"{tag}{inner}{tag}"
    return "'" + inner.replace("'", "''") + "'"


def mask_error(message: str, sql: str) -> str:
    """A server's or parser's message about ``sql``, with every password of ``sql`` masked,
    also where the message quotes only a token of it (``syntax error at or near "…"``)."""
    mask_sql(sql)  # remembers the passwords it holds
    return redact(message)
