"""The command line refuses a production shape it cannot run."""
from __future__ import annotations

import pytest

from api.cli import main


def test_serve_workers_needs_redis(monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("MOTCUA_REDIS_URL", raising=False)
    assert main(["serve", "--workers", "2"]) == 2
    assert "MOTCUA_REDIS_URL" in capsys.readouterr().err


def test_settings_lists_every_variable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings"]) == 0
    out = capsys.readouterr().out
    assert "MOTCUA_DATABASE_URL=" in out and "MOTCUA_REDIS_URL=" in out


def test_principal_create_prints_the_token_last(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str],
                                                tmp_path: object) -> None:
    from engine.services.org.auth import authenticate
    from engine.settings import Settings
    from engine.wiring import build_context

    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    monkeypatch.setenv("MOTCUA_DATABASE_URL", url)
    assert main(["migrate"]) == 0
    assert main(["org", "unit", "000.00.01.H26", "--province", "HN", "--name", "Sở Tư pháp",
                 "--kind", "department"]) == 0
    assert main(["principal", "create", "--name", "Cổng DVC", "--role", "client",
                 "--province", "HN", "--unit", "000.00.01.H26"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    ctx = build_context(Settings(database_url=url))
    caller = authenticate(ctx, token)
    assert (caller.role, caller.province, caller.unit) == ("client", "HN", "000.00.01.H26")
    ctx.db_engine.dispose()


def test_principal_create_refuses_what_the_store_cannot_keep(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    monkeypatch.setenv("MOTCUA_DATABASE_URL", url)
    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["principal", "create", "--name", "N" * 201, "--role", "officer",
                 "--province", "P" * 51, "--position", "q" * 101]) != 0
    err = capsys.readouterr().err
    assert "name: at most 200 characters" in err and "province: at most 50" in err, err
    assert "position: at most 100" in err, err


@pytest.mark.parametrize(("argv", "hint"), [
    (["serve"], "--port"),
    (["serve", "--workers", "2"], "--port"),
    (["demo", "--serve"], "make run"),
])
def test_a_busy_port_is_one_line_saying_how_to_choose_another(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: object, argv: list[str], hint: str) -> None:
    """Refused before anything starts (no migration, no demo, no gunicorn retries)."""
    import socket

    database = tmp_path / "cli.sqlite3"  # type: ignore[operator]
    monkeypatch.setenv("MOTCUA_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("MOTCUA_REDIS_URL", "redis://127.0.0.1:1/0")  # never reached
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main([*argv, "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"port {port} is in use on 127.0.0.1: choose another with "), err
    assert hint in err and len(err.strip().splitlines()) == 1, err
    assert not database.exists()


def test_catalogue_lists_the_procedures_with_versions_limits_and_sources(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: object) -> None:
    import json

    url = f"sqlite:///{tmp_path}/catalogue.sqlite3"
    monkeypatch.setenv("MOTCUA_DATABASE_URL", url)
    assert main(["demo", "--no-dossiers"]) == 0
    capsys.readouterr()
    assert main(["catalogue", "--province", "DEMO", "--json"]) == 0
    rows = {r["code"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"hkd-registration", "lltp-citizen", "ks-birth", "dd-first-registration"} <= set(rows)
    lltp = rows["lltp-citizen"]
    assert lltp["versions"] == [{"version": 1, "status": "active"}]
    assert lltp["limits"] == [{"effective_from": "2025-07-01", "channel": "default",
                               "value": 10, "unit": "working_days"}]
    assert any("Lý lịch tư pháp" in s for s in lltp["sources"])
    assert main(["catalogue", "--province", "DEMO"]) == 0
    text = capsys.readouterr().out
    assert "lltp-citizen" in text and "v1 active" in text and "10 working_days" in text
    assert main(["catalogue", "--province", "NOWHERE"]) == 0
    assert "no procedures in NOWHERE" in capsys.readouterr().out
