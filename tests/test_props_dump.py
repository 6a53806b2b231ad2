"""Property tests over the pg_dump reader (``load_dump``): generated and mutated dumps.

- Generated dumps, written the way pg_dump writes (``quote_ident`` names, its statement
  forms), with random names holding spaces, quotes, ``%``, dots, unicode and upper case:
  every name comes back exactly, nothing is left unread.
- Real dumps (pg_dump 16 and 18 of the fixtures) cut into windows and mutated (truncated,
  random text inserted, lines deleted, statements swapped, ``\\restrict`` lines, a BOM, CRLF):
  a model whose warnings name a line, or a BadInput naming one; never another exception.
  Noise pg_dump itself may add changes nothing; one bad statement loses only itself.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phasetui.cli import main
from phasetui.errors import BadInput
from phasetui.schema.dump_loader import load_dump
from phasetui.schema.idents import parse_ident, qualify, quote_ident, split_qualified
from phasetui.schema.model import SchemaModel
from phasetui.schema.text import mask, quote_literal
from tests.schema_support import FIXTURES, model_differences

pytestmark = pytest.mark.props

REAL_DUMPS = {
    "pg18": (FIXTURES / "all_kinds.pg18.sql").read_text(),
    "pg16": (FIXTURES / "every_kind.pg16.sql").read_text(),
}
LINES = {k: v.splitlines(keepends=True) for k, v in REAL_DUMPS.items()}
# where a statement (with its pg_dump comment header) begins: safe places to add or cut
BOUNDARIES = {
    k: [i for i, ln in enumerate(lines) if ln.startswith("--") and i and lines[i - 1] == "\n"]
    for k, lines in LINES.items()
}
WARNING = re.compile(
    r"^(?P<path>[^\n]+?):(?P<line>\d+): (cannot read this statement|no SQL statements|… and )"
)

# names pg_dump must quote, and some it need not
CHARS = list("abcxyzABCXYZ_019 %\"'.;(),$-*/\\:=[]{}|") + [
    "é",
    "ü",
    "Ω",
    "中",
    "ß",
    "😀",
    "\t",
    "\n",
    "\r",
    "\u2028",
]
names = st.one_of(
    st.text(st.sampled_from(CHARS), min_size=1, max_size=10),
    st.sampled_from(["id", "name", "user", "select", "order", "Order", "type", "a_b", "x1"]),
)
NOTES = st.text(st.sampled_from(CHARS + ["\n", "\\"]), max_size=12)
TYPES = ["integer", "text", "bigint", "character varying(20)", "numeric(10,2)", "boolean"]


def _comment(text: str) -> str:
    return quote_literal(text)


@st.composite
def generated_dumps(draw):
    """(dump text, expectations): what pg_dump would write for a random small schema."""
    schema = draw(names)
    used: set[str] = set()

    def fresh() -> str:
        value = draw(names)
        while value in used:  # unique without a filter (a new strategy per draw is slow)
            value += "_"
        used.add(value)
        return value

    table, owner, role = fresh(), fresh(), fresh()
    cols = [fresh() for _ in range(draw(st.integers(1, 4)))]
    types = [draw(st.sampled_from(TYPES)) for _ in cols]
    s, t = quote_ident(schema), qualify(schema, table)
    out = [f"CREATE SCHEMA {s};", f"ALTER SCHEMA {s} OWNER TO {quote_ident(owner)};"]
    items = []
    expect: dict = {"columns": [qualify(c) for c in cols], "objects": set(), "comments": {}}
    for col, typ in zip(cols, types, strict=True):
        line = f"    {quote_ident(col)} {typ}"
        if typ == "text" and draw(st.booleans()):
            line += ' COLLATE pg_catalog."C"'
        if draw(st.booleans()):
            line += " DEFAULT " + ("'x''y'::text" if typ == "text" else "42")
        if draw(st.booleans()):
            cname = fresh()
            line += f" CONSTRAINT {quote_ident(cname)} NOT NULL"
        items.append(line)
        expect["objects"].add(("column", f"{t}.{qualify(col)}"))
    checks = [fresh() for _ in range(draw(st.integers(0, 2)))]
    for cname in checks:
        items.append(
            f"    CONSTRAINT {quote_ident(cname)} CHECK (({quote_ident(cols[0])} IS NOT NULL))"
        )
        expect["objects"].add(("constraint", f"{t}.{qualify(cname)}"))
    out.append(f"CREATE TABLE {t} (\n" + ",\n".join(items) + "\n);")
    out.append(f"ALTER TABLE {t} OWNER TO {quote_ident(owner)};")
    expect["objects"].add(("table", t))
    if draw(st.booleans()):
        pk = fresh()
        out.append(
            f"ALTER TABLE ONLY {t}\n    ADD CONSTRAINT {quote_ident(pk)} PRIMARY KEY "
            f"({quote_ident(cols[0])});"
        )
        expect["objects"].add(("constraint", f"{t}.{qualify(pk)}"))
        note = draw(NOTES)
        out.append(f"COMMENT ON INDEX {qualify(schema, pk)} IS {_comment(note)};")
        expect["comments"][("constraint", f"{t}.{qualify(pk)}", "index_comment")] = note
    for _ in range(draw(st.integers(0, 2))):
        idx = fresh()
        where = f" WHERE ({quote_ident(cols[-1])} IS NOT NULL)" if draw(st.booleans()) else ""
        unique = "UNIQUE " if draw(st.booleans()) else ""
        out.append(
            f"CREATE {unique}INDEX {quote_ident(idx)} ON {t} USING btree "
            f"({quote_ident(cols[-1])}){where};"
        )
        expect["objects"].add(("index", qualify(schema, idx)))
    col = cols[-1]
    note = draw(NOTES)
    out.append(f"COMMENT ON COLUMN {t}.{quote_ident(col)} IS {_comment(note)};")
    expect["comments"][("column", f"{t}.{qualify(col)}", "comment")] = note
    for cname in checks[:1]:
        out.append(f"COMMENT ON CONSTRAINT {quote_ident(cname)} ON {t} IS {_comment(note)};")
        expect["comments"][("constraint", f"{t}.{qualify(cname)}", "comment")] = note
    if draw(st.booleans()):
        seq = fresh()
        q = qualify(schema, seq)
        out.append(f"CREATE SEQUENCE {q}\n    START WITH 1\n    INCREMENT BY 1\n    CACHE 1;")
        out.append(f"ALTER SEQUENCE {q} OWNED BY {t}.{quote_ident(cols[0])};")
        expect["objects"].add(("sequence", q))
        expect["owned_by"] = (q, f"{t}.{qualify(cols[0])}")
    if draw(st.booleans()):
        fn, trg, arg = fresh(), fresh(), fresh()
        f = qualify(schema, fn)
        out.append(
            f"CREATE FUNCTION {f}({quote_ident(arg)} integer DEFAULT 1) RETURNS trigger\n"
            "    LANGUAGE plpgsql\n    AS $$ BEGIN RETURN NEW; END $$;"
        )
        out.append(f"ALTER FUNCTION {f}({quote_ident(arg)} integer) OWNER TO {quote_ident(owner)};")
        out.append(
            f"CREATE TRIGGER {quote_ident(trg)} BEFORE INSERT ON {t} FOR EACH ROW "
            f"EXECUTE FUNCTION {f}();"
        )
        expect["objects"].add(("function", f"{f}({quote_ident(arg)} integer)"))
        expect["objects"].add(("trigger", f"{t}.{qualify(trg)}"))
    if draw(st.booleans()):
        view = fresh()
        v = qualify(schema, view)
        out.append(f"CREATE VIEW {v} AS\n SELECT {quote_ident(cols[0])}\n   FROM {t};")
        out.append(f"ALTER VIEW {v} OWNER TO {quote_ident(owner)};")
        expect["objects"].add(("view", v))
    if draw(st.booleans()):  # an inheritance child, PostgreSQL 18 style
        child = fresh()
        c = qualify(schema, child)
        out.append(f"CREATE TABLE {c} (\n    NOT NULL {quote_ident(cols[0])}\n)\nINHERITS ({t});")
        out.append(f"ALTER TABLE ONLY {c} ALTER COLUMN {quote_ident(col)} SET DEFAULT 7;")
        expect["child"] = (c, qualify(cols[0]), qualify(col))
    out.append(f"GRANT SELECT({quote_ident(col)}) ON TABLE {t} TO {quote_ident(role)};")
    expect["grant"] = (f"{t}.{qualify(col)}", f"{role}=r")
    expect["owner"] = owner
    return "\n\n".join(out) + "\n", expect


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(generated_dumps())
def test_generated_dumps_round_trip_every_name(case):
    text, expect = case
    model = load_dump(text, path="gen.sql")
    assert model.warnings == []
    assert [o.attrs["sql"] for o in model if o.kind == "other"] == []
    missing = {key for key in expect["objects"] if model.find(*key) is None}
    assert missing == set()
    table = next(name for kind, name in expect["objects"] if kind == "table")
    assert model.column_order[table] == tuple(expect["columns"])
    assert model.find("table", table).attrs["owner"] == expect["owner"]
    for (kind, name, attr), value in expect["comments"].items():
        assert model.find(kind, name).attrs[attr] == value
    column, entry = expect["grant"]
    assert entry in model.find("column", column).attrs["acl"]
    if "owned_by" in expect:
        seq, col = expect["owned_by"]
        assert model.find("sequence", seq).attrs["owned_by"] == col
    if "child" in expect:
        child, first, last = expect["child"]
        assert model.find("column", f"{child}.{first}").attrs["not_null"] is True
        assert model.find("column", f"{child}.{last}").attrs["default"] == "7"
        assert not [o for o in model if o.kind == "column" and o.name == f"{child}.not"]


@settings(max_examples=1000)
@given(st.lists(names, min_size=1, max_size=3))
def test_names_quote_and_split_back_exactly(parts):
    text = qualify(*parts)
    assert split_qualified(text) == parts
    assert parse_ident(quote_ident(parts[0])) == parts[0]
    assert len(mask(text)) == len(text)


# --- mutated real dumps ------------------------------------------------------------------


def _window(draw) -> tuple[str, str]:
    which = draw(st.sampled_from(sorted(REAL_DUMPS)))
    bounds = BOUNDARIES[which]
    i = draw(st.integers(0, len(bounds) - 2))
    j = draw(st.integers(i + 1, min(len(bounds) - 1, i + 25)))
    return which, "".join(LINES[which][bounds[i] : bounds[j]])


NOISE = st.lists(
    st.sampled_from(list("abc XYZ;'\"$()/*-\n\r\t\\%:") + ["\x00", "é", "😀", "$$", "/*", "--"]),
    min_size=1,
    max_size=20,
).map("".join)


@st.composite
def mutated(draw):
    _, text = _window(draw)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                ["truncate", "insert", "delete", "swap", "restrict", "bom", "crlf", "dup"]
            )
        )
        lines = text.splitlines(keepends=True) or [""]
        if kind == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
        elif kind == "insert":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(NOISE) + text[at:]
        elif kind == "delete":
            i = draw(st.integers(0, len(lines) - 1))
            n = draw(st.integers(1, 5))
            text = "".join(lines[:i] + lines[i + n :])
        elif kind == "swap":
            i, j = sorted(draw(st.lists(st.integers(0, len(lines) - 1), min_size=2, max_size=2)))
            lines[i], lines[j] = lines[j], lines[i]
            text = "".join(lines)
        elif kind == "restrict":
            i = draw(st.integers(0, len(lines)))
            text = "".join(lines[:i] + ["\\restrict abcDEF123\n"] + lines[i:])
        elif kind == "bom":
            text = "\ufeff" + text
        elif kind == "crlf":
            text = text.replace("\n", "\r\n")
        else:
            i = draw(st.integers(0, len(lines) - 1))
            text = "".join(lines[: i + 1] + lines[i:])
    return text


def _check_outcome(text: str) -> SchemaModel | None:
    """A model whose warnings name a line, or a BadInput naming one; nothing else."""
    try:
        model = load_dump(text, path="m.sql")
    except BadInput as exc:
        assert re.match(r"^m\.sql(:\d+)?: ", exc.message), exc.message
        return None
    total = text.count("\n") + 1
    for w in model.warnings:
        m = WARNING.match(w)
        assert m and m["path"] == "m.sql", w
        assert 1 <= int(m["line"]) <= total, (w, total)
    return model


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_real_dumps_give_a_model_or_a_clean_error(text):
    _check_outcome(text)


@settings(max_examples=1500)
@given(st.text(max_size=300))
def test_arbitrary_text_gives_a_model_or_a_clean_error(text):
    _check_outcome(text)


@st.composite
def noisy(draw):
    """A window, and the same window with noise pg_dump or a checkout may add."""
    which = draw(st.sampled_from(sorted(REAL_DUMPS)))
    bounds = BOUNDARIES[which]
    i = draw(st.integers(0, len(bounds) - 2))
    j = draw(st.integers(i + 1, min(len(bounds) - 1, i + 25)))
    lines = LINES[which]
    parts = []
    for k in range(i, j):
        if draw(st.booleans()):
            parts.append(
                draw(
                    st.sampled_from(
                        ["\\restrict Zx9\n", "\n\n", "-- a comment; with 'quotes'\n", "/* x; */\n"]
                    )
                )
            )
        parts.append("".join(lines[bounds[k] : bounds[k + 1]]))
    plain = "".join(lines[bounds[i] : bounds[j]])
    text = "".join(parts)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return plain, text


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(noisy())
def test_noise_between_statements_changes_nothing(case):
    plain, text = case
    a, b = load_dump(plain, path="a.sql"), load_dump(text, path="b.sql")
    assert model_differences(a, b) == []
    assert len(a.warnings) == len(b.warnings)


BAD = st.builds(
    lambda name, junk: f"CREATE TABLE {quote_ident(name)} ((( {junk};\n",
    names.filter(lambda n: "\n" not in n),
    st.text(st.sampled_from(list("abc XYZ(),.%:=")), max_size=10),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_one_bad_statement_loses_only_itself_and_names_its_line(data):
    which = data.draw(st.sampled_from(sorted(REAL_DUMPS)))
    bounds = BOUNDARIES[which]
    i = data.draw(st.integers(0, len(bounds) - 3))
    j = data.draw(st.integers(i + 2, min(len(bounds) - 1, i + 25)))
    k = data.draw(st.integers(i + 1, j - 1))
    lines = LINES[which]
    before, after = "".join(lines[bounds[i] : bounds[k]]), "".join(lines[bounds[k] : bounds[j]])
    bad = data.draw(BAD)
    clean = load_dump(before + after, path="a.sql")
    model = load_dump(before + bad + after, path="b.sql")
    line = before.count("\n") + 1
    assert model.warnings[len(clean.warnings) :] == [
        f"b.sql:{line}: cannot read this statement ({_why(bad)}); kept as text and compared "
        f"as a whole: {' '.join(bad.split())[:80]!r}"
    ] or model.warnings[-1].startswith(f"b.sql:{line}: cannot read this statement")
    assert [d for d in model_differences(clean, model) if "'other'" not in d] == []
    assert len(model_differences(clean, model)) == 1


def _why(bad: str) -> str:
    from phasetui.schema.dump_loader import _parse_error

    return _parse_error(bad) or ""


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_the_cli_answers_any_damaged_file_without_a_traceback(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cli") / "damaged.sql"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    r = CliRunner().invoke(main, ["schema", "diff", str(path), str(path)])
    assert r.exit_code in (0, 2), r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    if r.exit_code == 2:
        assert re.search(r"damaged\.sql(:\d+)?: ", r.output), r.output
