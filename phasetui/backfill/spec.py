"""What one backfill does: the runbook's `backfill` step (or the CLI's flags) as a value.

The runbook hands its TOML table over verbatim (:meth:`BackfillSpec.from_mapping`), so the
field names here are the runbook's names. Everything the user typed is checked here, before
any connection is opened: durations, the run window, and the SQL expressions (parsed with
PostgreSQL's own grammar in :mod:`phasetui.backfill.expressions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from phasetui.errors import BadInput, UserError
from phasetui.run_window import RunWindow, _zone  # noqa: F401 - re-exported


def parse_duration(value: str | float | int | None, what: str) -> float | None:
    """Seconds, or None when not given; the one duration parser of phasetui decides, so a
    backfill step accepts exactly what the runbook validator and apply accept."""
    from phasetui.durations import parse_duration as parse

    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadInput(f"{what}: expected a duration, got {value!r}", 'write e.g. "2s" or "500ms"')
    seconds = parse(value, what=what)
    if seconds < 0:
        raise BadInput(f"{what}: a duration cannot be negative ({value!r})")
    return seconds


@dataclass(frozen=True)
class BackfillSpec:
    """One backfill, as the runbook step or the CLI describes it.

    ``batch_size`` is in rows for most keys; for a single integer key it is a span of key
    values (the same thing on a dense key, and it adapts to ``target_batch_seconds`` anyway).
    ``workers`` is the number of workers *this process* runs; other hosts add their own.
    """

    table: str
    set: tuple[str, ...] = ()
    where: str | None = None
    key: tuple[str, ...] = ()
    name: str | None = None
    batch_size: int = 10_000
    target_batch_seconds: float | None = 0.05
    pause_seconds: float = 0.0
    workers: int = 1
    lock_timeout: float = 2.0
    statement_timeout: float | None = 30.0
    max_retries: int = 10
    max_replica_lag_seconds: float | None = None
    throttle_query: str | None = None
    window: str | None = None
    command: str | None = None
    progress_query: str | None = None
    stall_seconds: float = 300.0
    synchronous_commit: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    _DURATIONS = (
        "target_batch_seconds",
        "pause_seconds",
        "lock_timeout",
        "statement_timeout",
        "max_replica_lag_seconds",
        "stall_seconds",
    )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> BackfillSpec:
        """Builds a spec from a runbook step table (unknown keys such as ``kind`` are kept
        in ``extra`` and ignored), checking every value."""
        known = {f.name for f in fields(cls)} - {"extra"}
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for k, v in data.items():
            k2 = k.replace("-", "_")
            (kwargs if k2 in known else extra)[k2] = v
        if "table" not in kwargs or not kwargs["table"]:
            raise BadInput("backfill: `table` is required", 'add table = "users"')
        for k in ("set", "key"):
            if k in kwargs:
                v = kwargs[k]
                if isinstance(v, str):
                    v = [v] if k == "set" else [p.strip() for p in v.split(",") if p.strip()]
                if not isinstance(v, list | tuple) or not all(isinstance(x, str) for x in v):
                    raise BadInput(f"backfill: `{k}` must be a string or a list of strings")
                kwargs[k] = tuple(v)
        for k in cls._DURATIONS:
            if k in kwargs:
                kwargs[k] = parse_duration(kwargs[k], k)
        for k in ("batch_size", "workers", "max_retries"):
            if k in kwargs:
                v = kwargs[k]
                if isinstance(v, bool) or not isinstance(v, int | str):
                    raise BadInput(f"backfill: `{k}` must be an integer, got {v!r}")
                try:
                    kwargs[k] = int(v)
                except ValueError:
                    raise BadInput(f"backfill: `{k}` must be an integer, got {v!r}") from None
        if kwargs.get("pause_seconds") is None:
            kwargs.pop("pause_seconds", None)
        if kwargs.get("lock_timeout") is None:
            kwargs.pop("lock_timeout", None)
        if kwargs.get("stall_seconds") is None:
            kwargs.pop("stall_seconds", None)
        spec = cls(**kwargs, extra=extra)
        spec.check()
        return spec

    def check(self) -> None:
        """Raises BadInput for anything that cannot work; parses the SQL pieces."""
        if self.batch_size < 1:
            raise BadInput("batch_size must be at least 1")
        if self.workers < 1:
            raise BadInput("workers must be at least 1")
        if self.max_retries < 0:
            raise BadInput("max_retries cannot be negative")
        if self.lock_timeout <= 0:
            raise BadInput("lock_timeout must be positive", 'the default is "2s"')
        if self.window:
            RunWindow.parse(self.window)
        from phasetui.backfill.expressions import check_select, parse_assignments

        if self.command:
            if self.progress_query:
                check_select(self.progress_query, "progress_query")
        else:
            if not self.set:
                raise UserError(
                    "backfill: nothing to set",
                    "give at least one assignment, e.g. --set \"prefs = '{}'::jsonb\"",
                )
            parse_assignments(self.set, self.where)
        if self.throttle_query:
            check_select(self.throttle_query, "throttle_query")

    @property
    def run_window(self) -> RunWindow | None:
        return RunWindow.parse(self.window) if self.window else None

    @property
    def default_name(self) -> str:
        """``users.prefs``: the table and the first column set (or ``users`` for a command)."""
        if self.name:
            return self.name
        table = self.table.split(".")[-1].strip('"')
        if self.command or not self.set:
            return table
        from phasetui.backfill.expressions import parse_assignments

        first = parse_assignments(self.set, self.where).assignments[0].column
        return f"{table}.{first}"

    def fingerprint(self) -> dict[str, Any]:
        """The fields that define *what* is done; a resume with other values is refused."""
        return {
            "table": self.table,
            "key": list(self.key),
            "set": list(self.set),
            "where": self.where,
            "command": self.command,
        }

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("extra", None)
        d["set"] = list(self.set)
        d["key"] = list(self.key)
        return d
