"""`motcua org import`: a province's units and principals from CSV or YAML, all or nothing,
on SQLite and PostgreSQL."""
from __future__ import annotations

import stat
import uuid
from pathlib import Path

import pytest

from api.cli import main
from engine.services.org.auth import authenticate
from engine.settings import Settings
from engine.store import org
from engine.wiring import build_context
from tests.api.helpers import official


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    return "P" + uuid.uuid4().hex[:8]


def units_of(db_url: str, province: str) -> dict[str, tuple[str | None, str | None]]:
    ctx = build_context(Settings(database_url=db_url))
    with ctx.uow(readonly=True) as uow:
        _, rows = org.units(uow.session, province, limit=500, offset=0)
        found = {u.code: (u.name, u.parent) for u in rows}
    ctx.db_engine.dispose()
    return found


def test_units_and_principals_load_in_one_go(db_url: str, env: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    top, child, commune = official(), official(), official()
    # The child comes before its parent: parents are placed once every unit exists.
    (tmp_path / "units.csv").write_text(
        f"code,name,kind,parent\n{child},Sở Tư pháp,department,{top}\n"
        f"{top},UBND tỉnh,provincial_committee,\n", encoding="utf-8")
    (tmp_path / "org.yaml").write_text(f"""
units:
  - {{code: {commune}, name: UBND xã Tân Hội, kind: commune_committee, parent: {top}}}
principals:
  - {{name: Nguyễn Thị Lan, role: officer, unit: {commune}, position: reception}}
  - {{name: Cổng dịch vụ công, role: client, unit: {commune}}}
""", encoding="utf-8")
    tokens = tmp_path / "tokens.tsv"
    assert main(["org", "import", str(tmp_path / "units.csv"), str(tmp_path / "org.yaml"),
                 "--province", env, "--tokens", str(tokens)]) == 0
    assert "3 units registered, 0 updated, 2 principals created" in capsys.readouterr().err
    assert units_of(db_url, env) == {top: ("UBND tỉnh", None), child: ("Sở Tư pháp", top),
                                     commune: ("UBND xã Tân Hội", top)}
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    lines = tokens.read_text(encoding="utf-8").splitlines()[1:]
    ctx = build_context(Settings(database_url=db_url))
    callers = [authenticate(ctx, line.split("\t")[2]) for line in lines]
    ctx.db_engine.dispose()
    assert [(c.name, c.role, c.unit, c.position) for c in callers] == [
        ("Nguyễn Thị Lan", "officer", commune, "reception"),
        ("Cổng dịch vụ công", "client", commune, None)]
    # Loading the official list again updates the units.
    (tmp_path / "again.csv").write_text(f"code,name,kind\n{top},UBND tỉnh (mới),"
                                        "provincial_committee\n", encoding="utf-8")
    assert main(["org", "import", str(tmp_path / "again.csv"), "--province", env]) == 0
    assert "0 units registered, 1 updated" in capsys.readouterr().err
    assert units_of(db_url, env)[top] == ("UBND tỉnh (mới)", None)


def test_a_bad_row_names_its_line_and_nothing_is_loaded(db_url: str, env: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    good, loop_a, loop_b = official(), official(), official()
    (tmp_path / "units.csv").write_text(
        "code,name,kind,parent\n"
        f"{good},Sở Y tế,department,\n"
        "Sở Tài chính,Sở Tài chính,department,\n"
        f"{official()},Sở X,ministry_of_magic,\n"
        f"{good},Sở Y tế again,department,\n"
        f"{loop_a},A,department,{loop_b}\n"
        f"{loop_b},B,department,{loop_a}\n", encoding="utf-8")
    (tmp_path / "people.csv").write_text(
        f"name,role,unit,position\nLê Văn C,wizard,,\nLê Thị D,officer,{good},wizard\n",
        encoding="utf-8")
    assert main(["org", "import", str(tmp_path / "units.csv"), str(tmp_path / "people.csv"),
                 "--province", env]) == 2
    err = capsys.readouterr().err
    for where in ("units.csv:3/code", "units.csv:4/kind", "units.csv:5/code",
                  "units.csv:7/parent", "people.csv:2/role", "people.csv:3/position"):
        assert where in err, (where, err)
    assert "nothing was imported" in err
    assert units_of(db_url, env) == {}


def test_another_province_s_unit_is_not_taken(db_url: str, env: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code = official()
    (tmp_path / "u.csv").write_text(f"code,name,kind\n{code},Sở,department\n", encoding="utf-8")
    assert main(["org", "import", str(tmp_path / "u.csv"), "--province", env]) == 0
    assert main(["org", "import", str(tmp_path / "u.csv"), "--province", env + "X"]) == 2
    assert "u.csv:2/code: not a unit of your province" in capsys.readouterr().err
    assert units_of(db_url, env + "X") == {}


def test_an_unreadable_file_is_refused(env: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_text("units: &a [*a]\n", encoding="utf-8")
    assert main(["org", "import", str(tmp_path / "a.yaml"), "--province", env]) == 2
    assert "anchors and aliases" in capsys.readouterr().err
    assert main(["org", "import", str(tmp_path / "missing.csv"), "--province", env]) == 2


def test_one_unit_from_the_command_line(db_url: str, env: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, parent = official(), official()
    assert main(["org", "unit", code, "--province", env, "--name", "Sở Tư pháp",
                 "--kind", "nonsense"]) != 0
    assert "kind" in capsys.readouterr().err and units_of(db_url, env) == {}
    assert main(["org", "unit", parent, "--province", env, "--name", "UBND tỉnh",
                 "--kind", "provincial_committee"]) == 0
    assert main(["org", "unit", code, "--province", env, "--name", "Sở Tư pháp",
                 "--kind", "department", "--parent", parent]) == 0
    assert f"unit {code} registered" in capsys.readouterr().out
    assert main(["org", "unit", code, "--province", env, "--name", "Sở Tư pháp tỉnh",
                 "--kind", "department", "--parent", parent]) == 0
    assert f"unit {code} updated" in capsys.readouterr().out
    assert units_of(db_url, env) == {parent: ("UBND tỉnh", None),
                                     code: ("Sở Tư pháp tỉnh", parent)}
    # A principal's unit must be registered first.
    assert main(["principal", "create", "--name", "x", "--role", "officer", "--province", env,
                 "--unit", official(), "--position", "reception"]) != 0
    assert "not a registered unit" in capsys.readouterr().err
