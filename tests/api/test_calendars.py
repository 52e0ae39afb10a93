"""Working calendars over HTTP and the CLI: read, replace, add time limits, import CSV rows."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from api.cli import main as cli
from tests.api.helpers import assert_problem

API = "/api/v1/calendars"
# Friday before Tết 2026 (Tết holidays 16-20 Feb), half an hour before closing.
FRIDAY = "2026-02-13T16:30:00+07:00"


def _province_calendar(world: Any) -> dict[str, Any]:
    """Derived from vn: Saturday 28 Feb 2026 worked, Wednesday 25 Feb 2026 off."""
    return {
        "name": f"Tỉnh {world.province}",
        "overrides": [
            {"date": "2026-02-25", "kind": "day_off", "reason": "Lễ hội tỉnh",
             "effective_from": "2026-01-01"},
            {"date": "2026-02-28", "kind": "working_day", "reason": "Làm bù",
             "effective_from": "2026-01-01"},
        ],
    }


def _cal_id(world: Any) -> str:
    return f"cal-{world.province.lower()}"


def _put(world: Any, cal_id: str, body: Any, who: str = "designer") -> Any:
    return world.client.put(f"{API}/{cal_id}", json=body, headers=world.headers(who))


def _add(world: Any, cal_id: str, who: str = "officer", **query: Any) -> Any:
    return world.client.get(f"{API}/{cal_id}/add?{urlencode(query)}", headers=world.headers(who))


@pytest.fixture
def province_cal(world: Any) -> str:
    cal_id = _cal_id(world)
    r = _put(world, cal_id, _province_calendar(world))
    assert r.status_code == 200, r.get_json()
    return cal_id


def test_get_national_calendar(world: Any) -> None:
    r = world.client.get(f"{API}/vn", headers=world.headers("officer"))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["id"] == "vn"
    assert body["parent"] is None
    assert body["timezone"] == "Asia/Ho_Chi_Minh"
    assert body["use_national_holidays"] is True
    assert body["weekly"]["mon"] == [["07:00", "11:30"], ["13:30", "17:00"]]
    assert {"date": "2026-08-22", "kind": "working_day"}.items() <= body["overrides"][-1].items()


def test_add_on_national_calendar_skips_tet(world: Any) -> None:
    r = _add(world, "vn", start=FRIDAY, working_days=5)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["due_local"] == "2026-02-27T16:30:00+07:00"
    assert body["due"] == "2026-02-27T09:30:00+00:00"
    assert body["start"] == FRIDAY


def test_put_then_get_province_calendar(world: Any, province_cal: str) -> None:
    r = world.client.get(f"{API}/{province_cal}", headers=world.headers("auditor"))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["id"] == province_cal
    assert body["parent"] == "vn"
    assert [(o["date"], o["kind"]) for o in body["overrides"]] == [
        ("2026-02-25", "day_off"), ("2026-02-28", "working_day")]
    resolved = world.client.get(f"{API}/{province_cal}?resolved=true",
                                headers=world.headers("auditor")).get_json()
    assert resolved["parent"] is None
    dates = [o["date"] for o in resolved["overrides"]]
    assert "2026-02-25" in dates and "2026-08-22" in dates  # own rows and vn's


def test_put_again_replaces(world: Any, province_cal: str) -> None:
    body = {**_province_calendar(world), "id": province_cal, "overrides": []}
    assert _put(world, province_cal, body, who="admin").status_code == 200
    got = world.client.get(f"{API}/{province_cal}", headers=world.headers("officer")).get_json()
    assert got["overrides"] == []
    r = _add(world, province_cal, start=FRIDAY, working_days=5)
    assert r.get_json()["due_local"] == "2026-02-27T16:30:00+07:00"


def test_extra_day_off_pushes_due_by_one_working_day(world: Any, province_cal: str) -> None:
    # Wednesday 25 Feb is off, so the fifth working day is the swapped Saturday 28 Feb.
    r = _add(world, province_cal, start=FRIDAY, working_days=5)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due_local"] == "2026-02-28T16:30:00+07:00"


@pytest.mark.parametrize("query, due_local", [
    ({"working_hours": 1}, "2026-02-23T07:30:00+07:00"),
    ({"calendar_days": 3}, "2026-02-23T07:00:00+07:00"),  # Mon 16 Feb is Tết: roll forward
    ({"months": 1}, "2026-03-13T16:30:00+07:00"),
])
def test_add_other_units(world: Any, query: dict[str, Any], due_local: str) -> None:
    r = _add(world, "vn", start=FRIDAY, **query)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due_local"] == due_local


def test_add_rejects_naive_or_malformed_start(world: Any) -> None:
    for start in ("2026-02-13T16:30:00", "13/02/2026", "yesterday",
                  "9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+07:00"):
        body = assert_problem(_add(world, "vn", start=start, working_days=1), 422,
                              "invalid-input")
        assert [e["field"] for e in body["errors"]] == ["start"], body


def test_add_needs_exactly_one_amount(world: Any) -> None:
    body = assert_problem(_add(world, "vn", start=FRIDAY), 422, "invalid-input")
    assert {e["field"] for e in body["errors"]} == {
        "working_days", "working_hours", "calendar_days", "months"}
    body = assert_problem(_add(world, "vn", start=FRIDAY, working_days=1, months=1), 422,
                          "invalid-input")
    assert {e["field"] for e in body["errors"]} == {"working_days", "months"}


@pytest.mark.parametrize(("name", "amount"), [
    ("working_days", "1e300"), ("working_hours", "1e18"), ("calendar_days", "10" * 11),
    ("months", "999999999999"), ("working_days", "99999999"),
])
def test_add_refuses_limits_too_long_naming_the_amount(world: Any, name: str,
                                                       amount: str) -> None:
    body = assert_problem(_add(world, "vn", start=FRIDAY, **{name: amount}), 422,
                          "invalid-input")
    assert [e["field"] for e in body["errors"]] == [name], body
    assert "50 years" in body["errors"][0]["message"], body


def test_unencoded_plus_in_start_is_accepted(world: Any) -> None:
    r = world.client.get(f"{API}/vn/add?start={FRIDAY}&working_days=5",
                         headers=world.headers("officer"))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due_local"] == "2026-02-27T16:30:00+07:00"


def test_invalid_body_names_json_paths(world: Any) -> None:
    bad = {"timezone": "Mars/Olympus", "use_national_holidays": "yes",
           "weekly": {"mon": [["09:00", "08:00"]]},
           "overrides": [{"date": "2026-02-30", "kind": "holiday", "effective_from": "2026-01-01"}]}
    body = assert_problem(_put(world, _cal_id(world), bad), 422, "invalid-input")
    fields = {e["field"] for e in body["errors"]}
    assert {"timezone", "use_national_holidays", "overrides[0].date",
            "overrides[0].kind"} <= fields, fields
    assert any(f.startswith("weekly") for f in fields), fields
    missing = world.client.get(f"{API}/{_cal_id(world)}", headers=world.headers("designer"))
    assert_problem(missing, 404, "not-found")


def test_body_id_must_match_path(world: Any) -> None:
    body = assert_problem(_put(world, _cal_id(world), {"id": "other"}), 422, "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["id"]


def test_parent_must_exist(world: Any) -> None:
    body = assert_problem(_put(world, _cal_id(world), {"parent": "nowhere"}), 422,
                          "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["parent"]


def test_parent_chain_and_cycle(world: Any, province_cal: str) -> None:
    child = _cal_id(world) + "-district"
    assert _put(world, child, {"parent": province_cal}).status_code == 200
    r = _add(world, child, start=FRIDAY, working_days=5)
    assert r.get_json()["due_local"] == "2026-02-28T16:30:00+07:00"  # inherits the rows
    body = assert_problem(_put(world, province_cal, {"parent": child}), 422, "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["parent"]


def test_officer_cannot_put(world: Any) -> None:
    assert_problem(_put(world, _cal_id(world), _province_calendar(world), who="officer"), 403,
                   "forbidden")


def test_no_province_replaces_vn(world: Any) -> None:
    """The national calendar is the platform operator's (the command line), never a
    province's: one province must not move every province's deadlines."""
    for who in ("designer", "admin"):
        body = assert_problem(_put(world, "vn", {"name": "x", "parent": None}, who=who), 403,
                              "forbidden")
        assert "operator" in body["detail"]
    assert world.client.get(f"{API}/vn", headers=world.headers("officer")
                            ).get_json()["name"] != "x"


def test_a_week_without_working_time_is_refused(world: Any) -> None:
    closed = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    body = assert_problem(_put(world, "closed", {"name": "x", "weekly": closed}), 422,
                          "invalid-input")
    assert body["errors"][0]["field"] == "weekly"
    assert_problem(world.client.get(f"{API}/closed", headers=world.headers("officer")), 404,
                   "not-found")


def test_calendar_ids_live_in_their_province(world: Any, province_cal: str) -> None:
    """Another province may use the same id for a calendar of its own; neither sees or
    changes the other's, and nothing tells one that the other has it."""
    from engine.services.org.auth import create_principal

    _, token = create_principal(world.ctx, name="stranger", role="designer",
                                province=world.province + "x")
    other = {"Authorization": f"Bearer {token}"}
    r = world.client.put(f"{API}/{province_cal}", json={"name": "Của tỉnh khác"},
                         headers=other)
    assert r.status_code == 200, r.get_json()
    assert world.client.get(f"{API}/{province_cal}", headers=other).get_json()["name"] \
        == "Của tỉnh khác"
    mine = world.client.get(f"{API}/{province_cal}", headers=world.headers("officer"))
    assert mine.get_json()["name"] == f"Tỉnh {world.province}"


def test_other_province_cannot_read_it(world: Any, province_cal: str) -> None:
    from engine.services.org.auth import create_principal

    _, token = create_principal(world.ctx, name="stranger", role="designer",
                                province=world.province + "x")
    other = {"Authorization": f"Bearer {token}"}
    assert_problem(world.client.get(f"{API}/{province_cal}", headers=other), 404, "not-found")
    assert_problem(world.client.get(f"{API}/{province_cal}/add?start=2026-02-13T16:30:00%2B07:00"
                                    "&working_days=1", headers=other), 404, "not-found")
    mine = world.client.get(f"{API}/{province_cal}", headers=world.headers("officer"))
    assert mine.get_json()["name"] == f"Tỉnh {world.province}"


def test_needs_a_token(world: Any) -> None:
    assert_problem(world.client.get(f"{API}/vn"), 401, "unauthenticated")


def test_openapi_lists_calendars(world: Any) -> None:
    paths = world.client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/calendars/{calendar_id}" in paths
    assert {"get", "put"} <= set(paths["/api/v1/calendars/{calendar_id}"])
    assert "/api/v1/calendars/{calendar_id}/add" in paths


def test_resolved_calendar_is_cached(world: Any, province_cal: str) -> None:
    from engine.services.design.calendars import resolved_calendar

    first = resolved_calendar(world.ctx, world.province, province_cal)
    assert resolved_calendar(world.ctx, world.province, province_cal) is first
    assert _put(world, province_cal, {"overrides": []}).status_code == 200
    changed = resolved_calendar(world.ctx, world.province, province_cal)
    assert changed is not first
    assert all(o.date.isoformat() != "2026-02-25" for o in changed.overrides)


# -- the CLI ----------------------------------------------------------------------------

def test_cli_import_then_add(world: Any, province_cal: str, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MOTCUA_DATABASE_URL", world.ctx.settings.database_url)
    csv_file = tmp_path / "overrides.csv"
    csv_file.write_text("date,kind,reason,effective_from\n"
                        "2026-02-26,day_off,Bão,2026-01-01\n"
                        "2026-02-28,working_day,Làm bù (nhắc lại),2026-01-01\n",
                        encoding="utf-8")
    assert cli(["calendar", "import", "--id", province_cal, "--province", world.province,
                "--file", str(csv_file)]) == 0
    assert "merged 2 rows" in capsys.readouterr().out
    # 25 and 26 Feb off, 28 Feb worked: due Monday 2 March.
    r = _add(world, province_cal, start=FRIDAY, working_days=5)
    assert r.get_json()["due_local"] == "2026-03-02T16:30:00+07:00"
    got = world.client.get(f"{API}/{province_cal}", headers=world.headers("officer")).get_json()
    assert [o["date"] for o in got["overrides"]] == ["2026-02-25", "2026-02-26", "2026-02-28"]
    assert cli(["calendar", "add", "--id", province_cal, "--province", world.province,
                "--start", FRIDAY, "--working-days", "5"]) == 0
    assert capsys.readouterr().out.strip() == "2026-03-02T16:30:00+07:00"


def test_cli_import_creates_a_calendar_from_vn(world: Any, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MOTCUA_DATABASE_URL", world.ctx.settings.database_url)
    csv_file = tmp_path / "overrides.csv"
    csv_file.write_text("date,kind,reason,effective_from\n2026-02-24,day_off,x,2026-01-01\n",
                        encoding="utf-8")
    cal_id = _cal_id(world) + "-new"
    assert cli(["calendar", "import", "--id", cal_id, "--province", world.province,
                "--file", str(csv_file)]) == 0
    assert "merged 1 rows" in capsys.readouterr().out
    got = world.client.get(f"{API}/{cal_id}", headers=world.headers("officer")).get_json()
    assert got["parent"] == "vn"
    r = _add(world, cal_id, start=FRIDAY, working_days=5)
    assert r.get_json()["due_local"] == "2026-03-02T16:30:00+07:00"


def test_cli_errors_name_fields_and_exit_2(world: Any, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MOTCUA_DATABASE_URL", world.ctx.settings.database_url)
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("date,kind,reason,effective_from\n2026-02-31,off,x,2026-01-01\n",
                        encoding="utf-8")
    assert cli(["calendar", "import", "--id", _cal_id(world), "--province", world.province,
                "--file", str(csv_file)]) == 2
    err = capsys.readouterr().err
    assert "line 2, date" in err and "line 2, kind" in err
    assert cli(["calendar", "add", "--id", "vn", "--province", world.province,
                "--start", "2026-02-13T16:30:00", "--working-days", "5"]) == 2
    assert "start:" in capsys.readouterr().err


def test_resolved_calendar_inside_a_unit_of_work(world: Any, province_cal: str) -> None:
    from engine.services.design.calendars import resolved_calendar

    with world.ctx.uow() as uow:
        uow.repo.principals(world.province)  # the transaction has begun
        cal = resolved_calendar(world.ctx, world.province, province_cal, repo=uow.repo)
    assert cal.parent is None and cal.id == province_cal
