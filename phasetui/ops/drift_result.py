"""What a drift check compares and what it found, with no database in sight.

Each side of a drift check is read into a :class:`Snapshot`: per group (settings, roles,
memberships, grants, default privileges) a map from a key (a tuple of names already quoted
for display) to a value (text). Comparing two snapshots is then plain set arithmetic, so the
comparison and its rendering are tested and reasoned about apart from the catalog queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SETTINGS = "settings"
ROLES = "roles"
MEMBERSHIPS = "memberships"
GRANTS = "grants"
DEFAULT_PRIVILEGES = "default privileges"

# Group -> the titles of its key columns, in the order the key tuples hold them.
GROUP_COLUMNS: dict[str, tuple[str, ...]] = {
    SETTINGS: ("scope", "setting"),
    ROLES: ("role",),
    MEMBERSHIPS: ("role", "member"),
    GRANTS: ("object type", "object", "grantee"),
    DEFAULT_PRIVILEGES: ("for objects created by", "in schema", "object type", "grantee"),
}
PRIVILEGE_GROUPS = (ROLES, MEMBERSHIPS, GRANTS, DEFAULT_PRIVILEGES)
CHECK_GROUPS: dict[str, tuple[str, ...]] = {
    "settings": (SETTINGS,),
    "permission": PRIVILEGE_GROUPS,
    "both": (SETTINGS, *PRIVILEGE_GROUPS),
}
# The runbook loader has long spelled the privilege check "privileges"; the guide says
# "permission" (`check-config-drift.sh staging permission`). Both mean the same.
CHECK_ALIASES = {"privileges": "permission", "privilege": "permission", "permissions": "permission"}

Key = tuple[str, ...]


@dataclass(frozen=True)
class Value:
    """A compared value and, apart from it, context that is shown but not compared (where
    a setting comes from: ``configuration file``, ``database``)."""

    text: str
    note: str = ""

    def shown(self) -> str:
        return f"{self.text} ({self.note})" if self.note else self.text


@dataclass
class Snapshot:
    """One environment as read: group -> key -> value, plus the objects that exist there
    (``(object type, object)``), so grants are compared only on objects both sides have."""

    name: str
    groups: dict[str, dict[Key, Value]] = field(default_factory=dict)
    objects: set[tuple[str, str]] = field(default_factory=set)
    server_version: int = 0


@dataclass(frozen=True)
class Difference:
    key: Key
    left: Value | None
    right: Value | None

    @property
    def status(self) -> str:
        if self.right is None:
            return "only-left"
        if self.left is None:
            return "only-right"
        return "different"

    def to_dict(self, columns: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = dict(zip(columns, self.key, strict=True))
        out["status"] = self.status
        for side, value in (("left", self.left), ("right", self.right)):
            out[side] = None if value is None else value.text
            if value is not None and value.note:
                out[f"{side}_note"] = value.note
        return out


@dataclass
class GroupDiff:
    name: str
    compared_left: int
    compared_right: int
    differences: list[Difference] = field(default_factory=list)

    @property
    def columns(self) -> tuple[str, ...]:
        return GROUP_COLUMNS[self.name]

    def by_status(self, status: str) -> list[Difference]:
        return [d for d in self.differences if d.status == status]


@dataclass
class DriftResult:
    left: str
    right: str
    check: str
    groups: list[GroupDiff]
    only_objects_left: list[tuple[str, str]] = field(default_factory=list)
    only_objects_right: list[tuple[str, str]] = field(default_factory=list)
    settings_filter: list[str] = field(default_factory=list)
    server_versions: tuple[int, int] = (0, 0)

    @property
    def count(self) -> int:
        return sum(len(g.differences) for g in self.groups)

    @property
    def ok(self) -> bool:
        return self.count == 0

    def group(self, name: str) -> GroupDiff:
        for g in self.groups:
            if g.name == name:
                return g
        raise KeyError(name)

    @property
    def summary(self) -> str:
        if self.ok:
            compared = ", ".join(f"{g.compared_left} {g.name}" for g in self.groups)
            return f"no drift between {self.left} and {self.right} ({compared} compared)"
        parts = ", ".join(f"{g.name} {len(g.differences)}" for g in self.groups if g.differences)
        noun = "difference" if self.count == 1 else "differences"
        return f"{self.count} {noun} between {self.left} and {self.right}: {parts}"

    def figures(self) -> dict[str, Any]:
        return {
            "envs": [self.left, self.right],
            "check": self.check,
            "differences": self.count,
            "by_group": {g.name: len(g.differences) for g in self.groups},
            "compared": {
                g.name: {self.left: g.compared_left, self.right: g.compared_right}
                for g in self.groups
            },
            "objects_only_left": len(self.only_objects_left),
            "objects_only_right": len(self.only_objects_right),
            "server_versions": {
                self.left: self.server_versions[0],
                self.right: self.server_versions[1],
            },
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "right": self.right,
            "check": self.check,
            "ok": self.ok,
            "summary": self.summary,
            "settings_filter": self.settings_filter,
            "figures": self.figures(),
            "groups": {
                g.name: {
                    "compared": {"left": g.compared_left, "right": g.compared_right},
                    "differences": [d.to_dict(g.columns) for d in g.differences],
                }
                for g in self.groups
            },
            "objects_only_left": [list(o) for o in self.only_objects_left],
            "objects_only_right": [list(o) for o in self.only_objects_right],
        }


def normalise_check(check: str | None) -> str:
    """``settings``, ``permission`` or ``both`` (``privileges`` is read as ``permission``)."""
    from phasetui.errors import BadInput

    value = (check or "both").strip().lower()
    value = CHECK_ALIASES.get(value, value)
    if value not in CHECK_GROUPS:
        raise BadInput(
            f"drift check {check!r} is not known",
            'write check = "settings", "permission" (or "privileges") or "both"',
        )
    return value


def compare(left: Snapshot, right: Snapshot, check: str) -> DriftResult:
    """Every key only on one side or with different values, per group, in key order.

    Grants on an object that only one side has are not privilege drift but a schema
    difference (the schema-diff step's business): they are left out of the comparison and
    the objects listed, so the reader knows what was not compared."""
    check = normalise_check(check)
    both_objects = left.objects & right.objects
    groups: list[GroupDiff] = []
    for name in CHECK_GROUPS[check]:
        a = left.groups.get(name, {})
        b = right.groups.get(name, {})
        if name == GRANTS:
            a = {k: v for k, v in a.items() if (k[0], k[1]) in both_objects}
            b = {k: v for k, v in b.items() if (k[0], k[1]) in both_objects}
        diffs = [
            Difference(key, a.get(key), b.get(key))
            for key in sorted(a.keys() | b.keys())
            if a.get(key) is None or b.get(key) is None or a[key].text != b[key].text
        ]
        groups.append(GroupDiff(name, len(a), len(b), diffs))
    compares_grants = GRANTS in CHECK_GROUPS[check]
    return DriftResult(
        left=left.name,
        right=right.name,
        check=check,
        groups=groups,
        only_objects_left=sorted(left.objects - right.objects) if compares_grants else [],
        only_objects_right=sorted(right.objects - left.objects) if compares_grants else [],
        server_versions=(left.server_version, right.server_version),
    )
