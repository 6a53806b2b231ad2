"""The drift step against a real server: two databases stand for staging and production.

Both live on one server, so server-level settings, roles and memberships (which are
cluster-wide) are equal between them; what differs between the two databases is
per-database settings, grants and default privileges. Roles and memberships are tested by
reading one server before and after a change.
"""

from __future__ import annotations

import json
import textwrap
import uuid

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from phasetui.cli import main
from phasetui.db.environments import Environment
from phasetui.errors import UserError
from phasetui.ops.drift import drift_between, read_side, run_step
from phasetui.ops.drift_result import compare
from phasetui.ops.drift_settings import EXCLUDED_SETTINGS
from phasetui.ops.outcome import StepContext
from phasetui.runbook.loader import load_runbook
from phasetui.runbook.model import Step
from tests.helpers import write

TABLE = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);"


def _q(name: str) -> str:
    """How the server quotes a name (format('%I')), for expected keys."""
    return (
        name
        if name.isidentifier() and name.islower() and name.isascii()
        else ('"' + name.replace('"', '""') + '"')
    )


def _exec(dsn: str, *statements: sql.Composable | str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _dbname(dsn: str) -> str:
    return conninfo_to_dict(dsn)["dbname"]


def _current_user(dsn: str) -> str:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT pg_catalog.format('%I', current_user)").fetchone()[0]


@pytest.fixture
def pair(make_db, monkeypatch):
    """(staging dsn, production dsn), identical: the same table in each."""
    staging, production = make_db("staging"), make_db("production")
    for dsn in (staging, production):
        _exec(dsn, TABLE)
    monkeypatch.setenv("DRIFT_STAGING_DSN", staging)
    monkeypatch.setenv("DRIFT_PRODUCTION_DSN", production)
    return staging, production


@pytest.fixture
def roles(pair, pg_admin_dsn):
    """Factory: a role with a unique name (``base`` plus a suffix), dropped after the test
    together with whatever was granted to it in either database."""
    made: list[str] = []

    def factory(base: str = "drift_role") -> str:
        name = f"{base} {uuid.uuid4().hex[:8]}"
        _exec(pg_admin_dsn, sql.SQL("CREATE ROLE {}").format(sql.Identifier(name)))
        made.append(name)
        return name

    yield factory
    for name in reversed(made):
        for dsn in pair:
            _exec(dsn, sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        _exec(pg_admin_dsn, sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


ENVS = {
    "staging": Environment(name="staging", dsn_env="DRIFT_STAGING_DSN"),
    "production": Environment(name="production", dsn_env="DRIFT_PRODUCTION_DSN"),
}


def _ctx(**params) -> StepContext:
    params.setdefault("envs", ["staging", "production"])
    step = Step("drift-check", "drift", "Drift", "signoff", params=params)
    return StepContext(step=step, runbook=None, environments=dict(ENVS))


def _diffs(result, group: str) -> set[tuple]:
    return {(d.status, d.key) for d in result.group(group).differences}


def _make_drift(pair, roles) -> str:
    """Staging: work_mem for the database, SELECT on accounts to a role; production: a
    default privilege for that role. Returns the role's name."""
    staging, production = pair
    reader = roles("drift reader")
    who = sql.Identifier(reader)
    _exec(
        staging,
        sql.SQL("ALTER DATABASE {} SET work_mem = '64MB'").format(sql.Identifier(_dbname(staging))),
        sql.SQL("GRANT SELECT ON accounts TO {}").format(who),
    )
    _exec(
        production,
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}").format(
            who
        ),
    )
    return reader


def test_identical_databases_show_no_drift_and_say_what_was_compared(pair):
    out = run_step(_ctx())
    assert out.kind == "drift" and out.ok, out.summary
    assert out.summary.startswith("no drift between staging and production")
    assert set(out.files) == {"drift/drift-check.md", "drift/drift-check.json"}
    md = out.files["drift/drift-check.md"]
    assert "**no drift**" in md and "No differences" in md
    figures = out.figures
    assert figures["envs"] == ["staging", "production"] and figures["differences"] == 0
    assert set(figures["by_group"]) == {
        "settings",
        "roles",
        "memberships",
        "grants",
        "default privileges",
    }
    compared = figures["compared"]
    # counts compared are evidence too: hundreds of settings, the table's grants, ...
    assert compared["settings"]["staging"] > 200
    assert compared["settings"]["staging"] == compared["settings"]["production"]
    assert compared["grants"]["staging"] >= 3  # database, schema public, table accounts
    data = json.loads(out.files["drift/drift-check.json"])
    assert data["ok"] is True and data["figures"] == json.loads(json.dumps(figures))


def test_each_difference_is_found_and_nothing_else(pair, roles):
    reader = _make_drift(pair, roles)
    admin = _current_user(pair[0])
    out = run_step(_ctx())
    assert not out.ok
    assert out.summary.startswith("4 differences between staging and production")
    result = drift_between(
        ("staging", pair[0]), ("production", pair[1]), "both"
    )  # the same read, to look at its parts
    assert _diffs(result, "settings") == {
        ("different", ("effective", "work_mem")),
        ("only-left", ("database", "work_mem")),
    }
    [eff] = [d for d in result.group("settings").differences if d.key[0] == "effective"]
    assert (eff.left.text, eff.left.note, eff.right.text) == ("65536 kB", "database", "4096 kB")
    assert _diffs(result, "grants") == {("only-left", ("table", "public.accounts", _q(reader)))}
    [grant] = result.group("grants").differences
    assert grant.left.text == "SELECT"
    assert _diffs(result, "default privileges") == {
        ("only-right", (admin, "public", "tables", _q(reader)))
    }
    assert _diffs(result, "roles") == set() and _diffs(result, "memberships") == set()
    assert out.figures["by_group"] == {
        "settings": 2,
        "roles": 0,
        "memberships": 0,
        "grants": 1,
        "default privileges": 1,
    }
    md = out.files["drift/drift-check.md"]
    assert "### Only in staging (1)" in md and "### Only in production (1)" in md
    assert f"| table | public.accounts | {_q(reader)} | SELECT |" in md
    assert "| effective | work_mem | 65536 kB (database) | 4096 kB |" in md
    data = json.loads(out.files["drift/drift-check.json"])
    rows = data["groups"]["grants"]["differences"]
    assert rows == [
        {
            "object type": "table",
            "object": "public.accounts",
            "grantee": _q(reader),
            "status": "only-left",
            "left": "SELECT",
            "right": None,
        }
    ]


def test_check_settings_compares_settings_only(pair, roles):
    _make_drift(pair, roles)
    out = run_step(_ctx(check="settings"))
    assert not out.ok and set(out.figures["by_group"]) == {"settings"}
    assert out.figures["differences"] == 2
    assert "## Grants" not in out.files["drift/drift-check.md"]
    # the listed settings only: work_mem differs, maintenance_work_mem does not
    only = run_step(_ctx(check="settings", settings=["maintenance_work_mem"]))
    assert only.ok and only.figures["compared"]["settings"] == {"staging": 1, "production": 1}
    assert "settings compared: only maintenance_work_mem" in only.files["drift/drift-check.md"]
    work = run_step(_ctx(check="settings", settings=["WORK_MEM"]))
    assert work.figures["compared"]["settings"] == {"staging": 2, "production": 1}


def test_check_permission_compares_privileges_only(pair, roles):
    _make_drift(pair, roles)
    for spelling in ("permission", "privileges"):
        out = run_step(_ctx(check=spelling))
        assert set(out.figures["by_group"]) == {
            "roles",
            "memberships",
            "grants",
            "default privileges",
        }
        assert out.figures["differences"] == 2 and out.figures["check"] == "permission"


def test_a_setting_neither_side_has_is_an_error_not_no_drift(pair):
    with pytest.raises(UserError, match="no setting named work_mme"):
        run_step(_ctx(check="settings", settings=["work_mme"]))
    with pytest.raises(UserError, match="port is never compared"):
        run_step(_ctx(check="settings", settings=["port"]))


def test_excluded_settings_are_never_compared(pair):
    staging, _ = pair
    # application_name differs per database here, as it would between two servers' clients
    _exec(
        staging,
        sql.SQL("ALTER DATABASE {} SET application_name = 'other'").format(
            sql.Identifier(_dbname(staging))
        ),
    )
    out = run_step(_ctx(check="settings"))
    assert out.ok, out.files["drift/drift-check.md"]
    side = read_side("staging", staging, "settings")
    names = {key[1].lower() for key in side.groups["settings"]}
    assert not names & set(EXCLUDED_SETTINGS)
    assert "data_directory" in out.files["drift/drift-check.md"]  # listed as not compared


def test_roles_memberships_and_role_settings_before_and_after(pair, roles):
    """Cluster-wide things cannot differ between two databases of one server: read the
    server, change it, read again."""
    staging, _ = pair
    group, member = roles("drift group"), roles("drift member")
    before = read_side("before", staging, "both")
    _exec(
        staging,
        sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(member)),
        sql.SQL("ALTER ROLE {} LOGIN CONNECTION LIMIT 3").format(sql.Identifier(member)),
        sql.SQL("ALTER ROLE {} SET work_mem = '8MB'").format(sql.Identifier(member)),
    )
    after = read_side("after", staging, "both")
    result = compare(before, after, "both")
    assert _diffs(result, "memberships") == {("only-right", (_q(group), _q(member)))}
    [membership] = result.group("memberships").differences
    assert membership.right.text == "INHERIT, SET"
    assert membership.right.note.startswith("granted by ")
    assert _diffs(result, "roles") == {("different", (_q(member),))}
    [role] = result.group("roles").differences
    assert (role.left.text, role.right.text) == ("(defaults: NOLOGIN)", "LOGIN CONNECTION LIMIT 3")
    assert _diffs(result, "settings") == {("only-right", (f"role {_q(member)}", "work_mem"))}
    assert _diffs(result, "grants") == set() and _diffs(result, "default privileges") == set()


HOSTILE_ROLE = "o'b\"rien | ü"
HOSTILE_TABLE = 'we"ird tab|le\nü'


def test_hostile_names_render_correctly(pair, roles):
    staging, production = pair
    who = roles(HOSTILE_ROLE)
    table = sql.Identifier("public", HOSTILE_TABLE)
    for dsn in pair:
        _exec(dsn, sql.SQL("CREATE TABLE {} (id int)").format(table))
    _exec(staging, sql.SQL("GRANT INSERT ON {} TO {}").format(table, sql.Identifier(who)))
    out = run_step(_ctx(check="permission"))
    assert out.figures["differences"] == 1
    data = json.loads(out.files["drift/drift-check.json"])
    [row] = data["groups"]["grants"]["differences"]
    quoted_table = 'public."we""ird tab|le\nü"'
    quoted_role = '"' + who.replace('"', '""') + '"'
    assert (row["object"], row["grantee"], row["left"]) == (quoted_table, quoted_role, "INSERT")
    md = out.files["drift/drift-check.md"]
    expected = (
        '| table | public."we""ird tab\\|le\\nü" | '
        + quoted_role.replace("|", "\\|")
        + " | INSERT |"
    )
    assert expected in md
    # every table row still has its columns: no raw | or line break from a name
    for line in md.splitlines():
        if line.startswith('| table | public."we'):
            assert line.replace("\\|", "").count("|") == 5


def test_step_from_a_runbook_and_the_env_names_it_knows(tmp_path, pair):
    path = write(
        tmp_path / "rb.toml",
        textwrap.dedent(
            """\
            [runbook]
            id = "drift-rb"
            title = "Drift"

            [environments.staging]
            dsn_env = "DRIFT_STAGING_DSN"

            [environments.production]
            dsn_env = "DRIFT_PRODUCTION_DSN"
            production = true

            [[phases]]
            id = "signoff"

            [[phases.steps]]
            id = "drift"
            kind = "drift"
            envs = ["staging", "production"]
            check = "permission"
            """
        ),
    )
    rb = load_runbook(path)
    step = rb.phases[0].steps[0]
    lines: list[str] = []
    ctx = StepContext(step=step, runbook=rb, environments=rb.environments, progress=lines.append)
    out = run_step(ctx)
    assert out.ok and out.figures["check"] == "permission"
    assert "staging: reading grants" in lines and "production: reading roles" in lines
    bad = StepContext(step=step, runbook=rb, environments={"staging": rb.environments["staging"]})
    with pytest.raises(UserError, match="no environment 'production'"):
        run_step(bad)


def test_stop_request_stops_between_reads(pair):
    import threading

    stop = threading.Event()
    stop.set()
    ctx = _ctx()
    ctx.stop = stop
    with pytest.raises(UserError, match="stopped"):
        run_step(ctx)


@pytest.fixture
def cli_env(tmp_path, pair, monkeypatch):
    config = write(
        tmp_path / "phasetui.toml",
        textwrap.dedent(
            """\
            [environments.staging]
            dsn_env = "DRIFT_STAGING_DSN"

            [environments.production]
            dsn_env = "DRIFT_PRODUCTION_DSN"
            """
        ),
    )
    monkeypatch.setenv("PHASETUI_CONFIG", str(config))
    return pair


def _cli(*args: str):
    return CliRunner().invoke(main, ["drift", *args])


def test_cli_exit_codes(cli_env, roles):
    same = _cli("--env", "staging", "--env", "production")
    assert same.exit_code == 0, same.output
    assert "**no drift**" in same.output
    _make_drift(cli_env, roles)
    found = _cli("--env", "staging", "--env", "production", "--format", "json")
    assert found.exit_code == 1, found.output
    data = json.loads(found.output)
    assert data["figures"]["differences"] == 4 and data["left"] == "staging"
    settings = _cli("--env", "staging", "--env", "production", "--check", "settings")
    assert settings.exit_code == 1 and "work_mem" in settings.output
    assert "## Grants" not in settings.output
    one = _cli("--env", "staging")
    assert one.exit_code == 2 and "two environments" in one.output
    unknown = _cli("--env", "staging", "--env", "nowhere_such_service")
    assert unknown.exit_code == 2, unknown.output
    typo = _cli("--env", "staging", "--env", "production", "--setting", "work_mme")
    assert typo.exit_code == 2 and "work_mme" in typo.output


def test_cli_never_shows_a_password(cli_env, monkeypatch):
    staging, _ = cli_env
    with_password = staging + " password=hunter2secret"
    monkeypatch.setenv("DRIFT_STAGING_DSN", with_password)
    result = _cli("--env", "staging", "--env", "production", "--format", "json")
    assert result.exit_code in (0, 1, 2)
    assert "hunter2secret" not in result.output


def test_docs_list_every_excluded_setting_and_why():
    from tests.helpers import ROOT

    doc = (ROOT / "docs" / "drift.md").read_text(encoding="utf-8")
    for name, why in EXCLUDED_SETTINGS.items():
        assert f"| `{name}` | {why} |" in doc, name
