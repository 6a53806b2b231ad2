"""A rule: its id, a one-line title, the statement kinds it reads, and its check."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phasetui.sql.context import Context
    from phasetui.sql.findings import Finding


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    kinds: tuple[str, ...]
    check: Callable[[Any, Context], Iterable[Finding]]
