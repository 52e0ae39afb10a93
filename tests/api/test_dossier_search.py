"""Dossier search (`GET /dossiers?q=…`): by code, identity number or applicant name with or
without diacritics, the filters, paging, and who finds what."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from engine.clock import ManualClock
from engine.services.org.auth import create_principal
from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS, assert_problem, complete, dossier, step
from tests.conftest import World

ROOT = Path(__file__).resolve().parents[2]
PROCEDURE = json.loads((ROOT / "processes" / "household_business_registration.procedure.json")
                       .read_text(encoding="utf-8"))


@pytest.fixture
def s(clocked: tuple[World, ManualClock]) -> World:
    """A province with two_steps deployed; its time moves when `clocked[1]` says."""
    w = clocked[0]
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    return w


def start(w: World, name: Any = "Nguyễn Văn A", *, who: str = "client",
          **extra: Any) -> str:
    applicant = extra.pop("applicant", {"type": "citizen", "name": name})
    r = w.client.post("/api/v1/dossiers", headers=w.headers(who), json={
        "process_key": "two_steps", "applicant": applicant, "data": {}, **extra})
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["code"])


def search(w: World, who: str = "auditor", **params: Any) -> Any:
    return w.client.get("/api/v1/dossiers", query_string=params, headers=w.headers(who))


def found(w: World, who: str = "auditor", **params: Any) -> list[str]:
    """The codes the search answers, newest first (checked against its total)."""
    r = search(w, who, **params)
    assert r.status_code == 200, r.get_json()
    page = r.get_json()
    assert page["total"] == len(page["items"]), page
    return [d["code"] for d in page["items"]]


# -- what q finds ------------------------------------------------------------------------

def test_names_match_with_and_without_diacritics(s: World) -> None:
    accented = start(s, "Nguyễn Văn A")
    plain = start(s, "Nguyen Thi Binh")
    duc = start(s, "Đỗ  Đức Hạnh")
    other = start(s, "Trần Văn Bình")
    assert found(s, q="nguyen van a") == [accented]
    assert found(s, q="NGUYEN VAN A") == [accented]
    assert found(s, q="Nguyễn") == [plain, accented]
    assert found(s, q="nguyễn thị bình") == [plain]
    assert found(s, q="do duc") == [duc]
    assert found(s, q="Đức hạnh đỗ") == [duc]  # in any order
    assert found(s, q="van binh") == [other]
    assert found(s, q="bình") == [other, plain]
    assert found(s, q="  ngu   v ") == [accented]  # each word begins a word of the name
    assert found(s, q="guyen") == []  # ... not the middle of one
    assert found(s, q="nguyen van b") == []


def test_a_word_given_twice_begins_two_words_of_the_name(s: World) -> None:
    once = start(s, "Nguyễn Đức Anh")
    twice = start(s, "Nguyễn Đức Đức")
    assert found(s, q="nguyen duc") == [twice, once]
    assert found(s, q="nguyen duc duc") == [twice]
    assert found(s, q="duc nguyen duc") == [twice]
    assert found(s, q="d d") == [twice]
    assert found(s, q="duc duc duc") == []


def test_like_wildcards_in_q_are_plain_characters(s: World) -> None:
    start(s, "Nguyễn Văn A")
    percent = start(s, "Công ty 100% vốn")
    for q in ("%", "_", "n%", "\\"):
        assert found(s, q=q) == []
    assert found(s, q="100%") == [percent]


def test_code_and_identity_number(s: World) -> None:
    first = start(s, applicant={"name": "Lê Thị C", "id_number": "001185012345"})
    second = start(s, applicant={"name": "Lê Thị C", "identity_number": "B 1234567"})
    start(s, applicant={"name": "Lê Thị C", "id_number": 79201000111})
    assert found(s, q=first) == [first]
    assert found(s, q="001185012345") == [first]
    assert found(s, q="001 185 012 345") == [first]
    assert found(s, q="b1234567") == [second]
    assert len(found(s, q="079201000111")) == 0  # a number keeps no leading zero
    assert len(found(s, q="79201000111")) == 1
    assert found(s, q="0011850") == []  # a number is matched whole


def test_an_applicant_without_a_name_is_found_by_code(s: World) -> None:
    code = start(s, applicant={"type": "organisation"})
    assert found(s, q=code) == [code]
    assert found(s, q="organisation") == []


# -- filters -----------------------------------------------------------------------------

def test_each_filter_and_their_combination(s: World) -> None:
    other_unit = "000.00.99.H" + s.unit[-4:]
    s.register_unit(other_unit)
    desk = start(s, "Phạm Văn Đức", channel="desk")
    post = start(s, "Phạm Văn Đức", channel="post", unit=other_unit)
    online = start(s, "Phạm Thị Mai")
    assert found(s, channel="desk") == [desk]
    assert found(s, channel="post", q="duc") == [post]
    assert found(s, unit=other_unit) == [post]
    assert found(s, unit=s.unit, q="pham") == [online, desk]
    assert found(s, unit=s.unit, q="pham", channel="online") == [online]
    assert found(s, process_key="two_steps", q="đức") == [post, desk]
    assert found(s, process_key="another") == []

    receive = step(dossier(s, desk), "receive")["task_id"]
    assert complete(s, receive, {"copies": 1}).status_code == 200
    appraise = step(dossier(s, desk), "appraise")["task_id"]
    assert complete(s, appraise, {"decision": "approve"}).status_code == 200
    assert found(s, status="finished") == [desk]
    assert found(s, status="in_process", q="duc") == [post]
    assert found(s, status="error") == []


def test_timeliness(s: World, clocked: tuple[World, ManualClock]) -> None:
    clock = clocked[1]
    body = {**PROCEDURE, "process_key": "two_steps"}
    body.pop("code")
    r = s.client.put("/api/v1/procedures/two-steps", json=body, headers=s.headers("designer"))
    assert r.status_code in (200, 201), r.get_json()
    late = start(s, "Võ Thị Sáu")
    clock.advance(timedelta(days=10))
    fresh = start(s, "Võ Văn Kiệt")
    assert found(s, timeliness="overdue") == [late]
    assert found(s, timeliness="within_time", q="vo") == [fresh]
    assert found(s, timeliness="overdue", q="kiet") == []


def test_period_by_dates_and_instants(s: World, clocked: tuple[World, ManualClock]) -> None:
    clock = clocked[1]  # Monday 2026-03-02, 08:00 in Vietnam
    monday = start(s, "Hồ Văn Hai")
    clock.advance(timedelta(days=1, hours=16))  # Wednesday 00:00 in Vietnam
    wednesday = start(s, "Hồ Văn Ba")
    assert found(s, received_from="2026-03-03") == [wednesday]
    assert found(s, received_to="2026-03-03") == [monday]
    assert found(s, received_from="2026-03-02", received_to="2026-03-04") == [wednesday, monday]
    assert found(s, received_from="2026-03-04", received_to="2026-03-04") == [wednesday]
    assert found(s, received_to="2026-03-04T00:00:00+07:00") == [wednesday, monday]
    assert found(s, received_to="2026-03-03T16:59:59+00:00") == [monday]
    assert found(s, received_from="2026-03-02T01:00:00Z", received_to="2026-03-02T01:00:00Z"
                 ) == [monday]  # both ends included
    assert found(s, received_from="2026-03-02", q="ba") == [wednesday]


def test_paging_newest_first_with_the_total(s: World) -> None:
    codes = [start(s, "Bùi Thị Xuân") for _ in range(5)]
    start(s, "Ngô Quyền")
    r = search(s, q="bui xuan", limit=2, offset=2)
    page = r.get_json()
    assert page["total"] == 5
    assert [d["code"] for d in page["items"]] == codes[::-1][2:4]
    assert page["items"][0]["applicant"]["name"] == "Bùi Thị Xuân"
    assert search(s, q="bui", offset=5).get_json() == {"total": 5, "items": []}


def test_postgresql_searches_the_name_prefixes_written_at_intake(s: World) -> None:
    code = start(s, "Nguyễn Văn Anh")
    with s.ctx.db_engine.connect() as conn:
        stored = conn.execute(text("SELECT name_prefixes FROM dossiers WHERE code = :code"),
                              {"code": code}).scalar()
    if s.ctx.db_engine.dialect.name != "postgresql":
        assert stored is None  # SQLite keeps none: its search scans search_name
        return
    assert stored == ["n", "ng", "ngu", "nguy", "nguye", "nguyen", "v", "va", "van",
                      "a", "an", "anh"]
    assert found(s, q="anh nguy") == [code]
    with s.ctx.db_engine.begin() as conn:  # the name search reads nothing else
        conn.execute(text("UPDATE dossiers SET name_prefixes = NULL WHERE code = :code"),
                     {"code": code})
    assert found(s, q="anh nguy") == []
    assert found(s, q=code) == [code]


# -- who finds what ----------------------------------------------------------------------

def test_each_caller_finds_only_what_it_may_see(s: World) -> None:
    mine = start(s, "Lý Thường Kiệt")
    s.principal("client2", "client", unit=s.unit)
    theirs = start(s, "Lý Thường Kiệt", who="client2")
    assert found(s, "client", q="ly thuong kiet") == [mine]
    assert found(s, "client2", q="ly thuong kiet") == [theirs]
    assert found(s, "client2", q=mine) == []
    assert found(s, "officer", q="ly thuong kiet") == [theirs, mine]
    assert found(s, "auditor", q="kiệt") == [theirs, mine]

    s.register_unit("000.00.98.H" + s.unit[-4:])
    s.principal("elsewhere", "officer", unit="000.00.98.H" + s.unit[-4:], position="officer")
    assert found(s, "elsewhere", q="ly thuong kiet") == []
    assert found(s, "elsewhere", q=mine) == []
    other = s.province + "Z"
    s.register_unit(s.unit + "Z", province=other)
    for name, role in (("o_auditor", "auditor"), ("o_client", "client"),
                       ("o_officer", "officer")):
        _, s.tokens[name] = create_principal(s.ctx, name=name, role=role, province=other,
                                             unit=s.unit + "Z", position="officer")
        assert found(s, name, q="ly thuong kiet") == []
        assert found(s, name, q=mine) == []
    for who in ("designer", "admin"):
        assert_problem(search(s, who, q="ly"), 403, "forbidden")


# -- refused -----------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "field"), [
    ({"handling_unit": "x" * 101}, "handling_unit"),
    ({"name": "nguyen"}, "name"),
    ({"q": ""}, "q"),
    ({"q": "   "}, "q"),
    ({"q": "x" * 201}, "q"),
    ({"status": "done"}, "status"),
    ({"channel": "fax"}, "channel"),
    ({"timeliness": "late-ish"}, "timeliness"),
    ({"process_key": ""}, "process_key"),
    ({"unit": "u" * 101}, "unit"),
    ({"received_from": "2026-13-01"}, "received_from"),
    ({"received_from": "yesterday"}, "received_from"),
    ({"received_to": "2026-01-05T08:00:00"}, "received_to"),  # no offset
    ({"received_to": "0001-01-01"}, "received_to"),
    ({"received_from": "2026-01-06", "received_to": "2026-01-05"}, "received_from"),
    ({"received_from": "2026-01-05T10:00:00+07:00", "received_to": "2026-01-05T09:00:00+07:00"},
     "received_from"),
    ({"limit": "0"}, "limit"),
    ({"offset": "-1"}, "offset"),
])
def test_bad_parameters_are_422_naming_them(s: World, params: dict[str, str], field: str
                                            ) -> None:
    body = assert_problem(search(s, **params), 422, "invalid-input")
    assert f"/{field}" in {e["field"] for e in body["errors"]}, body
