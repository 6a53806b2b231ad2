"""File names of a schema diff's sides in a run (``schema/<side>.sql``), shared by the step
that writes them and the offline review that reads them (which must not import pg_dump)."""

from __future__ import annotations

import re


def safe_file_name(name: str) -> str:
    """An environment name as a file name (``prod/eu 1`` → ``prod_eu_1``)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "env"
    return cleaned
