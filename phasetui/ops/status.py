"""The ``migration-status`` step: which migrations each environment has applied, and how
they differ — the guide's ``capture-migration-status.sh staging pgsql``.

Each environment's applied-migrations table is read in a read-only transaction (the
framework's own table, or a custom ``query``), written one migration per line to
``status/<env>.txt``, and the environments compared into ``status/diff.txt``: migrations
only some environments have, and migrations applied in a different batch. A difference is a
finding, not a failure: the step is ok when every capture worked. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from phasetui.errors import UserError
from phasetui.ops.outcome import StepContext, StepOutcome
from phasetui.runbook.kinds import FRAMEWORKS

STATEMENT_TIMEOUT_S = 30.0
MAX_LISTED = 200  # ids per list in the journal event; the files hold them all


@dataclass(frozen=True)
class Framework:
    """Where a framework records applied migrations: its table, the SQL expressions for the
    migration's id, its group (compared across envs: Laravel's batch, Flyway's success) and
    a detail shown but not compared (Django's applied time), and the order."""

    name: str
    table: str
    id_sql: str
    group_sql: str | None = None
    group_label: str = "batch"
    detail_sql: str | None = None
    order_sql: str = "1"


FRAMEWORK_SPECS: dict[str, Framework] = {
    "laravel": Framework(
        "laravel", "migrations", "migration", "batch", order_sql="batch, migration"
    ),
    "django": Framework(
        "django",
        "django_migrations",
        "app || '.' || name",
        detail_sql="'applied ' || applied",
        order_sql="applied, id",
    ),
    "rails": Framework("rails", "schema_migrations", "version", order_sql="version"),
    "alembic": Framework("alembic", "alembic_version", "version_num", order_sql="version_num"),
    "flyway": Framework(
        "flyway",
        "flyway_schema_history",
        # a repeatable migration has no version: it is known by its description
        "coalesce(version, 'R ' || description)",
        group_sql="CASE WHEN success THEN 'success' ELSE 'FAILED' END",
        group_label="state",
        detail_sql="description",
        order_sql="installed_rank",
    ),
}
assert set(FRAMEWORK_SPECS) == set(FRAMEWORKS)


@dataclass(frozen=True)
class StatusSource:
    """What to read: a framework's table (``table`` overrides its name, ``schema.table``
    allowed), or a custom ``query`` (first column the id, optional second the batch)."""

    framework: str = "laravel"
    table: str | None = None
    query: str | None = None

    @property
    def label(self) -> str:
        if self.query:
            return "custom query"
        return f"{self.framework}, table {self.table_name}"

    @property
    def table_name(self) -> str:
        return self.table or FRAMEWORK_SPECS[self.framework].table

    @property
    def group_label(self) -> str:
        return "batch" if self.query else FRAMEWORK_SPECS[self.framework].group_label


@dataclass(frozen=True)
class Migration:
    id: str
    group: str | None = None
    detail: str | None = None


@dataclass
class Capture:
    env: str
    source: StatusSource
    migrations: list[Migration]

    def by_id(self) -> dict[str, Migration]:
        return {m.id: m for m in self.migrations}  # a re-run repeatable migration: its latest

    def to_text(self) -> str:
        """``status/<env>.txt``: a header, then one migration per line with its batch."""
        label = self.source.group_label
        lines = [f"# {self.env}: {len(self.migrations)} migrations ({self.source.label})"]
        width = max((len(m.id) for m in self.migrations), default=0)
        for m in self.migrations:
            parts = [m.id.ljust(width)]
            if m.group is not None:
                parts.append(f"{label} {m.group}")
            if m.detail:
                parts.append(m.detail)
            lines.append("  ".join(parts).rstrip())
        return "\n".join(lines) + "\n"


@dataclass
class StatusDiff:
    envs: list[str]
    group_label: str
    common: int
    only: dict[tuple[str, ...], list[Migration]] = field(default_factory=dict)  # present in
    group_differs: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)

    @property
    def groups_word(self) -> str:
        return {"batch": "batches", "state": "states"}.get(self.group_label, self.group_label)

    @property
    def same(self) -> bool:
        return not self.only and not self.group_differs

    def summary(self) -> str:
        """``12 in both, 2 only in staging, 1 in different batches``."""
        if len(self.envs) == 1:
            return f"{self.common} migrations in {self.envs[0]}"
        both = "both" if len(self.envs) == 2 else f"all {len(self.envs)}"
        parts = [f"{self.common} in {both}"]
        for present, migrations in self.only.items():
            parts.append(f"{len(migrations)} only in {', '.join(present)}")
        if self.group_differs:
            parts.append(f"{len(self.group_differs)} in different {self.groups_word}")
        if self.same:
            parts.append("no differences")
        return ", ".join(parts)

    def to_text(self) -> str:
        """``status/diff.txt``."""
        lines = [f"migration status: {' vs '.join(self.envs)}", self.summary(), ""]
        for present, migrations in self.only.items():
            missing = [e for e in self.envs if e not in present]
            lines.append(
                f"only in {', '.join(present)} (not in {', '.join(missing)}): {len(migrations)}"
            )
            for m in migrations:
                group = f"  {self.group_label} {m.group}" if m.group is not None else ""
                lines.append(f"  {m.id}{group}")
            lines.append("")
        if self.group_differs:
            lines.append(f"in different {self.groups_word}: {len(self.group_differs)}")
            for mid, groups in self.group_differs:
                shown = ", ".join(f"{env}: {self.group_label} {g}" for env, g in groups.items())
                lines.append(f"  {mid}  ({shown})")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def figures(self) -> dict[str, Any]:
        return {
            "in_all": self.common,
            "only_in": [
                {"envs": list(p), "count": len(ms), "migrations": [m.id for m in ms][:MAX_LISTED]}
                for p, ms in self.only.items()
            ],
            "different_group": [
                {"migration": mid, **groups} for mid, groups in self.group_differs[:MAX_LISTED]
            ],
            "group_label": self.group_label,
        }


def source_of(params: dict[str, Any]) -> StatusSource:
    """The StatusSource a step's params (or the CLI's options) describe."""
    framework = params.get("framework") or "laravel"
    if framework not in FRAMEWORK_SPECS:
        raise UserError(
            f"unknown framework {framework!r}",
            "use one of " + ", ".join(FRAMEWORKS) + ", or a custom `query`",
        )
    return StatusSource(framework, params.get("table") or None, params.get("query") or None)


def _table_ident(name: str) -> Any:
    from psycopg import sql

    return sql.Identifier(*name.split(".", 1))


def status_query(source: StatusSource) -> Any:
    """The SQL that reads ``source`` (identifiers quoted by psycopg.sql)."""
    from psycopg import sql

    if source.query:
        return source.query
    fw = FRAMEWORK_SPECS[source.framework]
    return sql.SQL(
        "SELECT ({id})::text, ({group})::text, ({detail})::text FROM {t} ORDER BY {o}"
    ).format(
        id=sql.SQL(fw.id_sql),
        group=sql.SQL(fw.group_sql or "NULL"),
        detail=sql.SQL(fw.detail_sql or "NULL"),
        t=_table_ident(source.table_name),
        o=sql.SQL(fw.order_sql),
    )


def _missing_table(env: str, source: StatusSource, where: str) -> UserError:
    if source.query:
        return UserError(
            f"{env}: the custom migration-status `query` names a table that does not exist",
            f"fix `query`{where} (or drop it and set `framework` to " + ", ".join(FRAMEWORKS) + ")",
        )
    others = ", ".join(f for f in FRAMEWORKS if f != source.framework)
    return UserError(
        f"{env}: no table {source.table_name!r} — where {source.framework} records applied "
        "migrations",
        f"set `framework` ({others}), `table` (its name here) or a custom `query`{where}",
    )


def capture(env: str, dsn: str, source: StatusSource, where: str = "") -> Capture:
    """Reads ``env``'s applied migrations. ``where`` (" at runbook.toml:12") is added to the
    hint of a user error so it points at the field to change."""
    from phasetui.db.session import error_text
    from phasetui.ops.readonly import (
        QUERY_CANCELED,
        UNDEFINED_TABLE,
        is_db_error,
        one_statement,
        read,
        read_only_connection,
    )

    if source.query:
        one_statement(source.query, f"{env}: migration-status `query`")
    with read_only_connection(dsn, STATEMENT_TIMEOUT_S) as conn:
        if not source.query:
            found = conn.execute("SELECT to_regclass(%s)", (_regclass_text(source.table_name),))
            if found.fetchone()[0] is None:
                raise _missing_table(env, source, where)
        try:
            result = read(conn, status_query(source))
        except Exception as exc:
            if not is_db_error(exc):
                raise
            if is_db_error(exc, UNDEFINED_TABLE):
                raise _missing_table(env, source, where) from None
            if is_db_error(exc, QUERY_CANCELED):
                raise UserError(
                    f"{env}: reading the migrations did not finish within {STATEMENT_TIMEOUT_S:g}s",
                    f"check the query{where}",
                ) from None
            what = "the custom `query`" if source.query else f"table {source.table_name!r}"
            raise UserError(
                f"{env}: cannot read the applied migrations from {what}: {error_text(exc)}",
                f"check `framework`, `table` or `query`{where}",
            ) from None
    if source.query and not result.columns:
        raise UserError(
            f"{env}: the custom migration-status `query` returns no columns",
            f"make it a SELECT whose first column is the migration's id{where}",
        )
    migrations = []
    for row in result.rows:
        if row[0] is None:
            continue
        group = row[1] if len(row) > 1 else None
        detail = row[2] if len(row) > 2 and not source.query else None
        migrations.append(
            Migration(str(row[0]), None if group is None else str(group), detail and str(detail))
        )
    return Capture(env, source, migrations)


def _regclass_text(name: str) -> str:
    """``schema.table`` as to_regclass reads it, each part quoted (exact names)."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split(".", 1))


def diff_captures(captures: list[Capture]) -> StatusDiff:
    """Which migrations are not in every capture (grouped by where they are), and which are
    in several with a different batch (or Flyway state)."""
    envs = [c.env for c in captures]
    maps = [c.by_id() for c in captures]
    order: dict[str, None] = {}
    for c in captures:
        order.update((m.id, None) for m in c.migrations)
    label = captures[0].source.group_label if captures else "batch"
    out = StatusDiff(envs, label, 0)
    for mid in order:
        present = tuple(e for e, m in zip(envs, maps, strict=True) if mid in m)
        if len(present) == len(envs):
            out.common += 1
        else:
            first = next(m[mid] for m in maps if mid in m)
            out.only.setdefault(present, []).append(first)
        groups = {e: m[mid].group for e, m in zip(envs, maps, strict=True) if mid in m}
        if len(groups) > 1 and len(set(groups.values())) > 1:
            out.group_differs.append((mid, groups))
    out.only = dict(sorted(out.only.items(), key=lambda kv: [envs.index(e) for e in kv[0]]))
    return out


def run_status(
    envs: list[tuple[str, str]],
    source: StatusSource,
    *,
    where: str = "",
    progress: Any = None,
    stop: Any = None,
) -> tuple[list[Capture], StatusDiff]:
    """Captures each ``(name, dsn)`` in order, then diffs them; the CLI and the step share it."""
    captures = []
    for name, dsn in envs:
        if stop is not None and stop.is_set():
            raise UserError(
                f"migration-status stopped before {name} was read",
                "run the step again to capture every environment",
            )
        captured = capture(name, dsn, source, where)
        if progress is not None:
            progress(f"{name}: {len(captured.migrations)} migrations")
        captures.append(captured)
    return captures, diff_captures(captures)


def status_files(captures: list[Capture], diff: StatusDiff) -> dict[str, str]:
    files = {f"status/{c.env}.txt": c.to_text() for c in captures}
    files["status/diff.txt"] = diff.to_text()
    return files


def run_step(ctx: StepContext) -> StepOutcome:
    from phasetui.db.environments import resolve_dsn

    step = ctx.step
    if step.params.get("command"):
        raise UserError(
            f"step {step.id}: a migration-status `command` is not run yet",
            f"drop `command` at {ctx.runbook.path}:{step.line}; phasetui reads the "
            "framework's table itself (`framework`, `table` or `query`)",
        )
    where = f" at {ctx.runbook.path}:{step.line}" if ctx.runbook is not None else ""
    source = source_of(step.params)
    envs = [(name, resolve_dsn(ctx.env(name))) for name in step.params["envs"]]
    captures, diff = run_status(envs, source, where=where, progress=ctx.progress, stop=ctx.stop)
    figures = {
        "envs": [c.env for c in captures],
        "source": source.label,
        "framework": None if source.query else source.framework,
        "counts": {c.env: len(c.migrations) for c in captures},
        **diff.figures(),
    }
    return StepOutcome(
        kind="migration-status",
        ok=True,
        summary=diff.summary(),
        files=status_files(captures, diff),
        figures=figures,
    )
