"""migration-status: each framework's table read from a real database, the diff of two
environments, the missing-table message, runbook validation and ``phasetui status``."""

from __future__ import annotations

import textwrap

import psycopg
import pytest
from click.testing import CliRunner

from phasetui.cli import main
from phasetui.errors import UserError
from phasetui.ops.outcome import StepContext
from phasetui.ops.status import StatusSource, capture, diff_captures, run_step
from phasetui.runbook.errors import RunbookError
from phasetui.runbook.loader import load_runbook
from tests.helpers import write

LARAVEL = "CREATE TABLE migrations (id serial PRIMARY KEY, migration text NOT NULL, batch int);"
COMMON = [(f"2024_01_0{n}_000000_m{n}", 1) for n in range(1, 6)]


def laravel_db(make_db, rows):
    dsn = make_db()
    with psycopg.connect(dsn) as conn:
        conn.execute(LARAVEL)
        for migration, batch in rows:
            conn.execute(
                "INSERT INTO migrations (migration, batch) VALUES (%s, %s)", (migration, batch)
            )
    return dsn


@pytest.fixture
def two_envs(make_db, monkeypatch):
    """staging has one extra migration and one in another batch than production."""
    staging = laravel_db(
        make_db,
        [*COMMON, ("2024_02_01_000000_add_preferences", 2), ("2024_01_09_000000_batchy", 3)],
    )
    production = laravel_db(make_db, [*COMMON, ("2024_01_09_000000_batchy", 2)])
    monkeypatch.setenv("KINDS_STAGING_DSN", staging)
    monkeypatch.setenv("KINDS_PRODUCTION_DSN", production)
    return staging, production


RUNBOOK = """\
[runbook]
id = "t"
title = "Test"

[environments.staging]
dsn_env = "KINDS_STAGING_DSN"

[environments.production]
dsn_env = "KINDS_PRODUCTION_DSN"

[[phases]]
id = "prepare"

[[phases.steps]]
id = "status"
kind = "migration-status"
envs = ["staging", "production"]
"""


def context(tmp_path, extra: str = "", step: str = "status") -> StepContext:
    rb = load_runbook(write(tmp_path / "rb.toml", RUNBOOK + textwrap.dedent(extra)))
    return StepContext(step=rb.step(step), runbook=rb, environments=dict(rb.environments))


def test_diff_lists_exactly_the_extra_and_the_batch_difference(tmp_path, two_envs):
    out = run_step(context(tmp_path))
    assert out.ok and out.kind == "migration-status"
    assert out.summary == "6 in both, 1 only in staging, 1 in different batches"
    assert set(out.files) == {"status/staging.txt", "status/production.txt", "status/diff.txt"}
    staging_txt = out.files["status/staging.txt"]
    assert staging_txt.splitlines()[0].startswith("# staging: 7 migrations (laravel")
    assert "2024_02_01_000000_add_preferences  batch 2" in staging_txt
    diff = out.files["status/diff.txt"]
    assert "only in staging (not in production): 1\n  2024_02_01_000000_add_preferences" in diff
    assert "2024_01_09_000000_batchy  (staging: batch 3, production: batch 2)" in diff
    assert out.figures["only_in"] == [
        {"envs": ["staging"], "count": 1, "migrations": ["2024_02_01_000000_add_preferences"]}
    ]
    assert out.figures["different_group"] == [
        {"migration": "2024_01_09_000000_batchy", "staging": "3", "production": "2"}
    ]
    assert out.figures["counts"] == {"staging": 7, "production": 6}
    # the common migrations are in neither list
    assert "m1" not in diff


def test_identical_environments_say_so(tmp_path, make_db, monkeypatch):
    monkeypatch.setenv("KINDS_STAGING_DSN", laravel_db(make_db, COMMON))
    monkeypatch.setenv("KINDS_PRODUCTION_DSN", laravel_db(make_db, COMMON))
    out = run_step(context(tmp_path))
    assert out.ok and out.summary == "5 in both, no differences"


def test_only_in_production_is_listed_under_production(tmp_path, make_db, monkeypatch):
    monkeypatch.setenv("KINDS_STAGING_DSN", laravel_db(make_db, COMMON[:3]))
    monkeypatch.setenv("KINDS_PRODUCTION_DSN", laravel_db(make_db, COMMON))
    out = run_step(context(tmp_path))
    assert out.summary == "3 in both, 2 only in production"
    assert "only in production (not in staging): 2" in out.files["status/diff.txt"]


FRAMEWORK_TABLES = {
    "django": (
        "CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255), "
        "name varchar(255), applied timestamptz NOT NULL);"
        "INSERT INTO django_migrations (app, name, applied) VALUES "
        "('auth', '0001_initial', '2024-01-01'), ('users', '0002_prefs', '2024-02-01');",
        ["auth.0001_initial", "users.0002_prefs"],
    ),
    "rails": (
        "CREATE TABLE schema_migrations (version varchar PRIMARY KEY);"
        "INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240201000000');",
        ["20240101000000", "20240201000000"],
    ),
    "alembic": (
        "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
        "INSERT INTO alembic_version VALUES ('ae1027a6acf');",
        ["ae1027a6acf"],
    ),
    "flyway": (
        "CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version text, "
        "description text, success boolean NOT NULL);"
        "INSERT INTO flyway_schema_history VALUES (1, '1', 'init', true), "
        "(2, '2', 'add prefs', false), (3, NULL, 'views', true);",
        ["1", "2", "R views"],
    ),
}


@pytest.mark.parametrize("framework", sorted(FRAMEWORK_TABLES))
def test_each_framework_table_is_read(make_db, framework):
    ddl, ids = FRAMEWORK_TABLES[framework]
    dsn = make_db()
    with psycopg.connect(dsn) as conn:
        conn.execute(ddl)
    got = capture("staging", dsn, StatusSource(framework))
    assert [m.id for m in got.migrations] == ids
    if framework == "flyway":
        assert [m.group for m in got.migrations] == ["success", "FAILED", "success"]
        assert "2        state FAILED  add prefs" in got.to_text()
    if framework == "django":
        assert got.migrations[0].group is None and "applied 2024-01-01" in got.to_text()


def test_flyway_success_differs_is_a_state_difference(make_db):
    ddl, _ = FRAMEWORK_TABLES["flyway"]
    a, b = make_db(), make_db()
    for dsn in (a, b):
        with psycopg.connect(dsn) as conn:
            conn.execute(ddl)
    with psycopg.connect(b) as conn:
        conn.execute("UPDATE flyway_schema_history SET success = true")
    diff = diff_captures(
        [capture("a", a, StatusSource("flyway")), capture("b", b, StatusSource("flyway"))]
    )
    assert diff.summary() == "3 in both, 1 in different states"
    assert "2  (a: state FAILED, b: state success)" in diff.to_text()


def test_custom_query_and_table_override(tmp_path, make_db, monkeypatch):
    dsn = make_db()
    with psycopg.connect(dsn) as conn:
        conn.execute(
            'CREATE SCHEMA app; CREATE TABLE app."Applied" (name text, grp int);'
            "INSERT INTO app.\"Applied\" VALUES ('one', 1), ('two', 2);"
        )
    got = capture("s", dsn, StatusSource(query='SELECT name, grp FROM app."Applied" ORDER BY 1'))
    assert [(m.id, m.group) for m in got.migrations] == [("one", "1"), ("two", "2")]
    one_col = capture("s", dsn, StatusSource(query='SELECT name FROM app."Applied"'))
    assert {m.group for m in one_col.migrations} == {None}
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE app.laravel_m (migration text, batch int);")
        conn.execute("INSERT INTO app.laravel_m VALUES ('x', 4)")
    named = capture("s", dsn, StatusSource("laravel", table="app.laravel_m"))
    assert [(m.id, m.group) for m in named.migrations] == [("x", "4")]


def test_a_missing_table_names_env_table_and_fields(tmp_path, make_db, monkeypatch):
    monkeypatch.setenv("KINDS_STAGING_DSN", laravel_db(make_db, COMMON))
    monkeypatch.setenv("KINDS_PRODUCTION_DSN", make_db())  # no migrations table at all
    with pytest.raises(UserError) as info:
        run_step(context(tmp_path))
    message, hint = info.value.message, info.value.hint
    assert message.startswith("production: no table 'migrations'") and "laravel" in message
    assert "`framework`" in hint and "`query`" in hint and "rb.toml:14" in hint


def test_a_missing_table_in_a_custom_query(make_db):
    with pytest.raises(UserError) as info:
        capture("staging", make_db(), StatusSource(query="SELECT v FROM nowhere"))
    assert "staging" in info.value.message and "`query`" in info.value.message


def test_a_custom_query_cannot_smuggle_a_write(make_db):
    dsn = laravel_db(make_db, COMMON)
    with pytest.raises(UserError) as info:
        capture("s", dsn, StatusSource(query="SELECT 1; DELETE FROM migrations"))
    assert "2 statements" in info.value.message
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM migrations").fetchone()[0] == 5


@pytest.mark.parametrize(
    ("extra", "line", "text"),
    [
        ('framework = "symfony"\n', 18, '`framework` must be one of "laravel", "django"'),
        ('query = "select 1"\nframework = "rails"\n', 19, "both `query` and `framework`"),
        ('table = "m"\nquery = "select 1"\n', 18, "both `query` and `table`"),
    ],
)
def test_check_refuses_bad_fields_at_their_line(tmp_path, extra, line, text):
    path = write(tmp_path / "rb.toml", RUNBOOK + extra)
    with pytest.raises(RunbookError) as info:
        load_runbook(path)
    [problem] = info.value.problems
    assert problem.line == line and text in problem.message, problem


def test_check_cli_refuses_a_bad_framework_at_file_line(tmp_path):
    path = write(tmp_path / "rb.toml", RUNBOOK + 'framework = "symfony"\n')
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert f"{path}:18:" in result.output and "framework" in result.output


def test_cli_status_prints_the_diff_and_writes_files(tmp_path, two_envs, monkeypatch):
    config = write(
        tmp_path / "phasetui.toml",
        '[environments.staging]\ndsn_env = "KINDS_STAGING_DSN"\n'
        '[environments.production]\ndsn_env = "KINDS_PRODUCTION_DSN"\n',
    )
    monkeypatch.setenv("PHASETUI_CONFIG", str(config))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["status", "--env", "staging", "--env", "production", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "6 in both, 1 only in staging, 1 in different batches" in result.output
    assert "2024_02_01_000000_add_preferences" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["diff.txt", "production.txt", "staging.txt"]
    result = CliRunner().invoke(
        main, ["status", "--env", "staging", "--env", "production", "--framework", "django"]
    )
    assert result.exit_code == 1
    assert "staging: no table 'django_migrations'" in result.output
    result = CliRunner().invoke(
        main, ["status", "--env", "staging", "--query", "select 1", "--table", "x"]
    )
    assert result.exit_code == 1 and "--query" in result.output
