"""The public figures and the Decision 766 indicators, checked on a small data set whose
numbers are worked out by hand below; the counters kept by the commands are what they read."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from engine.clock import ManualClock
from tests.api.constructs import VN
from tests.api.helpers import post_bpmn, started
from tests.api.test_supplement import ASK, BROUGHT, DIAGRAM, FORMS, act
from tests.conftest import World

# The supplement diagram with a third way out of the gateway: a refusal, which the
# procedure's status mapping shows the portal as code 3 (refused).
REFUSING = DIAGRAM.replace(
    b'<bpmn:outgoing>f6</bpmn:outgoing></bpmn:exclusiveGateway>',
    b'<bpmn:outgoing>f6</bpmn:outgoing><bpmn:outgoing>f7</bpmn:outgoing>'
    b'</bpmn:exclusiveGateway><bpmn:endEvent id="refused"><bpmn:incoming>f7</bpmn:incoming>'
    b'</bpmn:endEvent>').replace(
    b'<bpmn:sequenceFlow id="f6"',
    b'<bpmn:sequenceFlow id="f7" sourceRef="gw" targetRef="refused"><bpmn:conditionExpression>'
    b'decision == "refuse"</bpmn:conditionExpression></bpmn:sequenceFlow>'
    b'<bpmn:sequenceFlow id="f6"')


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


@pytest.fixture
def w(clocked: tuple[World, ManualClock]) -> Iterator[World]:
    world = clocked[0]
    forms = {"supplement-request.json": (FORMS / "supplement-request.json").read_bytes()}
    assert REFUSING.count(b'id="refused"') == 1
    assert post_bpmn(world, REFUSING, forms).status_code == 201
    r = world.client.put("/api/v1/procedures/p1", headers=world.headers("designer"), json={
        "name": "Thủ tục", "process_key": "with_supplement", "level": "province",
        "status_mapping": {"refused": 3}, "rules": [{
            "effective_from": "2025-07-01", "calendar": "vn",
            "limits": {"default": {"value": 5, "unit": "working_days"}}}]})
    assert r.status_code in (200, 201), r.get_json()
    yield world
    # The dossiers left open here are overdue in other tests' time: no sweep of theirs (it
    # covers every province) should find them.
    with world.ctx.db_engine.begin() as conn:
        conn.execute(text("UPDATE dossiers SET next_wakeup = NULL WHERE province = :p"),
                     {"p": world.province})


def start(w: World, channel: str = "online") -> str:
    return str(started(w, process_key="with_supplement", channel=channel)["code"])


def bring(w: World, code: str) -> None:
    r = w.client.post(f"/api/v1/dossiers/{code}/supplement", json=BROUGHT,
                      headers=w.headers("client"))
    assert r.status_code == 200, r.get_json()


def withdraw(w: World, code: str) -> None:
    r = w.client.post(f"/api/v1/dossiers/{code}/withdraw", headers=w.headers("client"),
                      json={"reason": "Công dân có đơn xin rút hồ sơ"})
    assert r.status_code == 200, r.get_json()


def rate(w: World, code: str, level: int, complaint: str | None = None) -> None:
    body: dict[str, Any] = {"level": level}
    if complaint:
        body["complaint"] = complaint
    r = w.client.post(f"/api/v1/dossiers/{code}/rating", json=body, headers=w.headers("client"))
    assert r.status_code == 201, r.get_json()


def scene(w: World, clock: ManualClock) -> dict[str, str]:
    """January (before the period): A received and left open, B finished early, F withdrawn.
    Monday 2 March (the period), office hours 07:00-11:30 and 13:30-17:00: C at the desk
    finished at 10:00, D paused twice for supplements then finished at 15:00, E withdrawn,
    G left open. C rated 5, D rated 2 with a complaint."""
    clock.set(at(12, 1, 8))
    a, b, f = start(w), start(w), start(w)
    clock.set(at(12, 1, 9))
    act(w, b, "appraise", {"decision": "done"})
    withdraw(w, f)
    clock.set(at(2, 3, 8))
    c, d, e, g = start(w, "desk"), start(w), start(w), start(w)
    clock.set(at(2, 3, 10))
    act(w, c, "appraise", {"decision": "done"})
    act(w, d, "appraise", {"decision": "supplement"})
    act(w, d, "ask", ASK)                     # paused 10:00 ...
    clock.set(at(2, 3, 14))
    bring(w, d)                               # ... to 14:00: 1.5 h + 0.5 h = 2 working hours
    act(w, d, "appraise", {"decision": "supplement"})
    act(w, d, "ask", ASK)                     # paused again 14:00 ...
    clock.set(at(2, 3, 15))
    bring(w, d)                               # ... to 15:00: 1 working hour
    act(w, d, "appraise", {"decision": "done"})
    withdraw(w, e)
    rate(w, c, 5)
    rate(w, d, 2, "Phải bổ sung hai lần")
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f, "G": g}


def stats(w: World, query: str, path: str = "/api/v1/stats") -> Any:
    r = w.client.get(f"{path}?province={w.province}&{query}")  # no token: public
    assert r.status_code == 200, r.get_json()
    return r


def test_each_figure_of_a_period(w: World, clocked: tuple[World, ManualClock]) -> None:
    codes = scene(w, clocked[1])
    body = stats(w, "from=2026-03-01&to=2026-03-31").get_json()
    t = body["total"]
    # New in March: C, D, E, G = 4; carried over: January's 3 received - B, F ended = 1 (A).
    assert t["received"] == {"total": 5, "new": 4, "carried_over": 1, "online": 3,
                             "online_share": 0.75}  # D, E, G online: 3 / 4
    # C early (same day as its due day's week before); D is early by its clock but had two
    # supplement requests: late under Decision 766. Timed finished 2: 1 / 2 on time.
    assert t["finished"] == {"total": 2, "early": 1, "on_time": 0, "late": 1,
                             "no_time_limit": 0, "on_time_rate": 0.5, "late_rate": 0.5,
                             "more_than_one_supplement": 1, "refused": 0}
    assert (t["withdrawn"], t["stopped"]) == (1, 0)  # E
    assert t["pending_at_end"] == 2  # 1 + 4 - (2 finished + 1 withdrawn): A and G
    # Now (2 March 15:00): A's due (19 January 08:00) passed, G's (9 March) did not.
    assert t["open_now"] == {"within_time": 1, "approaching": 0, "overdue": 1, "paused": 0,
                             "untimed": 0}
    # C: 08:00-10:00 = 2 h. D: 08:00-15:00 = 3.5 + 1.5 = 5 h less 3 h paused = 2 h.
    # (2 + 2) / 2 = 2 h = 0.25 working day.
    assert t["average_processing"] == {"working_hours": 2.0, "working_days": 0.25,
                                       "dossiers": 2}
    # 5 and 2: average 3.5; D is both dissatisfied and complaining: counted once.
    assert t["ratings"] == {"count": 2, "levels": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1},
                            "average": 3.5, "complaints": 1, "dissatisfied_or_complaint": 1}
    text = str(body)
    assert not any(code in text for code in codes.values()) and "Nguyễn" not in text

    by_channel = stats(w, "from=2026-03-01&to=2026-03-31&group_by=channel").get_json()
    groups = {g["group"]: g for g in by_channel["groups"]}
    assert groups["desk"]["received"]["total"] == 1 and groups["desk"]["finished"]["early"] == 1
    # Online: A carried over, D, E, G new; D finished, E withdrawn: 1 + 3 - 2 = 2 pending.
    assert groups["online"]["received"]["carried_over"] == 1
    assert groups["online"]["pending_at_end"] == 2
    assert groups["online"]["open_now"]["overdue"] == 1

    by_month = stats(w, "from=2026-01-01&to=2026-03-31&group_by=month").get_json()
    months = {g["group"]: g for g in by_month["groups"]}
    # January: A, B, F received, B and F ended: 1 left; March carries it over.
    assert months["2026-01"]["received"]["new"] == 3
    assert months["2026-01"]["pending_at_end"] == 1
    assert months["2026-03"]["received"]["carried_over"] == 1
    assert months["2026-03"]["pending_at_end"] == 2

    # Filters: the procedure's level, another channel, a unit with nothing.
    assert stats(w, "from=2026-03-01&to=2026-03-31&level=province").get_json()[
        "total"]["received"]["new"] == 4
    assert stats(w, "from=2026-03-01&to=2026-03-31&level=commune").get_json()[
        "total"]["received"]["new"] == 0
    assert stats(w, "from=2026-03-01&to=2026-03-31&channel=desk").get_json()[
        "total"]["finished"]["total"] == 1
    assert stats(w, "from=2026-03-01&to=2026-03-31&unit=NO.UNIT").get_json()[
        "total"]["received"]["total"] == 0
    # A narrowed period with partial months at both ends (days 10-31 January, February
    # whole, 1-2 March) and a whole year before it: online, A, B, F in January and D, E, G
    # on 2 March: 6 new, none carried over; B, D finished, F, E withdrawn: 6 - 4 = 2 left
    # (A and G).
    edges = stats(w, "from=2026-01-10&to=2026-03-02&channel=online").get_json()["total"]
    assert (edges["received"]["new"], edges["received"]["carried_over"],
            edges["pending_at_end"]) == (6, 0, 2)
    later = stats(w, "from=2026-03-02&to=2026-12-31&channel=online").get_json()["total"]
    # Before 2 March, online: A, B, F received, B, F ended: 1 carried over (A).
    assert later["received"]["carried_over"] == 1


def test_a_refusal_is_finished_and_refused(w: World,
                                           clocked: tuple[World, ManualClock]) -> None:
    """Monday 2 March: H online and I at the desk received at 08:00 (due 9 March 08:00,
    5 working days); H refused at 09:00, I finished at 11:00."""
    clock = clocked[1]
    clock.set(at(2, 3, 8))
    h, i = start(w), start(w, "desk")
    clock.set(at(2, 3, 9))
    refused = act(w, h, "appraise", {"decision": "refuse"})
    assert (refused["status"], refused["end_event"]) == ("finished", "refused")
    clock.set(at(2, 3, 11))
    act(w, i, "appraise", {"decision": "done"})
    t = stats(w, "from=2026-03-01&to=2026-03-31").get_json()["total"]
    assert t["received"] == {"total": 2, "new": 2, "carried_over": 0, "online": 1,
                             "online_share": 0.5}  # H online: 1 / 2
    # Both finished before their due day (9 March): early. H ended at a refusal: among the
    # finished and also refused. Timed finished 2, early 2: on time rate 2 / 2.
    assert t["finished"] == {"total": 2, "early": 2, "on_time": 0, "late": 0,
                             "no_time_limit": 0, "on_time_rate": 1.0, "late_rate": 0.0,
                             "more_than_one_supplement": 0, "refused": 1}
    assert (t["withdrawn"], t["stopped"], t["pending_at_end"]) == (0, 0, 0)  # 2 - 2 = 0
    # H: 08:00-09:00 = 1 h; I: 08:00-11:00 = 3 h; (1 + 3) / 2 = 2 h = 0.25 working day.
    assert t["average_processing"] == {"working_hours": 2.0, "working_days": 0.25,
                                       "dossiers": 2}
    groups = {g["group"]: g["finished"] for g in stats(
        w, "from=2026-03-01&to=2026-03-31&group_by=channel").get_json()["groups"]}
    assert (groups["online"]["refused"], groups["desk"]["refused"]) == (1, 0)  # H online
    csv = stats(w, "from=2026-03-01&to=2026-03-31&format=csv").data.decode("utf-8-sig")
    header, row = (line.split(",") for line in csv.splitlines()[:2])
    assert dict(zip(header, row))["refused"] == "1"


def test_the_indicators(w: World, clocked: tuple[World, ManualClock]) -> None:
    scene(w, clocked[1])
    body = stats(w, "from=2026-03-01&to=2026-03-31", "/api/v1/stats/indicators").get_json()
    groups = {g["group"]: g for g in body["groups"]}
    assert groups["progress"]["rate"] == 0.5 and groups["progress"]["points"] == 10.0  # 20 * 1/2
    assert groups["online_service"]["points"] == 9.0  # 12 * 3/4
    # 100% - 50% late - 50% of ratings dissatisfied or complaining = 0.
    assert groups["satisfaction"]["rate"] == 0.0 and groups["satisfaction"]["points"] == 0.0
    # Nothing was kept as a file, paid or pushed to the portal: transparency 18 × 0 / 4
    # received, digitisation 22 × mean(0 / 4 received, 0 / 2 finished): 0 points each;
    # online payment has no payment to score (no rate): 100 − 10 = 90 points at stake.
    assert groups["transparency"]["points"] == 0.0 and groups["digitisation"]["points"] == 0.0
    assert groups["online_payment"]["rate"] is None
    assert body["computed_points"] == 19.0 and body["points_of"] == 90
    assert body["computable_max_points"] == 100


def test_exports(w: World, clocked: tuple[World, ManualClock]) -> None:
    scene(w, clocked[1])
    r = stats(w, "from=2026-03-01&to=2026-03-31&group_by=channel&format=csv")
    assert r.mimetype == "text/csv"
    lines = r.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("group,received,received_new,carried_over")
    assert lines[1].startswith("desk,1,1,0") and lines[2].startswith("online,4,3,1")
    r = stats(w, "from=2026-03-01&to=2026-03-31&format=xlsx")
    assert r.mimetype.endswith("spreadsheetml.sheet")
    with zipfile.ZipFile(io.BytesIO(r.data)) as book:
        assert "xl/worksheets/sheet1.xml" in book.namelist()
        assert "online_share" in book.read("xl/sharedStrings.xml").decode()


def test_the_query_is_checked(w: World) -> None:
    r = w.client.get("/api/v1/stats?from=2026-03-01")
    assert r.status_code == 422 and "province" in r.get_data(as_text=True)
    for query, field in (("nosuch=1", "nosuch"), ("group_by=year", "group_by"),
                         ("from=2026-03-05&to=2026-03-01", "to"), ("level=x", "level"),
                         ("format=pdf", "format"), ("from=0001-01-01&to=0001-01-02", "from"),
                         ("to=9999-12-31", "to")):
        r = w.client.get(f"/api/v1/stats?province={w.province}&{query}")
        assert r.status_code == 422, (query, r.get_json())
        assert field in r.get_data(as_text=True), query
    # A province with nothing counted: zeros, not an error.
    empty = w.client.get("/api/v1/stats?province=NOWHERE").get_json()["total"]
    assert empty["received"]["total"] == 0 and empty["ratings"]["average"] is None
    # Whatever the province is called, the file's name is a safe header.
    r = w.client.get("/api/v1/stats?province=%0D%0AX&format=csv")
    assert r.status_code == 200 and "so-lieu-__X-" in r.headers["Content-Disposition"]


def test_time_moves_the_open_dossiers(w: World, clocked: tuple[World, ManualClock]) -> None:
    clock = clocked[1]
    clock.set(at(2, 3, 8))
    start(w)
    clock.advance(timedelta(days=14))
    t = stats(w, "from=2026-03-01&to=2026-03-31").get_json()["total"]
    assert t["open_now"]["overdue"] == 1 and t["pending_at_end"] == 1
