"""The secrets matrix: a password from every place libpq takes one, through every verb.

The password reaches phasetui by a DSN (URI and key=value), ``$PGPASSWORD``, ``~/.pgpass``
and a service file; it is the role's real password on the test server (which trusts local
connections, so libpq never needs to send it: the point is where phasetui might show or
store it). Every verb and step runs in its own process, successes and failures (a wrong
database, a refused port, bad SQL); afterwards no output, no file phasetui wrote (audit repo,
logs, its home), no commit (message or content) and no TUI screen holds the password or any
4-character piece of it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from tests.helpers import ROOT, git, write
from tests.secrets_support import PW, fragments

SOURCES = ("uri", "keyvalue", "pgpassword", "pgpass", "service")
# In a DSN the password passes through phasetui's own hands: every verb and step runs on
# those. $PGPASSWORD, ~/.pgpass and a service file are read by libpq (and pg_dump) alone:
# one verb of each family runs on those, to show phasetui never copies them anywhere.
EVERY_VERB = {"uri", "keyvalue"}
ITEMS = "CREATE TABLE items (id bigserial PRIMARY KEY, note text, flag int);"


@dataclass
class Case:
    """One way of giving the password, with its own database, home and audit repo."""

    source: str
    folder: Path
    socket: str
    db: str
    role: str
    env: dict[str, str] = field(default_factory=dict)
    dsn: str = ""
    outputs: list[tuple[str, int, str]] = field(default_factory=list)

    def conninfo(self, dbname: str | None = None, host: str | None = None, port: str = "") -> str:
        db = dbname or self.db
        where = f"host={host or self.socket}" + (f" port={port}" if port else "")
        if self.source == "uri":
            netloc = f"{host}:{port}" if host else ""
            query = "" if host else f"?host={self.socket}"
            return f"postgresql://{self.role}:{PW}@{netloc}/{db}{query}"
        if self.source == "keyvalue":
            return f"{where} dbname={db} user={self.role} password={PW}"
        if self.source == "service":
            extra = (f" dbname={dbname}" if dbname else "") + (
                f" host={host} port={port}" if host else ""
            )
            return f"service=mx{extra}"
        return f"{where} dbname={db} user={self.role}"

    def malformed(self) -> str:
        """The password typed wrong: a raw '@' in a URI, an unquoted space in key=value (libpq
        would echo the part after it)."""
        if self.source == "uri":
            return f"postgresql://{self.role}:{PW[:6]}@{PW[6:]}@/{self.db}?host={self.socket}"
        return f"host={self.socket} dbname={self.db} user={self.role} password={PW[:8]} {PW[8:]}"

    def phasetui(self, *args: str, expect: tuple[int, ...] = (0,)) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "phasetui", *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        out = proc.stdout + proc.stderr
        self.outputs.append((" ".join(args[:3]), proc.returncode, out))
        assert "Traceback" not in out, out
        assert proc.returncode in expect, (self.source, args, proc.returncode, out)
        return proc.stdout


def make_case(source: str, admin_dsn: str, dbname: str, role: str) -> Case:
    folder = Path(tempfile.mkdtemp(prefix=f"mx-{source}-"))
    socket = conninfo_to_dict(admin_dsn)["host"]
    case = Case(source, folder, socket, dbname, role)
    home = folder / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "PHASETUI_"))}
    env.update(
        HOME=str(home),
        PHASETUI_HOME=str(home / "phasetui"),
        PHASETUI_CONFIG=str(folder / "phasetui.toml"),
        PYTHONPATH=str(ROOT),
        GIT_AUTHOR_NAME="Mx",
        GIT_AUTHOR_EMAIL="mx@example.org",
        GIT_COMMITTER_NAME="Mx",
        GIT_COMMITTER_EMAIL="mx@example.org",
    )
    if source == "pgpassword":
        env["PGPASSWORD"] = PW
    if source == "pgpass":
        pgpass = write(home / ".pgpass", f"*:*:*:{role}:{PW}\n")
        pgpass.chmod(0o600)
    if source == "service":
        env["PGSERVICEFILE"] = str(
            write(
                folder / "pg_service.conf",
                f"[mx]\nhost={socket}\ndbname={dbname}\nuser={role}\npassword={PW}\n",
            )
        )
    case.dsn = case.conninfo()
    env["MX_DSN"] = case.dsn
    case.env = env
    write(folder / "phasetui.toml", '[environments.mx]\ndsn_env = "MX_DSN"\n')
    write(folder / "add_note.sql", "ALTER TABLE items ADD COLUMN extra text;\n")
    write(folder / "bad.sql", "ALTER TABLE items ADD COLUMN nope int REFERENCES nowhere (id);\n")
    write(folder / "rotate.sql", f"ALTER ROLE {role} WITH LOGIN PASSWORD '{PW}';\n")
    write(folder / "add_flag.sql", "CREATE INDEX CONCURRENTLY items_flag ON items (flag);\n")
    write(
        folder / "rb.toml",
        '[runbook]\nid = "mx"\ntitle = "Matrix"\n'
        '[environments.mx]\ndsn_env = "MX_DSN"\nrehearsal_allowed = true\n'
        '[[phases]]\nid = "expand"\nkind = "expand"\n'
        '[[phases.steps]]\nid = "rotate"\nkind = "sql"\nenv = "mx"\nfile = "rotate.sql"\n'
        '[[phases.steps]]\nid = "flag-index"\nkind = "sql"\nenv = "mx"\nfile = "add_flag.sql"\n'
        '[[phases.steps]]\nid = "broken"\nkind = "sql"\nenv = "mx"\nfile = "bad.sql"\n'
        '[[phases]]\nid = "backfill"\nkind = "backfill"\n'
        '[[phases.steps]]\nid = "fill"\nkind = "backfill"\nenv = "mx"\ntable = "items"\n'
        'set = ["flag = 1"]\nwhere = "flag IS NULL"\n'
        '[[phases]]\nid = "signoff"\nkind = "signoff"\n'
        '[[phases.steps]]\nid = "diff"\nkind = "schema-diff"\nenvs = ["mx", "mx"]\n'
        '[[checklist]]\nid = "backup"\ntext = "Backup taken"\n',
    )
    return case


def run_every_verb(case: Case) -> None:
    audit = str(case.folder / "audit")
    dsn = case.dsn
    every = case.source in EVERY_VERB
    p = case.phasetui
    # the direct verbs, on the DSN (or the environment naming it)
    p("lint", "add_note.sql", "--dsn", dsn)
    p("rehearse", "add_note.sql", "--dsn", dsn, "--format", "json")
    p("apply", "add_note.sql", "--dsn", dsn, "--format", "markdown")
    p("apply", "bad.sql", "--dsn", dsn, expect=(1,))
    p("apply", "rotate.sql", "--dsn", dsn)  # the role's own password, in the SQL
    p("backfill", "run", "--dsn", dsn, "--table", "items", "--set", "note = 'n'", "--name", "mx.n")
    p("backfill", "status", "mx.n", "--env", "mx", "--format", "json")
    p("schema", "dump", "--dsn", dsn, "-o", "dump.sql")
    p("schema", "diff", dsn, "dump.sql")
    if every:
        p("lint", "add_note.sql", "--env", "mx", "--format", "json")
        p("rehearse", "bad.sql", "--dsn", dsn, expect=(1,))
        p("backfill", "status", "--dsn", dsn)
        p("backfill", "pause", "mx.n", "--dsn", dsn)
        p("schema", "diff", "env:mx", dsn, "--format", "json")
    # failures: a wrong database, nothing listening, no such backfill
    p("backfill", "status", "--dsn", case.conninfo(dbname="no_such_db_mx"), expect=(1,))
    if every:
        refused = case.conninfo(host="127.0.0.1", port="1")
        p("rehearse", "add_note.sql", "--dsn", refused, expect=(1,))
        p(
            "schema",
            "dump",
            "--dsn",
            case.conninfo(dbname="no_such_db_mx"),
            "-o",
            "x.sql",
            expect=(1,),
        )
        p("backfill", "status", "no-such-job", "--dsn", dsn, expect=(1, 2))
        p("backfill", "status", "--dsn", case.malformed(), expect=(2,))
        p("lint", "add_note.sql", "--dsn", case.malformed(), expect=(2,))
        p("rehearse", "rotate.sql", "--dsn", case.malformed(), expect=(2,))
    # the steps of a runbook whose environment holds the password, recorded in a run
    steps = [
        ("apply", "rotate", (0,)),
        ("apply", "flag-index", (0,)),
        ("apply", "broken", (1,)),
        ("backfill", "fill", (0,)),
        ("schema-diff", "diff", (0,)),
    ]
    if every:
        steps[:0] = [("lint", "rotate", (0,)), ("rehearse", "rotate", (0,))]
        steps.append(("rehearse", "broken", (1,)))
    for verb, step, codes in steps:
        p(
            "step",
            verb,
            "rb.toml",
            step,
            "--audit-repo",
            audit,
            "--as",
            "Mx <mx@x.org>",
            "--init",
            expect=codes,
        )
    runs = p("runs", "--audit-repo", audit, "--format", "json")
    run_id = runs.split('"run_id": "', 1)[1].split('"', 1)[0]
    p("note", "--audit-repo", audit, "--run", run_id, f"window opened on {dsn}")
    if every:
        p("tick", "--audit-repo", audit, "--run", run_id, "backup", "--note", f"dump of {dsn}")
        p("runs", "--audit-repo", audit)
        case.env["MX_DSN"] = case.conninfo(host="127.0.0.1", port="1")
        p("step", "lint", "--init", "rb.toml", "flag-index", "--audit-repo", audit, expect=(1,))
        case.env["MX_DSN"] = case.malformed()
        p("step", "apply", "--init", "rb.toml", "rotate", "--audit-repo", audit, expect=(2,))
        case.env["MX_DSN"] = dsn


def assert_nothing_leaks(text: str, where: str) -> None:
    leaked = sorted(f for f in fragments(PW) if f in text)
    assert not leaked, f"{leaked} of the password in {where}"


@pytest.fixture
def cases(pg_admin_dsn, make_db):
    """One role (roles are cluster-wide: each case rotates its own password) and one
    database per source of the password."""
    made: list[Case] = []
    roles = [f"mx_{uuid.uuid4().hex[:8]}" for _ in SOURCES]
    try:
        with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
            for role in roles:
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(PW)
                    )
                )
        for source, role in zip(SOURCES, roles, strict=True):
            dsn = make_db("mx")
            with psycopg.connect(dsn) as conn:
                conn.execute(ITEMS)
                conn.execute("INSERT INTO items (note) SELECT NULL FROM generate_series(1, 300)")
            made.append(make_case(source, pg_admin_dsn, conninfo_to_dict(dsn)["dbname"], role))
        yield made
    finally:
        with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
            for case in made:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(case.db)
                    )
                )
            for role in roles:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_no_password_from_any_source_leaks_through_any_verb(cases):
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run_every_verb, cases))
    for case in cases:
        assert len(case.outputs) >= (35 if case.source in EVERY_VERB else 17)
        for what, code, out in case.outputs:
            assert_nothing_leaks(out, f"{case.source}: output of {what} (exit {code})")
        # what the user wrote (the password is theirs to keep there), not what phasetui wrote
        inputs = {case.folder / n for n in ("pg_service.conf", "home/.pgpass", "rotate.sql")}
        written = [p for p in case.folder.rglob("*") if p.is_file() and p not in inputs]
        assert any(p.match("runs/*/journal.jsonl") for p in written)
        assert any(p.match("runs/*/backfill/fill.json") for p in written)
        assert any(p.match("runs/*/apply/rotate.md") for p in written)
        for path in written:
            data = path.read_bytes()
            if "/.git/objects/" in str(path) or "/.git/hooks/" in str(path):
                continue  # compressed objects are read through git below; hooks are git's
            assert_nothing_leaks(data.decode("utf-8", "replace"), f"{case.source}: {path}")
        history = git(case.folder / "audit", "log", "-p", "--all", "--format=%an <%ae>%n%B")
        assert "window opened on" in history
        assert_nothing_leaks(history, f"{case.source}: git history")


async def test_the_tui_on_a_run_whose_environment_holds_the_password(cases, monkeypatch):
    from phasetui.audit.identity import Person
    from phasetui.audit.repo import AuditRepo
    from phasetui.audit.runs import open_run
    from phasetui.runbook.loader import load_runbook
    from phasetui.tui.app import PhaseApp
    from phasetui.tui.sql_step_screen import SqlStepScreen

    case = cases[0]  # the URI with the password in it
    monkeypatch.setenv("MX_DSN", case.dsn)
    rb = load_runbook(case.folder / "rb.toml")
    who = Person("Mx", "mx@example.org")
    repo = AuditRepo.open(case.folder / "tui-audit")
    run_id = open_run(repo, rb, who=who).run_id
    app = PhaseApp(rb, repo, run_id, who, poll=False)
    shots = []

    async def settle(pilot) -> None:
        for _ in range(3):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        shots.append(app.export_screenshot())
        tree = app.query_one("#phases")
        for _ in range(6):  # down the phase tree to the step that rotates the password
            if getattr(tree.cursor_node.data, "id", None) == "rotate":
                break
            await pilot.press("down")
            await pilot.pause()
        await settle(pilot)
        shots.append(app.export_screenshot())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SqlStepScreen)
        assert pilot.app.screen.step.step.id == "rotate"
        await pilot.press("r")
        await settle(pilot)
        assert pilot.app.screen.rehearsal is not None
        shots.append(app.export_screenshot())
    for n, shot in enumerate(shots):
        assert_nothing_leaks(shot, f"screen {n}")
    assert_nothing_leaks(git(repo.path, "log", "-p", "--all"), "the TUI's commits")
