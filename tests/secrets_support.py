"""What the secrets tests share: the password they plant and the check that it never shows."""

from __future__ import annotations

PW = "Zq7-secret-Xv9"


def fragments(secret: str, size: int = 4) -> set[str]:
    """Every piece of ``secret`` of ``size`` characters: none may show, not only the whole."""
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}


def assert_masked(text: str, secret: str = PW) -> None:
    leaked = sorted(f for f in fragments(secret) if f in text)
    assert not leaked, f"{leaked} of {secret!r} in {text!r}"
