"""Fixtures of the review tests (``pytest_plugins``): the repo built once per module
through the real engine, a fresh ``git clone`` of it per test, and the reviewer's zone set
to Asia/Tokyo with every PHASETUI_*_DSN unset."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from tests.review_support import build, clone, drop_databases, make_databases


@pytest.fixture(scope="module")
def built(pg_admin_dsn, tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    tag = uuid.uuid4().hex[:8]
    names = [f"review_staging_{tag}", f"review_production_{tag}"]
    dsns = make_databases(pg_admin_dsn, names)
    try:
        with pytest.MonkeyPatch.context() as mp:
            out = build(folder, dsns[names[0]], dsns[names[1]], mp)
    finally:
        drop_databases(pg_admin_dsn, names)
    return out


@pytest.fixture
def tokyo(monkeypatch):
    for key in [k for k in os.environ if k.startswith("PHASETUI_") and k.endswith("_DSN")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def cloned(built, tmp_path, tokyo):
    return clone(built.origin, tmp_path / "elsewhere" / "audit-clone")
