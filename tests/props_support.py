"""Generators for the property tests: runbooks (as data and as TOML text with the line of
every key), Markdown guides, SQL-ish text and ``migrate --pretend`` output.

The TOML writer is ours (the stdlib only reads TOML) and records where it put each key, so
a test can assert that a problem is reported at the line of the key it broke.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from hypothesis import strategies as st

Path_ = tuple[str | int, ...]

# -- TOML writing -----------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(key: str) -> str:
    return key if _BARE.match(key) else toml_string(key)


def toml_string(text: str) -> str:
    # JSON's escapes are TOML's, except that TOML also wants DEL and C1 escaped
    out = json.dumps(text, ensure_ascii=False)
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m[0]):04x}", out)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**4000 else hex(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


class TomlDoc:
    """A runbook as TOML text: ``lines`` maps each key path (as the loader's model names it,
    ``("phases", 0, "steps", 1, "kind")``) to the 1-based line it was written on."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.out: list[str] = []
        self.lines: dict[Path_, int] = {}
        self._table(("runbook",), data.get("runbook"), "[runbook]")
        for name, env in (data.get("environments") or {}).items():
            self._table(("environments", name), env, f"[environments.{toml_key(name)}]")
        for pn, phase in enumerate(data.get("phases", [])):
            self._table(("phases", pn), phase, "[[phases]]", skip=("steps",))
            for sn, step in enumerate(phase.get("steps", [])):
                self._table(("phases", pn, "steps", sn), step, "[[phases.steps]]")
        for n, item in enumerate(data.get("checklist", [])):
            self._table(("checklist", n), item, "[[checklist]]")
        if "rollback" in data:
            self._table(("rollback",), data["rollback"], "[rollback]")

    def _table(self, where: Path_, table: Any, header: str, skip: tuple[str, ...] = ()) -> None:
        if table is None:
            return
        self.out.append("")
        self.out.append(header)
        self.lines[where] = len(self.out)
        for key, value in table.items():
            if key in skip:
                continue
            self.out.append(f"{toml_key(key)} = {toml_value(value)}")
            self.lines[(*where, key)] = len(self.out)

    @property
    def text(self) -> str:
        return "\n".join(self.out) + "\n"


# -- valid runbooks ---------------------------------------------------------------------------

ids = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from("abcxyzABZ019"),
    st.text(alphabet="abz09._-", max_size=10),
)
# Every form a verify step's `expect` takes (phasetui.runbook.expect); other text is refused.
expect_forms = st.sampled_from(["no rows", "rows", "<= 3", ">= 1", "< 10", "> 0", "= 2", "0"])
# Printable text of any script, U+2028 and friends included (they are not line ends).
words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(["\t", " "]),
    min_size=1,
    max_size=24,
).filter(lambda s: s.strip())

durations = st.one_of(
    st.just(0),
    st.just("0"),
    st.integers(0, 2_147_483),
    st.floats(0.001, 2_147_483.0, allow_nan=False),
    st.builds(lambda n: f"{n}ms", st.integers(1, 10**6)),
    st.builds(lambda n: f"{n}s", st.integers(1, 10**5)),
    st.builds(lambda n: f"{n} min", st.integers(1, 10**4)),
    st.builds(lambda n: f"{n}h", st.integers(1, 596)),
)
zones = st.sampled_from(["", " UTC", " Europe/Berlin", " Asia/Baku", " America/New_York"])
windows = st.builds(
    lambda a, b, c, d, z: f"{a:02d}:{b:02d}-{c:02d}:{d:02d}{z}",
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 23),
    st.integers(0, 59),
    zones,
)
nonzero_durations = durations.filter(lambda d: d not in (0, "0"))  # a backfill's lock_timeout
seconds = st.one_of(st.just(0), st.floats(0.001, 3600.0))
commands = st.one_of(words, st.lists(words, min_size=1, max_size=3))
columns = st.sampled_from(["a", "b", "prefs", '"Mixed Case"', '"50% off"', '"naïve"'])


@st.composite
def step_tables(draw: st.DrawFn, sid: str, envs: list[str]) -> dict[str, Any]:
    """One valid step of any kind, optional fields drawn at random."""
    kind = draw(
        st.sampled_from(
            [
                "check",
                "sql",
                "backfill",
                "verify",
                "backup",
                "schema-diff",
                "migration-status",
                "drift",
                "shell",
                "report",
            ]
        )
    )
    env = draw(st.sampled_from(envs))
    step: dict[str, Any] = {"id": sid, "kind": kind}
    if draw(st.booleans()):
        step["title"] = draw(words)
    if kind == "check":
        if draw(st.booleans()):
            step["instructions"] = draw(words)
    elif kind == "sql":
        step["env"] = env
        step["sql"] = draw(st.sampled_from(["SELECT 1", "ALTER TABLE t ADD COLUMN c int;"]))
        for key in ("lock_timeout", "statement_timeout"):
            if draw(st.booleans()):
                step[key] = draw(durations)
        if draw(st.booleans()):
            step["retries"] = draw(st.integers(0, 100))
        if draw(st.booleans()):
            step["pg_version"] = draw(st.integers(9, 99))
    elif kind == "backfill":
        step["env"] = env
        step["table"] = draw(st.sampled_from(["users", "public.users", '"Odd ""name"""']))
        step["set"] = [f"{draw(columns)} = 1"]
        if draw(st.booleans()):
            step["window"] = draw(windows)
        for key in ("pause_seconds", "target_batch_seconds", "max_replica_lag_seconds"):
            if draw(st.booleans()):
                step[key] = draw(seconds)
        if draw(st.booleans()):
            step["lock_timeout"] = draw(nonzero_durations)
        if draw(st.booleans()):
            step["batch_size"] = draw(st.integers(1, 2**31 - 1))
        if draw(st.booleans()):
            step["workers"] = draw(st.integers(1, 100))
    elif kind == "verify":
        step["env"] = env
        if draw(st.booleans()):
            step["sql"] = "SELECT count(*) FROM users WHERE a IS NULL"
            step["expect"] = draw(st.one_of(st.integers(0, 9), st.booleans(), expect_forms))
        else:
            step["queries"] = [{"name": draw(words), "sql": "SELECT 1", "expect": 1}]
    elif kind == "backup":
        step["env"] = env
        if draw(st.booleans()):
            step["format"] = draw(st.sampled_from(["custom", "directory", "plain"]))
    elif kind == "schema-diff":
        step["envs"] = [envs[0], envs[-1]]
    elif kind == "migration-status":
        step["envs"] = envs
    elif kind == "drift":
        step["envs"] = [envs[0], envs[-1]]
        step["check"] = draw(st.sampled_from(["settings", "privileges", "both"]))
    elif kind == "shell":
        step["command"] = draw(commands)
        if draw(st.booleans()):
            step["timeout"] = draw(durations)
    return step


@st.composite
def runbooks(draw: st.DrawFn) -> dict[str, Any]:
    """A valid runbook as TOML data: every key known, every value of its type."""
    envs = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    environments = {}
    for name in envs:
        env: dict[str, Any] = (
            {"service": draw(words)} if draw(st.booleans()) else {"dsn_env": "PG_DSN"}
        )
        if draw(st.booleans()):
            env["production"] = draw(st.booleans())
        environments[name] = env
    step_ids = draw(st.lists(ids, min_size=0, max_size=8, unique=True))
    phase_ids = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    phases = [{"id": pid, "title": draw(words), "steps": []} for pid in phase_ids]
    for sid in step_ids:
        phase = draw(st.sampled_from(phases))
        phase["steps"].append(draw(step_tables(sid, envs)))
    item_ids = draw(st.lists(ids, min_size=0, max_size=4, unique=True))
    checklist = []
    for iid in item_ids:
        item: dict[str, Any] = {"id": iid, "text": draw(words)}
        if step_ids and draw(st.booleans()):
            item["evidence"] = draw(st.sampled_from(step_ids))
        if draw(st.booleans()):
            item["phase"] = draw(st.sampled_from(phase_ids))
        checklist.append(item)
    data: dict[str, Any] = {
        "runbook": {"id": draw(ids), "title": draw(words)},
        "environments": environments,
        "phases": phases,
        "checklist": checklist,
    }
    if draw(st.booleans()):
        data["rollback"] = {
            "description": draw(words),
            "steps": draw(st.lists(words, min_size=1, max_size=3)),
        }
    return data


def value_paths(data: dict[str, Any]) -> list[Path_]:
    """Every key path holding a value the writer puts on a line of its own."""
    out: list[Path_] = []
    for key in ("id", "title"):
        out.append(("runbook", key))
    for name, env in data["environments"].items():
        out += [("environments", name, k) for k in env]
    for pn, phase in enumerate(data["phases"]):
        out += [("phases", pn, k) for k in phase if k != "steps"]
        for sn, step in enumerate(phase["steps"]):
            out += [("phases", pn, "steps", sn, k) for k in step]
    for n, item in enumerate(data["checklist"]):
        out += [("checklist", n, k) for k in item]
    out += [("rollback", k) for k in data.get("rollback", {})]
    return out


def get_in(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def set_in(data: Any, path: Path_, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def del_in(data: Any, path: Path_) -> None:
    for part in path[:-1]:
        data = data[part]
    del data[path[-1]]


# Values of the wrong shape for some field or other: tables and lists where strings are
# expected, numbers too big to print, non-finite floats, empty and blank strings, control
# characters and line separators, deep nesting.
wrong_values = st.one_of(
    st.just({}),
    st.just({"a": {"b": 1}}),
    st.just([]),
    st.just([1, "x"]),
    st.just([[]]),
    st.just([{"x": 1}]),
    st.just(True),
    st.just(""),
    st.just("   "),
    st.just("\u2028"),
    st.just("a\u0000b"),
    st.just("\x1b[2J"),
    st.just(10**40),
    st.just(16**5000),
    st.just(-1),
    st.just(0),
    st.just(float("inf")),
    st.just(float("-inf")),
    st.just(float("nan")),
    st.just(1e300),
    st.just(-0.0),
    st.just("2"),
    st.just("-1s"),
    st.just("25:00-26:00"),
    st.just("22:00-06:00 No/Where"),
    st.just("postgresql://u@h/db"),
    st.just([[[[[[[[[[1]]]]]]]]]]),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
)

# -- Markdown guides --------------------------------------------------------------------------

_md_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"))
    | st.sampled_from(["*", "_", "#", "`", "[", "]", " ", "\t", "-", ".", "\u2028"]),
    max_size=30,
)
md_lines = st.one_of(
    st.builds(lambda t: f"# {t}", _md_text),
    st.builds(lambda t: f"## {t}", _md_text),
    st.builds(lambda t: f"### {t}", _md_text),
    st.builds(lambda c, t: f"- [{c}] {t}", st.sampled_from([" ", "x", "X"]), _md_text),
    st.builds(lambda t: f"- {t}", _md_text),
    st.builds(lambda n, t: f"{n}. {t}", st.integers(0, 99), _md_text),
    st.builds(lambda t: f"    {t}", _md_text),
    st.builds(lambda t: f"  {t}", _md_text),
    st.sampled_from(["```", "~~~", "    ```sql", "", "", "---"]),
    st.just("- [ ] same item"),
    st.just("- same step"),
    _md_text,
)


@st.composite
def markdown_guides(draw: st.DrawFn) -> str:
    lines = draw(st.lists(md_lines, max_size=60))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return end.join(lines) + draw(st.sampled_from(["", end]))


# -- SQL-ish text -----------------------------------------------------------------------------

sql_tokens = st.one_of(
    st.sampled_from(
        [
            "SELECT",
            "select",
            "CREATE",
            "INDEX",
            "CONCURRENTLY",
            "ON",
            "TABLE",
            "ALTER",
            "ADD",
            "COLUMN",
            "DROP",
            "UPDATE",
            "SET",
            "WHERE",
            "BEGIN",
            "COMMIT",
            "DO",
            "int",
            "text",
            "NOT",
            "NULL",
            "DEFAULT",
            "users",
            "t",
            "(",
            ")",
            ",",
            ".",
            "=",
            "+",
            "*",
            "1",
            "0.5",
            ";",
            ";",
            ";",
            " ",
            "\n",
            "\r\n",
            "\t",
            "\u2028",
            "\u0085",
            "\x0c",
            "'it''s'",
            "E'a\\'b'",
            "'; DROP'",
            "''",
            '"quoted ""id"""',
            '"50% off"',
            '"naïve;"',
            "$$ body; $$",
            "$tag$ a $$ b; $tag$",
            "$1",
            "?",
            "-- comment; \n",
            "/* c; */",
            "/* a /* nested; */ b */",
            "\\connect db\n",
            "\n\\restrict x\n",
            "'",
            '"',
            "$$",
            "/*",
            "--",
            "\ufeff",
            "é",
            "表",
            "😀",
            "\u200b",
        ]
    ),
    st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True),
    st.text(max_size=3),
)
sql_texts = st.lists(sql_tokens, max_size=40).map("".join)

# Statements that parse, with hostile identifiers, for the linter's rules.
idents = st.sampled_from(
    ["users", "t", '"Users"', '"has space"', '"50% off"', '"%s"', '"a;b"', '"naïve"', "public.t"]
)
types = st.sampled_from(["int", "bigint", "text", "varchar(20)", "jsonb", "uuid", "numeric(10,2)"])
migration_statements = st.one_of(
    st.builds("ALTER TABLE {} ADD COLUMN c {}".format, idents, types),
    st.builds("ALTER TABLE {} ADD COLUMN c {} NOT NULL DEFAULT 0".format, idents, types),
    st.builds("ALTER TABLE {} ALTER COLUMN c TYPE {}".format, idents, types),
    st.builds("ALTER TABLE {} ALTER COLUMN c SET NOT NULL".format, idents),
    st.builds("ALTER TABLE {} DROP COLUMN c".format, idents),
    st.builds("ALTER TABLE {} RENAME COLUMN a TO b".format, idents),
    st.builds("CREATE INDEX i ON {} (c)".format, idents),
    st.builds("CREATE UNIQUE INDEX CONCURRENTLY i ON {} (lower(c))".format, idents),
    st.builds("DROP INDEX {}".format, idents),
    st.builds("ALTER TABLE {} ADD CONSTRAINT k CHECK (c > 0) NOT VALID".format, idents),
    st.builds(
        "ALTER TABLE {} ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES {} (id)".format, idents, idents
    ),
    st.builds("ALTER TABLE {} VALIDATE CONSTRAINT f".format, idents),
    st.builds("UPDATE {} SET c = 1 WHERE id < 10".format, idents),
    st.builds("CREATE TABLE {} (id bigint PRIMARY KEY, c text)".format, idents),
    st.builds("LOCK TABLE {}".format, idents),
    st.builds("VACUUM FULL {}".format, idents),
    st.builds("REINDEX TABLE {}".format, idents),
    st.builds("DO $$ BEGIN ALTER TABLE {} ADD COLUMN d int; END $$".format, idents),
    st.sampled_from(
        [
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
            "SAVEPOINT s",
            "SET lock_timeout = '2s'",
            "SET LOCAL lock_timeout = 0",
            "SET statement_timeout = 0",
            "ALTER TYPE s ADD VALUE 'x'",
            "SELECT 1",
            "CREATE EXTENSION IF NOT EXISTS pgcrypto",
            "-- phasetui: allow create-index-not-concurrent small table\nSELECT 1",
        ]
    ),
)
migrations = st.lists(
    st.tuples(
        migration_statements,
        st.sampled_from([";\n", ";", "; ", ";\r\n", "; -- \u2028 \u0085\n", ";\x0c", "/* ; */;"]),
    ),
    max_size=12,
).map(lambda parts: "".join(s + end for s, end in parts))


# A Laravel query is one statement on one line (a comment-only "query" is not printed).
pretend_statements = migration_statements.filter(lambda s: not s.startswith("--"))


@st.composite
def pretend_outputs(draw: st.DrawFn) -> str:
    """``php artisan migrate --pretend`` output, Laravel 9+ or Laravel 8 style."""
    new_style = draw(st.booleans())
    out: list[str] = ["", "   INFO  Running migrations.", ""] if new_style else []
    for m in range(draw(st.integers(1, 4))):
        name = f"2026_01_{m + 10:02d}_120000_step_{m}"
        if new_style:
            out.append(f"  {name} {'.' * draw(st.integers(0, 40))} {draw(st.integers(1, 99))}ms")
        for _ in range(draw(st.integers(1, 4))):
            sql = draw(pretend_statements)
            sql = sql.replace("\n", " ")
            if draw(st.booleans()):
                sql += " where x = ?"
            if new_style:
                out.append(f"  ⇂ {sql}")
                if draw(st.integers(0, 4)) == 0:
                    out.append(draw(st.sampled_from(["  and y = 1", "\u2028", "  -- more"])))
            else:
                out.append(f"Step{m}: {sql}")
    return draw(st.sampled_from(["\n", "\r\n"])).join(out) + "\n"
