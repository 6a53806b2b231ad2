"""An --env name that is nowhere: the message names every place it could be defined."""

from __future__ import annotations

from click.testing import CliRunner

from phasetui.cli import main


def test_a_missing_service_names_every_way_to_define_the_env(monkeypatch, tmp_path):
    empty = tmp_path / "phasetui.toml"
    empty.write_text("")
    monkeypatch.setenv("PHASETUI_CONFIG", str(empty))
    r = CliRunner().invoke(main, ["backfill", "status", "--env", "nowhere"])
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert "service=nowhere" in r.output
    assert "pg_service.conf" in r.output and "[environments.NAME] in phasetui.toml" in r.output
