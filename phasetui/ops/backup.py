"""The ``backup`` step: ``pg_dump`` of the database or some tables, checked and recorded.

The guide's "Backup taken, file path recorded" is only evidence when the file is whole and
its restore command is at hand in the middle of the night, so a backup here is: pg_dump
(a client that serves the server's major, :mod:`phasetui.schema.pgdump`) writing a hidden
partial file, renamed when complete to a name that never replaces an older backup
(:mod:`phasetui.ops.backup_files`); then ``pg_restore --list`` reads the archive back; the
record holds path, size, sha256, duration, versions and the exact restore command, never a
password. Progress comes from pg_dump's ``--verbose`` lines, one per table. A backup only
reads the database.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from phasetui.errors import UserError
from phasetui.ops import backup_files as files
from phasetui.ops.dump_process import run_watched
from phasetui.ops.outcome import ProgressFn, StepContext, StepOutcome, no_progress
from phasetui.redaction import redact, remember_dsn
from phasetui.schema.idents import qualify, split_qualified

LOCK_WAIT_TIMEOUT = "60s"  # pg_dump gives up rather than queue behind a migration's lock
LIST_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class ServerInfo:
    """Where the dump was taken from, as libpq resolved it (a socket folder for a local
    server): what the restore command names."""

    host: str
    port: str
    user: str
    dbname: str
    version: str  # "18.1"
    major: int


@dataclass
class BackupResult:
    name: str
    env: str
    path: Path
    format: str
    bytes: int
    sha256: str
    seconds: float
    pg_dump_version: str
    pg_dump_path: str
    pg_restore_path: str
    server_version: str
    tables: list[str]
    entries: int
    entry_types: dict[str, int]
    restore_command: str
    check_error: str | None = None
    progress: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.check_error is None

    def figures(self) -> dict[str, Any]:
        """The journal payload; the report reads these keys."""
        out = asdict(self)
        out.pop("progress")
        out["path"] = str(self.path)
        out["seconds"] = round(self.seconds, 3)
        out["check"] = "ok" if self.ok else self.check_error
        return out

    def summary(self) -> str:
        what = (
            f"{len(self.tables)} table{'s' * (len(self.tables) != 1)}"
            if self.tables
            else (f"database {self.env}")
        )
        head = f"{self.path.name} {files.human_size(self.bytes)}, {what}"
        return head if self.ok else f"{head}: check failed: {self.check_error}"


# -- the server and the tables --------------------------------------------------------------

_USER_SCHEMAS = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'"
)
_RELATIONS = f"""
SELECT n.nspname, c.relname, c.relkind, pg_catalog.pg_table_is_visible(c.oid)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm', 'f') AND {_USER_SCHEMAS} AND c.relname = ANY(%s)
"""
# Tables whose rows pg_dump writes: ordinary tables and partitions, not an extension's own.
_DATA_TABLES = f"""
SELECT count(*) FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND {_USER_SCHEMAS} AND NOT EXISTS (
  SELECT 1 FROM pg_catalog.pg_depend d
  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
"""

Relation = tuple[str, str, str]  # schema, name, relkind


def server_info(conn: Any) -> ServerInfo:
    num = conn.info.server_version
    major = num // 10000
    version = f"{major}.{num % 10000}" if major >= 10 else f"{num // 10000}.{num // 100 % 100}"
    return ServerInfo(
        host=conn.info.host or "localhost",
        port=str(conn.info.port),
        user=conn.info.user,
        dbname=conn.info.dbname,
        version=version,
        major=major,
    )


def resolve_tables(conn: Any, entries: Sequence[str], where: str) -> list[Relation]:
    """Each entry of ``tables = [...]`` as one relation: a name exactly as stored (``my
    table``), ``schema.name`` exactly as stored, or SQL (``app."Mixed Case"``); a bare name
    in several schemas must be the one the search path sees. UserError naming the entry if
    none (or several) match."""
    out: list[Relation] = []
    for entry in entries:
        rel = _resolve_one(conn, entry, where)
        if rel not in out:
            out.append(rel)
    return out


def _resolve_one(conn: Any, entry: str, where: str) -> Relation:
    try:
        sql_parts = split_qualified(entry)
    except ValueError:
        sql_parts = []
    pairs: list[tuple[str | None, str]] = [(None, entry)]
    if len(sql_parts) in (1, 2):
        pairs.append((sql_parts[0], sql_parts[1]) if len(sql_parts) == 2 else (None, sql_parts[0]))
    pairs += [(entry[:i], entry[i + 1 :]) for i, ch in enumerate(entry) if ch == "."]
    rows = conn.execute(_RELATIONS, ([name for _, name in pairs],)).fetchall()
    for schema, name in pairs:
        found = [r for r in rows if r[1] == name and (schema is None or r[0] == schema)]
        if len(found) > 1:
            found = [r for r in found if r[3]] or found
        if len(found) == 1:
            return (found[0][0], found[0][1], found[0][2])
        if len(found) > 1:
            schemas = ", ".join(sorted(r[0] for r in found))
            raise UserError(
                f"table {entry!r} is in several schemas of {where} ({schemas})",
                f"name it with its schema, e.g. {qualify(found[0][0], found[0][1])}",
            )
    raise UserError(
        f"no table {entry!r} on {where}",
        'check the name in `tables` (schema.table, or quoted SQL such as app."Mixed Case")',
    )


def table_pattern(schema: str, name: str) -> str:
    """A ``pg_dump -t`` pattern matching exactly this table: inside double quotes pg_dump
    treats ``*``, ``?``, ``.`` and every regular-expression character literally."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in (schema, name))


# -- the commands ---------------------------------------------------------------------------


def dump_command(
    pg_dump: Path, conninfo: str, partial: Path, fmt: str, tables: Sequence[Relation]
) -> list[str]:
    """pg_dump's argv; ``conninfo`` must hold no password (it goes in PGPASSWORD)."""
    cmd = [
        str(pg_dump),
        f"--format={files.PG_DUMP_FORMATS[fmt]}",
        "--verbose",
        "--no-password",
        f"--lock-wait-timeout={LOCK_WAIT_TIMEOUT}",
        f"--file={partial}",
    ]
    if tables:
        cmd.append("--strict-names")
        for schema, name, _ in tables:
            cmd += ["--table", table_pattern(schema, name)]
    return [*cmd, "--dbname", conninfo]


def restore_command(info: ServerInfo, path: Path, fmt: str) -> str:
    """The command that restores ``path`` where it came from (as the guide writes it), with
    the host, port, user and database libpq used, and never a password."""
    tool = ["psql"] if fmt == "plain" else ["pg_restore"]
    args = ["-h", info.host, "-p", info.port, "-U", info.user, "-d", info.dbname]
    target = ["-f", str(path)] if fmt == "plain" else [str(path)]
    return shlex.join([*tool, *args, *target])


# -- progress -------------------------------------------------------------------------------

_TABLE_LINE = re.compile(r'dumping contents of table "(?P<name>.*)"\s*$')
_ERROR_LINE = re.compile(r"^pg_dump: (?:error|fatal|detail|hint): ")


class _Progress:
    def __init__(self, sink: ProgressFn, total: int | None) -> None:
        self.sink = sink
        self.total = total
        self.done = 0
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        m = _TABLE_LINE.search(line)
        if not m:
            return
        self.done += 1
        count = f" ({self.done}/{max(self.total, self.done)})" if self.total else ""
        self.say(f"dumping table {m['name']}{count}")

    def say(self, text: str) -> None:
        self.lines.append(text)
        self.sink(text)


# -- the backup -----------------------------------------------------------------------------


def take_backup(
    dsn: str,
    env_name: str,
    *,
    name: str,
    tables: Sequence[str] = (),
    dest_dir: Path,
    fmt: str = "custom",
    progress: ProgressFn = no_progress,
    stop: Any = None,
) -> BackupResult:
    """Dumps ``env_name``'s database (or ``tables``) into ``dest_dir/<name>.<ext>`` and
    checks it; raises UserError for what the operator must fix (or a stop request)."""
    from phasetui.db.session import connect
    from phasetui.schema.pgdump import (
        choose_pg_dump,
        client_invocation,
        client_version,
        pg_restore_for,
    )

    if fmt not in files.EXTENSIONS:
        raise UserError(f"unknown backup format {fmt!r}", "use custom, directory or plain")
    files.check_name(name)
    remember_dsn(dsn)
    with connect(dsn) as conn:
        info = server_info(conn)
        relations = resolve_tables(conn, tables, env_name) if tables else []
        if relations:
            total = sum(1 for _, _, kind in relations if kind == "r") or None
        else:
            total = conn.execute(_DATA_TABLES).fetchone()[0] or None
    tool = choose_pg_dump(info.major)
    pg_restore = pg_restore_for(tool) if fmt != "plain" else None
    folder = files.ensure_dir(dest_dir)
    conninfo, env = client_invocation(dsn)
    partial = files.partial_path(folder, name, fmt)
    tracker = _Progress(progress, total)
    what = f"{len(relations)} table(s)" if relations else "the whole database"
    tracker.say(f"pg_dump {tool.major} of {env_name} ({what}) into {folder}")
    started = time.monotonic()
    try:
        child = run_watched(
            dump_command(tool.path, conninfo, partial, fmt, relations),
            env,
            on_line=tracker,
            stop=stop,
        )
    except BaseException:
        files.remove(partial)
        raise
    seconds = time.monotonic() - started
    if child.stopped:
        files.remove(partial)
        raise UserError(
            f"backup {name} of {env_name} stopped: pg_dump was ended and its partial file removed",
            "run the step again to take the backup",
        )
    if child.returncode != 0 or not partial.exists():
        files.remove(partial)
        raise UserError(
            f"pg_dump {tool.major} failed on {env_name}: {_failure(child.stderr_tail)}",
            "check the connection, the role's right to read every table, and locks held "
            f"longer than {LOCK_WAIT_TIMEOUT} (--lock-wait-timeout)",
        )
    files.make_private(partial)
    final = files.place(partial, folder, name, fmt)
    size, digest = files.size_and_sha256(final)
    entries, types, check_error = check_archive(final, fmt, pg_restore)
    result = BackupResult(
        name=name,
        env=env_name,
        path=final,
        format=fmt,
        bytes=size,
        sha256=digest,
        seconds=seconds,
        pg_dump_version=client_version(tool.path) or str(tool.major),
        pg_dump_path=str(tool.path),
        pg_restore_path=str(pg_restore or ""),
        server_version=info.version,
        tables=[qualify(schema, rel) for schema, rel, _ in relations],
        entries=entries,
        entry_types=types,
        restore_command=restore_command(info, final, fmt),
        check_error=check_error,
        progress=tracker.lines,
    )
    tracker.say(result.summary())
    return result


def _failure(tail: list[str]) -> str:
    errors = [line for line in tail if _ERROR_LINE.match(line)] or tail[-3:]
    return redact("; ".join(line.removeprefix("pg_dump: ") for line in errors) or "no output")


# -- the check ------------------------------------------------------------------------------

_TOC_LINE = re.compile(r"^\d+;\s+\d+\s+\d+\s+(?P<rest>.*)$")
_MULTIWORD_TYPES = sorted(
    (
        "TABLE DATA",
        "SEQUENCE SET",
        "SEQUENCE OWNED BY",
        "FK CONSTRAINT",
        "CHECK CONSTRAINT",
        "DEFAULT ACL",
        "MATERIALIZED VIEW DATA",
        "MATERIALIZED VIEW",
        "FOREIGN TABLE",
        "EVENT TRIGGER",
        "INDEX ATTACH",
        "TABLE ATTACH",
        "SHELL TYPE",
        "LARGE OBJECT",
        "BLOB DATA",
        "BLOB METADATA",
        "LARGE OBJECTS",
        "PUBLICATION TABLE",
        "PUBLICATION TABLES IN SCHEMA",
        "FOREIGN DATA WRAPPER",
        "USER MAPPING",
        "ROW SECURITY",
        "TEXT SEARCH CONFIGURATION",
        "TEXT SEARCH DICTIONARY",
        "TEXT SEARCH PARSER",
        "TEXT SEARCH TEMPLATE",
        "OPERATOR CLASS",
        "OPERATOR FAMILY",
        "DATABASE PROPERTIES",
        "ACCESS METHOD",
        "STATISTICS DATA",
    ),
    key=len,
    reverse=True,
)


def entry_type(toc_line: str) -> str | None:
    """The object type of one ``pg_restore --list`` line (``TABLE DATA``), None for a comment."""
    m = _TOC_LINE.match(toc_line.strip())
    if not m:
        return None
    rest = m["rest"]
    for kind in _MULTIWORD_TYPES:
        if rest == kind or rest.startswith(kind + " "):
            return kind
    return rest.split(" ", 1)[0]


def check_archive(
    path: Path, fmt: str, pg_restore: Path | None
) -> tuple[int, dict[str, int], str | None]:
    """(entries, entries by type, None or why the archive does not read back)."""
    if fmt == "plain" or pg_restore is None:
        return _check_plain(path)
    try:
        proc = subprocess.run(
            [str(pg_restore), "--list", str(path)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=LIST_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return 0, {}, f"cannot run pg_restore --list: {exc}"
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        return 0, {}, redact(f"pg_restore --list failed: {last[0]}")
    types = Counter(t for line in proc.stdout.splitlines() if (t := entry_type(line)))
    entries = sum(types.values())
    if not entries:
        return 0, {}, "pg_restore --list found no entries in the archive"
    return entries, dict(sorted(types.items())), None


def _check_plain(path: Path) -> tuple[int, dict[str, int], str | None]:
    """A plain dump has no table of contents: count its ``-- Name:`` headers and look for
    pg_dump's closing line."""
    types: Counter[str] = Counter()
    complete = False
    header = re.compile(r"^-- (?:Data for )?Name: .*; Type: (?P<type>[^;]+);")
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            m = header.match(line)
            if m:
                types[m["type"].strip()] += 1
            elif line.startswith("-- PostgreSQL database dump complete"):
                complete = True
    entries = sum(types.values())
    error = None if complete else "the file lacks pg_dump's closing line (incomplete dump)"
    return entries, dict(sorted(types.items())), error


# -- evidence -------------------------------------------------------------------------------


def render_markdown(result: BackupResult, step_id: str) -> str:
    verdict = "checked" if result.ok else f"CHECK FAILED: {result.check_error}"
    tables = ", ".join(f"`{t}`" for t in result.tables) if result.tables else "whole database"
    types = ", ".join(f"{kind} {n}" for kind, n in result.entry_types.items()) or "none"
    lines = [
        f"# Backup `{step_id}`: {result.path.name}",
        "",
        f"- environment: {result.env}",
        f"- file: `{result.path}`",
        f"- format: {result.format}",
        f"- size: {files.human_size(result.bytes)} ({result.bytes} bytes)",
        f"- sha256: `{result.sha256}`",
        f"- duration: {result.seconds:.2f} s",
        f"- pg_dump: {result.pg_dump_version} (`{result.pg_dump_path}`)",
        f"- server: PostgreSQL {result.server_version}",
        f"- tables: {tables}",
        f"- archive: {result.entries} entries, {verdict}",
        f"  ({types})",
        "",
        "## Restore",
        "",
        "```sh",
        result.restore_command,
        "```",
        "",
        "Into the database it came from; add `--clean --if-exists` to replace objects that "
        "exist there, or `-d` another database to restore beside it (see docs/backup.md).",
        "",
    ]
    return redact("\n".join(lines))


def run_step(ctx: StepContext) -> StepOutcome:
    """The runner's entry point for a ``backup`` step."""
    from phasetui.db.environments import resolve_dsn

    step = ctx.step
    if ctx.target is None:
        raise UserError(f"step {step.id}: no environment to back up", "give the step `env`")
    params = step.params
    runbook_dir = Path(ctx.runbook.path).parent if getattr(ctx.runbook, "path", None) else None
    result = take_backup(
        resolve_dsn(ctx.target),
        ctx.target.name,
        name=params.get("name") or files.default_step_name(ctx.runbook.id),
        tables=list(params.get("tables") or []),
        dest_dir=files.backup_dir(params.get("dir"), runbook_dir, ctx.config),
        fmt=params.get("format") or "custom",
        progress=ctx.progress,
        stop=ctx.stop,
    )
    figures = result.figures()
    return StepOutcome(
        kind="backup",
        ok=result.ok,
        summary=result.summary(),
        files={
            f"backup/{step.id}.md": render_markdown(result, step.id),
            f"backup/{step.id}.json": json.dumps(figures, indent=2, ensure_ascii=False) + "\n",
        },
        figures=figures,
    )
