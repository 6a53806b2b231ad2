"""A runbook never carries a credential into git: refused by the loader, masked when frozen.

The run folder keeps a verbatim copy of the runbook, committed when the run starts, before
any step runs; so a password anywhere in it must stop the load itself, naming the file, the
line and the key, and never repeating the password.
"""

from __future__ import annotations

import dataclasses

import pytest

from phasetui.audit.repo import AuditRepo
from phasetui.audit.runs import open_run
from phasetui.runbook.errors import RunbookError
from phasetui.runbook.loader import load_runbook
from tests.helpers import SAMPLES, git, write
from tests.secrets_support import PW, assert_masked
from tests.tui_fixtures import ALICE

HEAD = (
    '[runbook]\nid = "t"\ntitle = "x"\n'  # 1-3
    '[environments.staging]\ndsn_env = "STAGING_DSN"\n'  # 4-5
    '[[phases]]\nid = "prepare"\n'  # 6-7
)


def refusal(tmp_path, text: str, name: str = "rb.toml") -> list[tuple[int, str]]:
    path = write(tmp_path / name, text)
    with pytest.raises(RunbookError) as info:
        load_runbook(path)
    assert str(path) in str(info.value)
    assert_masked(str(info.value))
    return [(p.line, p.message) for p in info.value.problems]


@pytest.mark.parametrize(
    "step,line,key,kind",
    [
        (
            f'[[phases.steps]]\nid = "d"\nkind = "schema-diff"\nleft = "postgresql://u:{PW}@db/app"'
            '\nright = "b.sql"\n',
            11,
            "phases[0].steps[0].left",
            "URI with a password",
        ),
        (
            '[[phases.steps]]\nid = "sh"\nkind = "shell"\n'
            f'command = "PGPASSWORD={PW} pg_dump app"\n',
            11,
            "phases[0].steps[0].command",
            "password setting",
        ),
        (
            '[[phases.steps]]\nid = "sq"\nkind = "sql"\nenv = "staging"\n'
            f'sql = """\nALTER ROLE app\n  PASSWORD \'{PW}\';\n"""\n',
            12,
            "phases[0].steps[0].sql",
            "SQL password",
        ),
        (
            '[[phases.steps]]\nid = "c"\nkind = "check"\n'
            f"instructions = \"psql 'host=db dbname=app password={PW}'\"\n",
            11,
            "phases[0].steps[0].instructions",
            "password setting",
        ),
        (
            '[[phases.steps]]\nid = "v"\nkind = "verify"\nenv = "staging"\n'
            f"queries = [{{ sql = \"SELECT dblink_connect('password={PW}')\", expect = 1 }}]\n",
            12,
            "phases[0].steps[0].queries[0].sql",
            "password setting",
        ),
        (
            f'[[checklist]]\nid = "i"\ntext = "backup via postgresql://u:{PW}@db/app?x=1"\n',
            10,
            "checklist[0].text",
            "URI with a password",
        ),
        (
            "[rollback]\n"
            f"sql = \"ALTER USER MAPPING FOR app SERVER s OPTIONS (SET password '{PW}')\"\n",
            9,
            "rollback.sql",
            "SQL password",
        ),
        (
            f'[[phases.steps]]\nid = "u"\nkind = "check"\ntitle = "use postgresql://x@h/db?password={PW}"\n',
            11,
            "phases[0].steps[0].title",
            "password setting",
        ),
    ],
    ids=["dsn-side", "pgpassword", "alter-role", "conninfo", "dblink", "uri-query", "mapping", "q"],
)
def test_a_credential_anywhere_is_refused_at_its_line(tmp_path, step, line, key, kind):
    found = refusal(tmp_path, HEAD + step)
    assert len(found) == 1, found
    got_line, message = found[0]
    assert got_line == line, found
    assert f"`{key}`" in message and kind in message
    assert "never hold a password" in message


def test_every_credential_is_reported_and_nothing_else_is_read(tmp_path):
    text = HEAD + (
        f'[[phases.steps]]\nid = "a"\nkind = "shell"\ncommand = "PGPASSWORD={PW} psql"\n'
        f'[[phases.steps]]\nid = "b"\nkind = "schema-diff"\nleft = "postgres://u:{PW}@h/d"\n'
        'right = "x.sql"\n'
    )
    assert [line for line, _ in refusal(tmp_path, text)] == [11, 15]


def test_a_variable_or_placeholder_where_the_password_goes_is_fine(tmp_path):
    text = HEAD + (
        '[[phases.steps]]\nid = "sh"\nkind = "shell"\n'
        'command = "PGPASSWORD=$PROD_PW pg_dump -h db app"\n'
        '[[phases.steps]]\nid = "c"\nkind = "check"\n'
        "instructions = \"psql 'postgresql://app:<password>@db/app'; "
        'ALTER ROLE app PASSWORD NULL"\n'
    )
    rb = load_runbook(write(tmp_path / "rb.toml", text))
    assert [s.id for s in rb.phases[0].steps] == ["sh", "c"]


def test_a_markdown_guide_with_a_password_is_refused_at_its_line(tmp_path):
    guide = (
        "# Guide\n\n## Preparation\n\n- [ ] Backup taken\n"
        f"- Connect: `psql postgresql://dba:{PW}@db/app`\n"
    )
    found = refusal(tmp_path, guide, "guide.md")
    assert found[0][0] == 6 and "URI with a password" in found[0][1]


def test_the_samples_load(tmp_path):
    for path in SAMPLES.iterdir():
        load_runbook(path)


def test_the_frozen_copy_is_masked_as_a_second_line_of_defence(tmp_path):
    """Whatever reaches open_run (a runbook loaded before a check existed, a new kind of
    value) is masked in the frozen copy and the git history, like the journal."""
    rb = load_runbook(SAMPLES / "users_preferences.toml")
    leaky = rb.source + f"\n# staging was postgresql://app:{PW}@db/app; PGPASSWORD={PW}\n"
    rb = dataclasses.replace(rb, source=leaky)
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = open_run(repo, rb, who=ALICE).run_id
    frozen = (repo.run_dir(run_id) / rb.frozen_name).read_text()
    assert "postgresql://app:***@db/app" in frozen and "PGPASSWORD=***" in frozen
    assert_masked(frozen)
    assert_masked(git(repo.path, "log", "-p", "--all"))


def test_markdown_guide_copy_is_masked_too(tmp_path):
    rb = load_runbook(SAMPLES / "online_migration_checklist.md")
    rb = dataclasses.replace(rb, source=rb.source + f"\nhost=db password={PW}\n")
    repo = AuditRepo.open(tmp_path / "audit")
    run_id = open_run(repo, rb, who=ALICE).run_id
    assert_masked((repo.run_dir(run_id) / rb.frozen_name).read_text())
    assert_masked(git(repo.path, "log", "-p", "--all"))
