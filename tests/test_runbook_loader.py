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
    assert fill.kind == "backfill" and fill.env == "production"
    assert fill.params["table"] == "users" and fill.params["where"] == "preferences IS NULL"
    assert fill.params["batch_size"] == 10000
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
    text = GOOD_HEAD + (
        '[[phases.steps]]\nid = "a"\nkind = "nope"\n[[phases.steps]]\nid = "b"\nkind = "sql"\n'
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
