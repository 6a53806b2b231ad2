"""The schema-diff viewer hosted in a small app: Pilot behaviour and snapshots, 80x24 and 160x50."""

from __future__ import annotations

import pytest
from textual.app import App

from phasetui.schema.diff import diff_models
from phasetui.schema.dump_loader import load_dump
from phasetui.tui.schema_ddl_sides import changed_lines
from phasetui.tui.schema_diff_screen import SchemaDiffScreen
from phasetui.tui.schema_diff_tree import SchemaDiffTree
from tests.schema_support import FIXTURES

SIZES = [(80, 24), (160, 50)]
A_TEXT = (FIXTURES / "every_kind.pg16.sql").read_text()
B_TEXT = (
    A_TEXT.replace(
        "    note text\n);", "    note text,\n    shipped_at timestamp with time zone\n);"
    )
    .replace(
        "status text DEFAULT 'new'::text NOT NULL", "status text DEFAULT 'open'::text NOT NULL"
    )
    .replace("CREATE INDEX orders_note_hash ON app.orders USING hash (note);\n", "")
    + '\nCREATE TABLE app."odd [x]" ("[b]" integer NOT NULL);\n'
    + "ALTER TABLE app.customers ADD CONSTRAINT customers_name_check CHECK "
    "((name IS NOT NULL)) NOT VALID;\n"
)


# app.orders.note renamed to memo: its two indexes and its trigger follow, as in PostgreSQL
RENAMED_B_TEXT = (
    A_TEXT.replace("    note text\n);", "    memo text\n);")
    .replace("(lower(note))", "(lower(memo))")
    .replace("USING hash (note)", "USING hash (memo)")
    .replace("UPDATE OF note ON", "UPDATE OF memo ON")
)


def make_diff():
    return diff_models(
        load_dump(A_TEXT, source="staging.sql"), load_dump(B_TEXT, source="production.sql")
    )


class ViewerApp(App[None]):
    """Hosts the screen the way a runbook step would: push it, keep the result."""

    def __init__(self, diff) -> None:
        super().__init__()
        self.diff = diff
        self.result: bool | None = None
        self.reviewed_messages: list = []

    def on_mount(self) -> None:
        self.push_screen(SchemaDiffScreen(self.diff), callback=self._done)

    def _done(self, result: bool | None) -> None:
        self.result = result

    def on_schema_diff_screen_reviewed(self, message: SchemaDiffScreen.Reviewed) -> None:
        self.reviewed_messages.append(message)


def test_the_diff_under_view_has_what_the_tests_expect():
    diff = make_diff()
    found = {(c.status, c.kind, c.name) for c in diff.changes}
    assert found == {
        ("added", "column", "app.orders.shipped_at"),
        ("changed", "column", "app.orders.status"),
        ("removed", "index", "app.orders_note_hash"),
        ("added", "table", 'app."odd [x]"'),
        ("added", "constraint", "app.customers.customers_name_check"),
    }


async def _ready(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
async def test_tree_filter_search_and_sides(size):
    app = ViewerApp(make_diff())
    async with app.run_test(size=size) as pilot:
        await _ready(pilot)
        screen = app.screen
        assert isinstance(screen, SchemaDiffScreen)
        tree = screen.query_one(SchemaDiffTree)
        assert len(tree.visible()) == 5
        assert screen.selected is not None  # first change selected on open
        # filter cycles all -> added -> removed -> changed -> renamed
        await pilot.press("f")
        assert {c.status for c in tree.visible()} == {"added"}
        await pilot.press("f")
        assert [c.name for c in tree.visible()] == ["app.orders_note_hash"]
        await pilot.press("f")
        assert [c.name for c in tree.visible()] == ["app.orders.status"]
        await _ready(pilot)
        assert screen.selected.name == "app.orders.status"
        attrs = str(screen.query_one("#schema-attrs-body").content)
        assert "default" in attrs and "'new'::text" in attrs and "'open'::text" in attrs
        a_side = screen.query_one("#schema-ddl-a").content
        b_side = screen.query_one("#schema-ddl-b").content
        marked_a = [a_side.code.splitlines()[n - 1] for n in a_side.highlight_lines]
        marked_b = [b_side.code.splitlines()[n - 1] for n in b_side.highlight_lines]
        assert marked_a == ["    status text DEFAULT 'new'::text NOT NULL,"]
        assert "    status text DEFAULT 'open'::text NOT NULL," in marked_b
        await pilot.press("f")
        assert tree.filter == "renamed" and tree.visible() == []  # no renames in this diff
        await pilot.press("f")
        assert tree.filter == "all"
        # search
        await pilot.press("slash")
        await pilot.press(*"odd")
        await _ready(pilot)
        assert [c.name for c in tree.visible()] == ['app."odd [x]"']
        await pilot.press("enter")
        await _ready(pilot)
        assert tree.has_focus
        assert screen.selected.name == 'app."odd [x]"'  # a "[" in a name renders as text
        b_side = screen.query_one("#schema-ddl-b").content
        assert '"[b]" integer NOT NULL' in b_side.code
        assert b_side.highlight_lines == {1, 2, 3}  # all new: every line marked
        assert "not on this side" in str(screen.query_one("#schema-ddl-a").content)
        # stacked at 80 columns, side by side when wide
        side_a = screen.query_one("#schema-side-a")
        side_b = screen.query_one("#schema-side-b")
        if size[0] == 80:
            assert screen.has_class("-narrow")
            assert side_b.region.y > side_a.region.y and side_b.region.x == side_a.region.x
        else:
            assert side_b.region.x > side_a.region.x and side_b.region.y == side_a.region.y


async def test_mark_reviewed_returns_true_and_posts_the_message():
    diff = make_diff()
    app = ViewerApp(diff)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("v")
        await _ready(pilot)
        assert app.result is True
        assert [m.diff for m in app.reviewed_messages] == [diff]
        assert not isinstance(app.screen, SchemaDiffScreen)


async def test_escape_leaves_without_review():
    app = ViewerApp(make_diff())
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("slash")
        await pilot.press("escape")  # first escape leaves the search box
        assert isinstance(app.screen, SchemaDiffScreen)
        await pilot.press("escape")
        await _ready(pilot)
        assert app.result is False and app.reviewed_messages == []


async def test_an_empty_diff_says_so():
    model = load_dump(A_TEXT, source="a.sql")
    app = ViewerApp(diff_models(model, load_dump(A_TEXT, source="b.sql")))
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        assert "no differences" in str(app.screen.query_one("#schema-header").content)


async def test_a_rename_in_the_tree_the_detail_and_the_sides():
    diff = diff_models(
        load_dump(A_TEXT, source="staging.sql"), load_dump(RENAMED_B_TEXT, source="production.sql")
    )
    app = ViewerApp(diff)
    async with app.run_test(size=(160, 50)) as pilot:
        await _ready(pilot)
        screen = app.screen
        tree = screen.query_one(SchemaDiffTree)
        [change] = tree.visible()
        assert (change.status, change.old_name, change.name) == (
            "renamed",
            "app.orders.note",
            "app.orders.memo",
        )
        labels = [str(n.label) for n in tree.root.children[0].children]
        assert labels == ["R app.orders.note → memo  medium  breaks running code"]
        assert str(tree.root.children[0].label) == "column R1"
        assert "R1" in str(screen.query_one("#schema-header").content)
        attrs = str(screen.query_one("#schema-attrs-body").content)
        assert "R renamed column app.orders.note → memo" in attrs
        assert "lock risk medium, breaks running code" in attrs
        assert "carried along: 2 index(s), 1 trigger(s)" in attrs
        assert "note: inferred from same type" in attrs
        a_side = screen.query_one("#schema-ddl-a").content
        b_side = screen.query_one("#schema-ddl-b").content
        marked_a = sorted(a_side.code.splitlines()[n - 1] for n in a_side.highlight_lines)
        marked_b = sorted(b_side.code.splitlines()[n - 1] for n in b_side.highlight_lines)
        # the column's line and its trigger's (UPDATE OF note -> memo), nothing else
        assert marked_a[0] == "    note text," and "UPDATE OF note ON" in marked_a[1]
        assert marked_b[0] == "    memo text," and "UPDATE OF memo ON" in marked_b[1]
        assert len(marked_a) == len(marked_b) == 2
        for _ in range(4):  # all -> added -> removed -> changed -> renamed
            await pilot.press("f")
        assert tree.filter == "renamed" and tree.visible() == [change]
        await pilot.press("f")
        await pilot.press("slash")
        await pilot.press(*"note")  # the old name finds it
        await _ready(pilot)
        assert tree.visible() == [change]


def test_changed_lines_marks_only_the_differences():
    a = ["CREATE TABLE t (", "    a int,", "    b text", ");"]
    b = ["CREATE TABLE t (", "    a bigint,", "    b text", ");"]
    assert changed_lines(a, b) == ({2}, {2})


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x50"])
def test_viewer_snapshot(snap_compare, size):
    app = ViewerApp(make_diff())

    async def select_status(pilot) -> None:
        await _ready(pilot)
        for _ in range(3):
            await pilot.press("f")
        await _ready(pilot)

    assert snap_compare(app, terminal_size=size, run_before=select_status)
