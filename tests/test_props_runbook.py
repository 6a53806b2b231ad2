"""Property tests of the runbook loader and the Markdown import: generated runbooks load;
mutated ones (types swapped, keys deleted, bytes inserted, text cut) give a result or
problems at lines of the file — never a traceback, never a hang.

A runbook that passes ``check`` is also handed to the step code that will read it (sql
step settings, backfill spec), which must accept it or refuse it as a UserError.
"""

from __future__ import annotations

import copy
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from phasetui.errors import UserError
from phasetui.runbook.errors import Problem, RunbookError
from phasetui.runbook.kinds import KINDS
from phasetui.runbook.loader import load_runbook
from phasetui.runbook.markdown_loader import _BOX, _H2, _ITEM, _Ids
from phasetui.runbook.model import Runbook
from tests.helpers import SAMPLES
from tests.props_support import (
    TomlDoc,
    del_in,
    get_in,
    markdown_guides,
    runbooks,
    set_in,
    value_paths,
    wrong_values,
)

pytestmark = pytest.mark.props

_SHOWN_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


_FOLDERS: dict[int, object] = {}


def _write(tmp_path_factory, data: bytes, suffix: str = ".toml"):
    # one folder per session, one file rewritten per example (mktemp per example is
    # quadratic: it lists the folders made so far)
    folder = _FOLDERS.get(id(tmp_path_factory))
    if folder is None:
        folder = _FOLDERS[id(tmp_path_factory)] = tmp_path_factory.mktemp("props-runbook")
    path = folder / f"runbook{suffix}"
    path.write_bytes(data)
    return path


def load(tmp_path_factory, data: bytes, suffix: str = ".toml") -> Runbook | list[Problem]:
    """The runbook, or its problems after checking each names a line of the file."""
    path = _write(tmp_path_factory, data, suffix)
    try:
        rb = load_runbook(path)
    except RunbookError as exc:
        assert exc.problems and exc.exit_code == 2
        lines = data.count(b"\n") + 1
        for p in exc.problems:
            assert p.path == path and 1 <= p.line <= lines, (p, lines)
            assert p.message.strip()
            shown = str(p)
            assert shown.startswith(f"{path}:{p.line}: ") and not _SHOWN_CONTROL.search(shown)
        return exc.problems
    assert_step_code_accepts(rb)
    return rb


def assert_step_code_accepts(rb: Runbook) -> None:
    """What ``check`` passes, the steps read without a traceback."""
    from phasetui.backfill.spec import BackfillSpec
    from phasetui.db.session import parse_duration, pg_ms
    from phasetui.ops.sql_step import SqlStep

    ids = [s.id for s in rb.steps()]
    assert len(ids) == len(set(ids))
    for step in rb.steps():
        assert step.kind in KINDS
        if step.kind == "sql":
            settings_ = SqlStep(rb, step).settings()
            pg_ms(settings_.lock_timeout), pg_ms(settings_.statement_timeout)
        elif step.kind == "backfill":
            try:
                spec = BackfillSpec.from_mapping(step.params)
            except UserError:
                continue
            spec.run_window  # noqa: B018 - parses the window
            pg_ms(spec.lock_timeout)
        elif step.kind == "shell" and "timeout" in step.params:
            parse_duration(step.params["timeout"], what="timeout")


@settings(max_examples=100)
@given(data=runbooks())
def test_generated_runbooks_load_with_every_line_right(tmp_path_factory, data):
    doc = TomlDoc(data)
    rb = load(tmp_path_factory, doc.text.encode())
    assert isinstance(rb, Runbook), rb
    assert [p.id for p in rb.phases] == [p["id"] for p in data["phases"]]
    for pn, phase in enumerate(data["phases"]):
        assert rb.phases[pn].line == doc.lines[("phases", pn)]
        for sn, step in enumerate(phase["steps"]):
            loaded = rb.phases[pn].steps[sn]
            assert (loaded.id, loaded.kind) == (step["id"], step["kind"])
            assert loaded.line == doc.lines[("phases", pn, "steps", sn)]
    assert [i.line for i in rb.checklist] == [
        doc.lines[("checklist", n)] for n in range(len(data["checklist"]))
    ]


@settings(max_examples=300)
@given(data=runbooks(), pick=st.integers(0, 10**6), value=wrong_values)
def test_a_value_of_the_wrong_type_anywhere_is_a_problem_or_accepted(
    tmp_path_factory, data, pick, value
):
    paths = value_paths(data)
    path = paths[pick % len(paths)]
    set_in(data, path, value)
    doc = TomlDoc(data)
    found = load(tmp_path_factory, doc.text.encode())
    if isinstance(value, dict) or (isinstance(value, list) and value and value != [1, "x"]):
        # no field takes a table, nor a list of tables, lists or mixed items: this broke it
        assert not isinstance(found, Runbook), (path, value)
        key_line = doc.lines[path]
        assert any(p.line == key_line for p in found), (path, value, found)


@settings(max_examples=150)
@given(data=runbooks(), pick=st.integers(0, 10**6))
def test_a_deleted_key_is_a_problem_at_its_table_or_accepted(tmp_path_factory, data, pick):
    paths = value_paths(data)
    path = paths[pick % len(paths)]
    required = path[-1] in ("id", "kind") or path == ("runbook", "title")
    del_in(data, path)
    doc = TomlDoc(data)
    found = load(tmp_path_factory, doc.text.encode())
    if required:
        assert not isinstance(found, Runbook)
        assert any(p.line == doc.lines[path[:-1]] for p in found), (path, found)


@settings(max_examples=100)
@given(data=runbooks(), pick=st.integers(0, 10**6), key=st.text(min_size=1, max_size=10))
def test_an_unknown_key_is_named(tmp_path_factory, data, pick, key):
    paths = value_paths(data)
    table = paths[pick % len(paths)][:-1]
    assume(key not in get_in(data, table) and not re.search(r"[\x00-\x1f\x7f-\x9f]", key))
    from phasetui.runbook import kinds

    known = set(kinds.COMMON_FIELDS) | {f for k in KINDS.values() for f in k.fields}
    known |= set(kinds.ENVIRONMENT_FIELDS) | set(kinds.RUNBOOK_FIELDS)
    known |= set(kinds.PHASE_FIELDS) | set(kinds.CHECKLIST_FIELDS) | set(kinds.ROLLBACK_FIELDS)
    assume(key not in known)
    get_in(data, table)[key] = "x"
    doc = TomlDoc(data)
    found = load(tmp_path_factory, doc.text.encode())
    assert not isinstance(found, Runbook)
    assert any(p.line == doc.lines[(*table, key)] and f"`{key}`" in p.message for p in found)


@settings(max_examples=60)
@given(data=runbooks())
def test_a_duplicated_step_is_named_at_its_second_id(tmp_path_factory, data):
    phases = [p for p in data["phases"] if p["steps"]]
    assume(phases)
    phases[0]["steps"].append(copy.deepcopy(phases[0]["steps"][0]))
    doc = TomlDoc(data)
    found = load(tmp_path_factory, doc.text.encode())
    pn = data["phases"].index(phases[0])
    line = doc.lines[("phases", pn, "steps", len(phases[0]["steps"]) - 1, "id")]
    assert not isinstance(found, Runbook)
    assert (line, f"duplicate step id `{phases[0]['steps'][0]['id']}`") in [
        (p.line, p.message) for p in found
    ]


NASTY = [
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    "\u2028".encode(),
    "\u0085".encode(),
    b"\r",
    b"\r\n",
    b"\t",
    b'"',
    b"'''",
    b'"""',
    b"[",
    b"]]",
    b"{",
    b"=",
    b"#",
    b"\\u0000",
    b"[[phases]]\n",
    b"[[phases.steps]]\n",
    b"[runbook]\n",
    b"kind = []\n",
    b"kind = {}\n",
    b"steps = true\n",
    b"lock_timeout = inf\n",
    b"window = '22:00-06:00 Nowhere/Zone'\n",
    b"retries = 1" + b"0" * 5000 + b"\n",
    b"x = " + b"[" * 2000 + b"]" * 2000 + b"\n",
    b"id = 'a'\n",
]


# The team's sample runbooks (every step kind, comments, multi-line strings) as the text
# the mutations start from: cheap to draw, so thousands of mutations fit in seconds.
BASES = [p.read_bytes() for p in sorted(SAMPLES.glob("*.toml"))]


@settings(max_examples=1200)
@given(
    base=st.sampled_from(BASES),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["insert", "cut", "drop-line", "dup-line", "truncate"]),
            st.integers(0, 10**6),
            st.one_of(st.sampled_from(NASTY), st.binary(min_size=1, max_size=4)),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_runbook_bytes_give_a_result_or_problems_with_lines(tmp_path_factory, base, edits):
    raw = base
    for op, at, blob in edits:
        at %= len(raw) + 1
        if op == "insert":
            raw = raw[:at] + blob + raw[at:]
        elif op == "cut":
            raw = raw[:at] + raw[at + len(blob) :]
        elif op == "truncate":
            raw = raw[:at]
        else:
            lines = raw.split(b"\n")
            n = at % len(lines)
            lines[n : n + 1] = [] if op == "drop-line" else [lines[n], lines[n]]
            raw = b"\n".join(lines)
    load(tmp_path_factory, raw)


# -- Markdown ---------------------------------------------------------------------------------


@settings(max_examples=400)
@given(text=markdown_guides())
def test_markdown_guides_load_with_unique_ids_and_lines_that_point_at_the_item(
    tmp_path_factory, text
):
    found = load(tmp_path_factory, text.encode(), suffix=".md")
    if not isinstance(found, Runbook):
        assert len(found) == 1 and found[0].line == 1 and "no `## ` sections" in found[0].message
        return
    rb = found
    lines = text.split("\n")
    ids = [p.id for p in rb.phases] + [s.id for s in rb.steps()] + [i.id for i in rb.checklist]
    assert len(ids) == len(set(ids))
    for item in rb.checklist:
        assert _BOX.match(lines[item.line - 1]), (item, lines[item.line - 1])
    for step in rb.steps():
        assert _ITEM.match(lines[step.line - 1]), (step, lines[step.line - 1])
    for phase in rb.phases:
        assert phase.id == "general" or _H2.match(lines[phase.line - 1])


@settings(max_examples=250)
@given(
    text=markdown_guides(),
    at=st.integers(0, 10**6),
    char=st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9b", "\r"]),
)
def test_markdown_with_a_control_character_names_its_line(tmp_path_factory, text, at, char):
    text = text.replace("\r\n", "\n")
    at %= len(text) + 1
    if char == "\r" and text[at : at + 1] == "\n":
        at += 1
    text = text[:at] + char + text[at:]
    found = load(tmp_path_factory, text.encode(), suffix=".md")
    assert not isinstance(found, Runbook)
    assert (
        found[0].line == text.count("\n", 0, at) + 1
        and "control character" in (found[0].message)
        or "NUL" in found[0].message
        or "carriage return" in found[0].message
    )


def _unique_quadratic(base: str, taken: set[str]) -> str:
    """The old id de-duplication, as the reference the linear one must agree with."""
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["a", "a-2", "a-3", "a-2-2", "b", "item"]),
            st.builds(lambda b, n: f"{b}-{n}", st.sampled_from(["a", "b"]), st.integers(1, 6)),
        ),
        max_size=60,
    )
)
def test_linear_ids_are_the_ids_the_quadratic_loop_gave(bases):
    ids, taken = _Ids(), set()
    assert [ids.unique(b) for b in bases] == [_unique_quadratic(b, taken) for b in bases]
