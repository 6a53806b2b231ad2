"""What each step kind accepts: one table, read by the loader, the docs and the TUI.

Each field has a type name checked by :mod:`phasetui.runbook.validate`; ``required`` lists
fields that must be present, ``one_of`` groups of which exactly one must be.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KindSpec:
    summary: str
    fields: dict[str, str]
    required: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()
    needs_env: bool = False
    defaults: dict[str, object] = field(default_factory=dict)


COMMON_FIELDS = {
    "id": "id",
    "kind": "str",
    "title": "str",
    "description": "str",
    "env": "env",
    "confirm": "bool",
}

# A default that the kind's code applies itself (verify's statement_timeout 30s, status's
# framework laravel, shell's lint_output false) is not listed in `defaults`: those show in
# the step's params on screen.
KINDS: dict[str, KindSpec] = {
    "check": KindSpec(
        "A manual check the DBA performs and ticks off.",
        {"instructions": "str"},
    ),
    "sql": KindSpec(
        "Migration SQL: linted for the phase, rehearsed, then applied with lock_timeout.",
        {
            "file": "path",
            "sql": "str",
            "lock_timeout": "duration",
            "statement_timeout": "duration",
            "retries": "int",
            "rehearse": "bool",
            "pg_version": "int",
        },
        one_of=(("file", "sql"),),
        needs_env=True,
        defaults={"lock_timeout": "2s", "retries": 5, "rehearse": True},
    ),
    "backfill": KindSpec(
        "Batched keyset backfill with a checkpoint in the target database.",
        {
            "table": "str",
            "key": "str_or_list",
            "set": "str_list",
            "where": "str",
            "batch_size": "int",
            "target_batch_seconds": "number",
            "pause_seconds": "number",
            "workers": "int",
            "lock_timeout": "duration",
            "statement_timeout": "duration",
            "max_retries": "int",
            "max_replica_lag_seconds": "number",
            "throttle_query": "str",
            "window": "window",
            "command": "str_or_list",
            "progress_query": "str",
        },
        required=("table",),
        one_of=(("set", "command"),),
        needs_env=True,
        defaults={"batch_size": 10000, "workers": 1, "lock_timeout": "2s"},
    ),
    "verify": KindSpec(
        "Queries that must hold before the contract phase (e.g. no NULLs left).",
        {"sql": "str", "expect": "expect", "queries": "queries", "statement_timeout": "duration"},
        one_of=(("sql", "queries"),),
        needs_env=True,
    ),
    "backup": KindSpec(
        "pg_dump -Fc of the database or some tables; path, size and sha256 are recorded.",
        {"name": "str", "tables": "str_list", "format": "dump_format", "dir": "path"},
        needs_env=True,
        defaults={"format": "custom"},
    ),
    "schema-diff": KindSpec(
        "Schema of two sides (environments or dump files), compared semantically.",
        {"envs": "env_pair", "left": "str", "right": "str"},
        one_of=(("envs", "left"),),
    ),
    "migration-status": KindSpec(
        "Which migrations each environment has applied, captured and diffed.",
        {
            "envs": "env_list",
            "command": "str_or_list",
            "table": "str",
            "framework": "framework",
            "query": "str",
        },
        required=("envs",),
    ),
    "drift": KindSpec(
        "Settings and privilege drift between two environments.",
        {"envs": "env_pair", "check": "drift_check", "settings": "str_list"},
        required=("envs",),
        defaults={"check": "both"},
    ),
    "shell": KindSpec(
        "A command run on the jump host, its output recorded.",
        {"command": "str_or_list", "cwd": "path", "timeout": "duration", "lint_output": "bool"},
        required=("command",),
    ),
    "report": KindSpec(
        "Release notes: risks, rollback steps and the run's evidence, rendered to Markdown.",
        {"output": "str", "template": "path"},
        defaults={"output": "report.md"},
    ),
}

# The migration frameworks whose applied-migrations table a migration-status step reads
# (phasetui.ops.status holds each one's table and columns).
FRAMEWORKS = ("laravel", "django", "rails", "alembic", "flyway")

ENVIRONMENT_FIELDS = {
    "service": "str",
    "dsn_env": "str",
    "production": "bool",
    "rehearsal_allowed": "bool",
    "read_only": "bool",
    "description": "str",
}
RUNBOOK_FIELDS = {
    "id": "id",
    "title": "str",
    "description": "str",
    "owner": "str",
    "tables": "str_list",
    "pg_version": "int",
}
PHASE_FIELDS = {"id": "id", "title": "str", "kind": "phase_kind", "steps": "array"}
CHECKLIST_FIELDS = {"id": "id", "text": "str", "evidence": "step", "phase": "phase"}
ROLLBACK_FIELDS = {
    "description": "str",
    "backup": "step",
    "sql": "str",
    "file": "path",
    "steps": "str_list",
    "refresh_status": "bool",
    "notes_file": "path",
}
# Whole-number fields and the values they may take: a count that cannot be meant (a billion
# retries, workers = 0, a batch wider than PostgreSQL's integer) is refused by `check`, not
# found out by the step. Any other int field is 0 to INT_MAX.
INT_MAX = 2**31 - 1
INT_RANGES: dict[str, tuple[int, int]] = {
    "retries": (0, 100),
    "max_retries": (0, 1000),
    "workers": (1, 100),
    "batch_size": (1, INT_MAX),
    "pg_version": (9, 99),
}
FORBIDDEN_CREDENTIAL_KEYS = ("dsn", "url", "uri", "password", "conninfo", "connection_string")
