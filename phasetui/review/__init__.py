"""Offline review of past runs: reads an audit repo (a clone is enough), never writes to it.

Nothing here imports Textual, click, ``phasetui.db``, ``phasetui.ops`` or psycopg: a reviewer
with only ``pip install`` and a ``git clone`` of the audit repo uses it (the import-linter
contract in pyproject.toml and tests/test_review_layers.py hold it to that).
"""
