"""The runbook loader: every sample loads; every error names the right line and key."""

from __future__ import annotations

import textwrap

import pytest

from phasetui.runbook.errors import RunbookError
from phasetui.runbook.kinds import KINDS
from phasetui.runbook.loader import load_runbook
from tests.helpers import SAMPLES, write

GOOD_HEAD = """\
[runbook]
id = "t"
title = "Test"

[environments.staging]
dsn_env = "STAGING_DSN"

[[phases]]
id = "expand"
"""


def problems(tmp_path, text: str, name: str = "rb.toml") -> list[tuple[int, str]]:
    path = write(tmp_path / name, textwrap.dedent(text))
    with pytest.raises(RunbookError) as info:
        load_runbook(path)
    for p in info.value.problems:
        assert p.path == path
    return [(p.line, p.message) for p in info.value.problems]


@pytest.mark.parametrize("path", sorted(SAMPLES.iterdir()), ids=lambda p: p.name)
def test_every_sample_runbook_loads(path):
    rb = load_runbook(path)
    assert rb.phases and rb.checklist
    assert rb.title


def test_samples_use_every_step_kind():
    kinds = {s.kind for p in SAMPLES.glob("*.toml") for s in load_runbook(p).steps()}
    assert set(KINDS) - {"check", "shell"} <= kinds


def test_users_preferences_model():
    rb = load_runbook(SAMPLES / "users_preferences.toml")
    assert [p.kind for p in rb.phases] == ["prepare", "expand", "backfill", "contract", "signoff"]
    fill = rb.step("fill-preferences")
    assert fill.kind == "backfill" and fill.env is None  # it takes the run's target
    assert fill.params["table"] == "users" and fill.params["where"] == "preferences IS NULL"
    assert fill.params["batch_size"] == 2000
    assert rb.environments["production"].production
    assert rb.environments["staging"].dsn_env == "PHASETUI_STAGING_DSN"
    assert rb.checklist[0].evidence == "backup-prod"
    assert "DROP COLUMN" in rb.rollback.sql
    assert rb.step("add-column").params["lock_timeout"] == "2s"


def test_bad_toml_reports_its_line(tmp_path):
    found = problems(tmp_path, GOOD_HEAD + "[[phases.steps]]\nid = \n")
    assert found[0][0] == 11 and "bad TOML" in found[0][1]


def test_unknown_step_kind(tmp_path):
    found = problems(tmp_path, GOOD_HEAD + '[[phases.steps]]\nid = "a"\nkind = "sqll"\n')
    assert found == [(12, found[0][1])]
    assert "unknown step kind 'sqll'" in found[0][1] and "backfill" in found[0][1]


def test_missing_fields_name_the_table_line(tmp_path):
    text = GOOD_HEAD + '[[phases.steps]]\nid = "fill"\nkind = "backfill"\nenv = "staging"\n'
    found = problems(tmp_path, text)
    assert (10, "backfill step `fill` is missing `table` (a string)") in found
    assert any(line == 10 and "exactly one of `set` or `command`" in m for line, m in found)


def test_missing_runbook_id(tmp_path):
    found = problems(tmp_path, '[runbook]\ntitle = "x"\n[[phases]]\nid = "a"\n')
    assert found == [(1, "[runbook] is missing `id` (an id)")]


def test_duplicate_step_id(tmp_path):
    text = GOOD_HEAD + (
        '[[phases.steps]]\nid = "a"\nkind = "check"\n\n[[phases.steps]]\nid = "a"\nkind = "check"\n'
    )
    assert problems(tmp_path, text) == [(15, "duplicate step id `a`")]


def test_duplicate_checklist_item(tmp_path):
    text = GOOD_HEAD + '[[checklist]]\nid = "x"\ntext = "a"\n[[checklist]]\nid = "x"\ntext = "b"\n'
    assert problems(tmp_path, text) == [(14, "duplicate checklist item id `x`")]


def test_unknown_environment_reference(tmp_path):
    text = (
        GOOD_HEAD + '[[phases.steps]]\nid = "v"\nkind = "verify"\nenv = "prod"\nsql = "select 1"\n'
        "expect = 1\n"
    )
    found = problems(tmp_path, text)
    assert found == [(13, "`env` names an unknown environment `prod` (known: staging)")]


def test_unknown_environment_in_a_list(tmp_path):
    text = GOOD_HEAD + '[[phases.steps]]\nid = "d"\nkind = "drift"\nenvs = ["staging", "qa"]\n'
    found = problems(tmp_path, text)
    assert found == [(13, "`envs` names an unknown environment `qa` (known: staging)")]


def test_unknown_step_reference(tmp_path):
    text = GOOD_HEAD + '[[checklist]]\nid = "c"\ntext = "t"\nevidence = "nope"\n'
    found = problems(tmp_path, text)
    assert found[0][0] == 13 and "unknown step `nope`" in found[0][1]


def test_wrong_types_name_the_key(tmp_path):
    text = GOOD_HEAD + (
        '[[phases.steps]]\nid = "s"\nkind = "sql"\nenv = "staging"\nsql = "select 1"\n'
        'lock_timeout = "soon"\nretries = "three"\n'
    )
    found = problems(tmp_path, text)
    assert (
        15,
        '`lock_timeout` must be a duration such as "2s", "500ms" or "1min", not \'soon\'',
    ) in found
    assert (16, "`retries` must be a whole number, not 'three'") in found


def test_unknown_key_is_an_error_not_a_silent_default(tmp_path):
    text = GOOD_HEAD + (
        '[[phases.steps]]\nid = "s"\nkind = "sql"\nenv = "staging"\nsql = "x"\nlock_timout = "2s"\n'
    )
    found = problems(tmp_path, text)
    assert found[0][0] == 15 and "unknown key `lock_timout`" in found[0][1]


def test_a_dsn_or_password_in_a_runbook_is_refused(tmp_path):
    text = '[runbook]\nid = "t"\ntitle = "x"\n[environments.prod]\npassword = "hunter2"\n'
    text += '[[phases]]\nid = "a"\n'
    found = problems(tmp_path, text)
    assert any(line == 5 and "never hold a DSN or password" in m for line, m in found)
    assert all("hunter2" not in m for _, m in found)


def test_environment_needs_service_or_variable(tmp_path):
    found = problems(
        tmp_path, '[runbook]\nid="t"\ntitle="x"\n[environments.a]\n[[phases]]\nid="p"\n'
    )
    assert found == [
        (
            4,
            "environment `a` needs exactly one of `service` (a libpq service name) "
            "and `dsn_env` (the name of a variable holding a DSN)",
        )
    ]


def test_several_problems_are_all_reported_in_line_order(tmp_path):
    # (A step without `env` is no problem any more: it takes the run's target; step c's
    # unknown environment is the third problem.)
    text = GOOD_HEAD + (
        '[[phases.steps]]\nid = "a"\nkind = "nope"\n[[phases.steps]]\nid = "b"\nkind = "sql"\n'
        '[[phases.steps]]\nid = "c"\nkind = "verify"\nenv = "prod"\nsql = "select 1"\n'
    )
    lines = [line for line, _ in problems(tmp_path, text)]
    assert lines == sorted(lines) and len(lines) >= 3


def test_missing_file_and_wrong_suffix(tmp_path):
    with pytest.raises(RunbookError, match="no such file"):
        load_runbook(tmp_path / "missing.toml")
    with pytest.raises(RunbookError, match="unknown runbook type"):
        load_runbook(write(tmp_path / "x.yaml", "a: 1"))


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[runbook]\nid = "t"\ntitle = "caf\xe9"\n')
    with pytest.raises(RunbookError) as info:
        load_runbook(path)
    assert info.value.problems[0].line == 3


def test_azerbaijani_guide_loads_as_checklist_runbook():
    rb = load_runbook(SAMPLES / "online_migration_checklist.az.md")
    assert rb.format == "markdown"
    assert rb.title == "Faza-faza (online) miqrasiya qaydaları"
    assert [p.kind for p in rb.phases] == [
        "prepare",
        "expand",
        "backfill",
        "contract",
        "signoff",
        "rollback",
        "signoff",
    ]
    assert len(rb.checklist) == 6
    assert rb.checklist[0].text == "Backup alındı, fayl yolu qeyd edildi"
    assert all(item.phase == rb.phases[-1].id for item in rb.checklist)
    restore = rb.phases[5].steps[1]
    assert "pg_restore" in restore.params["instructions"]


def test_english_guide_keeps_wrapped_lines_in_the_item():
    rb = load_runbook(SAMPLES / "online_migration_checklist.md")
    first = rb.phases[0].steps[0]
    assert first.kind == "check"
    assert first.title.endswith("to collect the current migration heads.")
    assert rb.checklist[2].text == "Backfill script ran and its result documented"


def test_markdown_checked_items_and_items_before_any_section(tmp_path):
    path = write(tmp_path / "g.md", "# G\n- [x] done already\n- [ ] to do\n")
    rb = load_runbook(path)
    assert [i.checked_in_source for i in rb.checklist] == [True, False]
    assert rb.phases[0].id == "general"


def test_markdown_without_sections_or_items(tmp_path):
    with pytest.raises(RunbookError, match="no `## ` sections"):
        load_runbook(write(tmp_path / "empty.md", "just prose\n"))


# -- bad input: a problem at the key's line, never a traceback ------------------------------

STEP_HEAD = GOOD_HEAD + '[[phases.steps]]\nid = "s"\n'  # the step's table opens at line 10


@pytest.mark.parametrize("value", ["[]", "{}", "5", "true", '["sql"]'])
def test_a_kind_that_is_not_a_string_is_a_problem(tmp_path, value):
    found = problems(tmp_path, STEP_HEAD + f"kind = {value}\n")
    assert len(found) == 1 and found[0][0] == 12
    assert found[0][1].startswith("`kind` must be a string, one of: check, sql, backfill")


@pytest.mark.parametrize(("value", "shown"), [("true", "true"), ("5", "5"), ("{a = 1}", "a table")])
def test_rollback_steps_of_the_wrong_type(tmp_path, value, shown):
    found = problems(tmp_path, GOOD_HEAD + f"[rollback]\nsteps = {value}\n")
    assert found == [(11, f"`steps` must be a list of strings, not {shown}")]


SQL_STEP = STEP_HEAD + 'kind = "sql"\nenv = "staging"\nsql = "SELECT 1"\n'  # next key: line 15


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("inf", "inf is not a duration (it must be finite)"),
        ("-inf", "-inf is not a duration (it must be finite)"),
        ("nan", "nan is not a duration (it must be finite)"),
        ("1e300", "1e+300 is too long; the limit is 2147483s"),
        ("-1", "a duration cannot be negative (-1)"),
        ('"-2s"', "a duration cannot be negative ('-2s')"),
        ('"600h"', "'600h' is too long"),
        ('"0.5ms"', "'0.5ms' is below 1ms, which PostgreSQL rounds to 0"),
        ("1" + "0" * 40, "a number of more than 30 digits is too long"),
        ('"2"', "'2' has no unit"),
    ],
)
def test_durations_the_step_would_refuse_are_refused_by_check(tmp_path, value, reason):
    found = problems(tmp_path, SQL_STEP + f"lock_timeout = {value}\n")
    assert len(found) == 1 and found[0][0] == 15, found
    assert found[0][1].startswith(f"`lock_timeout`: {reason}")


def test_every_duration_check_accepts_reaches_the_step_intact(tmp_path):
    from phasetui.db.session import pg_ms
    from phasetui.ops.sql_step import SqlStep

    for value, ms in [('"2s"', "2000ms"), ("0", "0ms"), ("1.5", "1500ms"), ('"596h"', None)]:
        rb = load_runbook(write(tmp_path / "rb.toml", SQL_STEP + f"lock_timeout = {value}\n"))
        settings = SqlStep(rb, rb.step("s")).settings()
        assert pg_ms(settings.lock_timeout) == (ms or pg_ms(596 * 3600))


BACKFILL = STEP_HEAD + 'kind = "backfill"\nenv = "staging"\ntable = "t"\nset = ["a = 1"]\n'


SECONDS = ["pause_seconds", "target_batch_seconds", "max_replica_lag_seconds"]


@pytest.mark.parametrize("key", SECONDS)
@pytest.mark.parametrize("value", ["inf", "nan", "1e300", "-1"])
def test_seconds_fields_are_finite_and_bounded(tmp_path, key, value):
    found = problems(tmp_path, BACKFILL + f"{key} = {value}\n")
    assert len(found) == 1 and found[0][0] == 16 and found[0][1].startswith(f"`{key}`: ")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("retries = 1000000000", "`retries` must be a whole number from 0 to 100, not 1000000000"),
        ("retries = -1", "`retries` must be a whole number from 0 to 100, not -1"),
        ("pg_version = 7", "`pg_version` must be a whole number from 9 to 99, not 7"),
    ],
)
def test_counts_out_of_range(tmp_path, line, message):
    assert problems(tmp_path, SQL_STEP + line + "\n") == [(15, message)]


def test_backfill_counts_the_step_would_refuse(tmp_path):
    found = problems(tmp_path, BACKFILL + "workers = 0\nbatch_size = 0\n")
    assert found == [
        (16, "`workers` must be a whole number from 1 to 100, not 0"),
        (17, "`batch_size` must be a whole number from 1 to 2147483647, not 0"),
    ]


def test_window_with_a_zone_is_accepted_as_the_backfill_accepts_it(tmp_path):
    from phasetui.backfill.spec import BackfillSpec

    text = BACKFILL + 'window = "22:00-06:00 Europe/Berlin"\n'
    rb = load_runbook(write(tmp_path / "rb.toml", text))
    spec = BackfillSpec.from_mapping(rb.step("s").params)
    assert str(spec.run_window) == "22:00-06:00 Europe/Berlin"
    assert load_runbook(write(tmp_path / "rb.toml", BACKFILL + 'window = "22:00-06:00"\n'))


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ("22:00-06:00 Mars/Olympus", "`window`: unknown time zone 'Mars/Olympus'; write an IANA"),
        ("22:00-06:00 ../../etc/passwd", "`window`: unknown time zone '../../etc/passwd'"),
        ("25:00-06:00", "`window`: '25:00-06:00' has an impossible time"),
        ("tonight", "`window`: 'tonight' is not hh:mm-hh:mm [zone]"),
    ],
)
def test_bad_window_is_named_at_its_line(tmp_path, window, message):
    found = problems(tmp_path, BACKFILL + f'window = "{window}"\n')
    assert len(found) == 1 and found[0][0] == 16 and found[0][1].startswith(message), found


def test_a_number_too_long_to_read_names_its_line(tmp_path):
    found = problems(tmp_path, SQL_STEP + "retries = 1" + "0" * 5000 + "\n")
    assert found == [(15, "a number with too many digits to read")]


def test_hex_number_too_long_to_print_is_shown_short(tmp_path):
    found = problems(tmp_path, SQL_STEP + "retries = 0x" + "f" * 5000 + "\n")
    assert found == [
        (15, "`retries` must be a whole number from 0 to 100, not a number of more than 30 digits")
    ]


def test_nesting_too_deep_to_read_names_its_line(tmp_path):
    found = problems(tmp_path, SQL_STEP + "sql2 = " + "[" * 3000 + "]" * 3000 + "\n")
    assert found == [(15, "arrays or tables nested too deeply to read")]


def test_control_characters_in_strings_and_keys(tmp_path):
    text = GOOD_HEAD.replace('title = "Test"', 'title = "Te\\u001b[2Jst"') + (
        '[[phases.steps]]\nid = "s"\nkind = "check"\ninstructions = "a\\u0000b"\n"x\\u0007" = 1\n'
    )
    found = problems(tmp_path, text)
    assert (
        3,
        "`title` holds the control character U+001B; remove it (it would reach the "
        "terminal and the audit repo as it is)",
    ) in found
    assert any(
        line == 13 and "`instructions` holds the control character U+0000" in m for line, m in found
    )
    assert any(
        line == 14 and "`a key` holds the control character U+0007" in m for line, m in found
    )
    rendered = str(RunbookError([]).__class__(load_problems(tmp_path, text)))
    assert "\x07" not in rendered and "\\u0007" in rendered


def load_problems(tmp_path, text):
    with pytest.raises(RunbookError) as info:
        load_runbook(write(tmp_path / "rb.toml", text))
    return info.value.problems


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_a_unicode_line_separator_inside_a_string_does_not_shift_lines(tmp_path, separator):
    # TOML allows them raw in a string; the line is the one tomllib, git and an editor give
    text = GOOD_HEAD.replace('title = "Test"', f'title = "Te{separator}st"') + (
        '[[phases.steps]]\nid = "s"\nkind = "nope"\n'
    )
    found = problems(tmp_path, text)
    assert found[-1][0] == 12 and "unknown step kind" in found[-1][1]


@pytest.mark.parametrize(
    "text",
    [
        "[runbook]\nid = 5\ntitle = []\n[[phases]]\nid = {}\ntitle = 1\nkind = []\n",
        '[runbook]\nid = "x"\ntitle = "t"\n[[phases]]\nid = "p"\nsteps = 5\n',
        '[runbook]\nid = "x"\ntitle = "t"\n[[phases]]\nid = "p"\n[[phases.steps]]\nid = []\n'
        'kind = "check"\ntitle = {}\nenv = []\n',
        '[runbook]\nid = "x"\ntitle = "t"\n[[phases]]\nid = "p"\n[[checklist]]\nid = []\n'
        "text = 5\nevidence = {}\nphase = []\n",
        '[runbook]\nid = "x"\ntitle = "t"\n[[phases]]\nid = "p"\n[rollback]\ndescription = 5\n'
        "backup = []\nsql = {}\nfile = 1\nrefresh_status = 'yes'\n",
        '[runbook]\nid = "x"\ntitle = "t"\n[[phases]]\nid = "p"\n[[phases.steps]]\nid = "v"\n'
        'kind = "verify"\nenv = "e"\nqueries = [{sql = 5, expect = {}, name = []}, {expect = 1}]\n',
        '[runbook]\nid = ""\ntitle = " "\n[environments]\ne = 5\n[[phases]]\nid = "p"\n',
        'runbook = 5\nphases = "x"\nchecklist = 7\nrollback = []\nenvironments = []\n',
    ],
)
def test_wrong_types_anywhere_are_problems_with_lines(tmp_path, text):
    found = problems(tmp_path, text)
    assert found and all(1 <= line <= text.count("\n") + 1 for line, _ in found)


def test_queries_are_checked_field_by_field(tmp_path):
    text = STEP_HEAD + (
        'kind = "verify"\nenv = "staging"\nqueries = [\n  {name = "a", sql = "select 1", '
        "expect = 0},\n  {sql = 5, expect = {}},\n  {expect = 1, extra = 2},\n]\n"
    )
    found = problems(tmp_path, text)
    messages = [m for _, m in found]
    assert "`sql` must be a string, not 5" in messages
    assert "`expect` must be a number, string or boolean, not a table" in messages
    assert "query 3 is missing `sql` (a string)" in messages
    assert any(m.startswith("unknown key `extra` in a query") for m in messages)


def test_bom_and_crlf_runbook_loads_with_the_lines_an_editor_shows(tmp_path):
    text = "\ufeff" + (SQL_STEP + 'lock_timeout = "soon"\n').replace("\n", "\r\n")
    path = tmp_path / "rb.toml"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(RunbookError) as info:
        load_runbook(path)
    assert [p.line for p in info.value.problems] == [15]


def test_a_runbook_error_is_bad_input_exit_code_2(tmp_path):
    with pytest.raises(RunbookError) as info:
        load_runbook(write(tmp_path / "rb.toml", STEP_HEAD + "kind = []\n"))
    assert info.value.exit_code == 2


# -- Markdown guides: linear in the number of items, lines as an editor counts them ----------


def test_markdown_guide_of_20000_identical_items_loads_in_linear_time(tmp_path):
    import time

    n = 20_000
    text = "# G\n## Checklist\n" + "- [ ] same item\n" * n + "## Steps\n" + "- same step\n" * n
    path = write(tmp_path / "big.md", text)
    started = time.perf_counter()
    rb = load_runbook(path)
    elapsed = time.perf_counter() - started
    ids = [i.id for i in rb.checklist] + [s.id for s in rb.steps()] + [p.id for p in rb.phases]
    assert len(ids) == len(set(ids)) == 2 * n + 2
    assert rb.checklist[-1].id == f"same-item-{n}" and rb.checklist[-1].line == n + 2
    # quadratic took 94 s here; the figure is in bench/bench_check.py, this only catches it
    assert elapsed < 15, f"{elapsed:.1f} s"


def test_markdown_ids_stay_unique_when_a_suffix_is_already_taken(tmp_path):
    text = "## S\n- [ ] a\n- [ ] a 2\n- [ ] a\n- [ ] a\n- [ ] a 3\n- [ ] a-3\n"
    rb = load_runbook(write(tmp_path / "g.md", text))
    ids = [i.id for i in rb.checklist]
    assert ids == ["a", "a-2", "a-3", "a-4", "a-3-2", "a-3-3"]


def test_markdown_long_code_block_is_kept_whole(tmp_path):
    body = "".join(f"    line {n}\n" for n in range(20_000))
    rb = load_runbook(write(tmp_path / "g.md", "## S\n- step\n    ```\n" + body + "    ```\n"))
    instructions = rb.steps()[0].params["instructions"].split("\n")
    assert len(instructions) == 20_002 and instructions[1] == "line 0"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u2028\u2028x", "\x0c"])
def test_markdown_lines_end_at_newline_only(tmp_path, separator):
    text = f"# G{separator}title\n## Phase 1\n- [ ] first{separator}item\n- [ ] second\n"
    rb = load_runbook(write(tmp_path / "g.md", text))
    assert [i.line for i in rb.checklist] == [3, 4]
    assert rb.phases[0].line == 2


@pytest.mark.parametrize(
    ("char", "what"),
    [
        ("\x00", "a NUL byte: this is not a text file"),
        ("\x1b", "a control character"),
        ("\x85", "a control character"),
        ("\r", "a carriage return that does not end a line (use LF or CRLF line ends)"),
    ],
)
def test_markdown_with_a_control_character_names_line_and_column(tmp_path, char, what):
    rb_text = f"# G\n## S\n- [ ] ok\n- [ ] bad{char}item\n"
    found = problems(tmp_path, rb_text, name="g.md")
    assert found == [
        (4, f"column 10 holds {what} (U+{ord(char):04X}); save the guide as plain UTF-8 text")
    ]


def test_a_file_that_cannot_be_opened_is_a_problem_not_a_traceback(tmp_path):
    with pytest.raises(RunbookError) as info:
        load_runbook(tmp_path / ("a" * 300 + ".toml"))
    assert info.value.problems[0].message == "cannot be read (File name too long)"
