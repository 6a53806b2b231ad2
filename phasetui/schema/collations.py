"""``CREATE COLLATION`` objects in one comparable form, from pg_dump text or ``pg_collation``.

pg_dump writes ``(provider = libc, locale = 'C')`` when a libc collation's ``LC_COLLATE`` and
``LC_CTYPE`` agree and both names otherwise; the catalog always stores both. Here a libc
collation always has both, an ICU or builtin one its locale (and ICU rules), and the
defaults (provider libc, deterministic) are left out. The collation library's version is
not compared: it belongs to the machine, and pg_dump writes it only for binary upgrades.
"""

from __future__ import annotations

from typing import Any

_PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin", "d": "default"}


def collation_attrs(opts: dict[str, str]) -> dict[str, Any]:
    """From the option list of a dump's ``CREATE COLLATION name (…)`` (keys lower-cased)."""
    provider = opts.get("provider", "libc").strip().lower()
    deterministic = opts.get("deterministic", "true").strip().strip("'").lower()
    attrs: dict[str, Any] = {
        "provider": provider,
        "deterministic": False if deterministic in ("false", "off", "no", "0") else None,
    }
    if provider == "libc":
        locale = opts.get("locale")
        attrs["lc_collate"] = opts.get("lc_collate", locale)
        attrs["lc_ctype"] = opts.get("lc_ctype", locale)
    else:
        attrs["locale"] = opts.get("locale")
        attrs["rules"] = opts.get("rules")
    return attrs


def catalog_collation_attrs(row: dict[str, Any]) -> dict[str, Any]:
    """From a ``pg_collation`` row (see catalog.COLLATIONS)."""
    provider = _PROVIDERS.get(row["collprovider"], row["collprovider"])
    attrs: dict[str, Any] = {
        "provider": provider,
        "deterministic": None if row["collisdeterministic"] else False,
    }
    if provider == "libc":
        attrs["lc_collate"] = row["collcollate"]
        attrs["lc_ctype"] = row["collctype"]
    else:
        attrs["locale"] = row["locale"]
        attrs["rules"] = row["rules"]
    return attrs
