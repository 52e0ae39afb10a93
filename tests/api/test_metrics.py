"""GET /metrics: the scrape parses, counts go up with the work done (by route template,
never the raw path), refusals are counted by their code, the open dossiers and the outbox
are read at scrape time, and MOTCUA_METRICS_TOKEN closes it."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete, insert, text, update
from sqlalchemy.exc import OperationalError

from engine.clock import ManualClock
from tests.api.constructs import MONDAY_8AM
from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS, assert_problem, complete, started
from tests.conftest import World, make_world

COMPLETE_ROUTE = "/api/v1/tasks/<task_id>/complete"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(w: World, headers: dict[str, str] | None = None) -> Samples:
    r = w.client.get("/metrics", headers=headers or {})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.content_type.startswith("text/plain; version=0.0.4")
    out: Samples = {}
    for family in text_string_to_metric_families(r.get_data(as_text=True)):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_an_intake_and_a_completion_are_counted_by_route_template(two_steps: World) -> None:
    w = two_steps
    before = scrape(w)
    d = started(w)
    task = d["current_steps"][0]["task_id"]
    assert complete(w, task, {"copies": 1}).status_code == 200
    after = scrape(w)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("motcua_dossiers_received_total", channel="online") == 1
    assert delta("motcua_tasks_completed_total") == 1
    assert delta("motcua_http_requests_total", method="POST", route=COMPLETE_ROUTE,
                 status="200") == 1
    assert delta("motcua_http_requests_total", method="POST", route="/api/v1/dossiers",
                 status="201") == 1
    assert delta("motcua_http_request_duration_seconds_count", method="POST",
                 route=COMPLETE_ROUTE) == 1
    assert delta("motcua_http_request_duration_seconds_bucket", method="POST",
                 route=COMPLETE_ROUTE, le="+Inf") == 1
    routes = {dict(labels).get("route", "") for _, labels in after}
    assert not any(task in r or d["code"] in r for r in routes), routes
    # The scrape itself was counted, under its own route, by the time of the next one.
    assert delta("motcua_http_requests_total", method="GET", route="/metrics",
                 status="200") >= 1


def test_refusals_are_counted_by_code(two_steps: World) -> None:
    w = two_steps
    before = scrape(w)
    task = started(w)["current_steps"][0]["task_id"]
    assert_problem(complete(w, task, {"copies": "many"}), 422, "form-invalid")
    assert_problem(w.client.get("/api/v1/tasks?colour=red", headers=w.headers("officer")),
                   422, "invalid-input")
    assert_problem(w.client.get("/api/v1/no/such/thing", headers=w.headers("officer")),
                   404, "not-found")
    after = scrape(w)
    for code in ("form-invalid", "invalid-input", "not-found"):
        assert (value(after, "motcua_commands_refused_total", code=code)
                - value(before, "motcua_commands_refused_total", code=code)) == 1, code
    # A path no route matches is one label, whatever the path.
    assert (value(after, "motcua_http_requests_total", method="GET", route="<unmatched>",
                  status="404")
            - value(before, "motcua_http_requests_total", method="GET", route="<unmatched>",
                    status="404")) == 1
    weird = w.client.open("/metrics", method="BREW")
    assert weird.status_code == 405
    assert value(scrape(w), "motcua_http_requests_total", method="other",
                 route="<unmatched>", status="405") >= 1


@pytest.fixture
def clocked_steps(db_url: str) -> Iterator[tuple[World, ManualClock]]:
    """two_steps with a statutory limit of 3 working days (warning band: 1), on a clock
    that moves when the test says."""
    clock = ManualClock(MONDAY_8AM)
    w = make_world(db_url, clock=clock)
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    r = w.client.put("/api/v1/procedures/two", json={
        "name": "Two steps", "process_key": "two_steps", "rules": [{
            "effective_from": "2020-01-01",
            "limits": {"default": {"value": 3, "unit": "working_days"}},
            "warning": {"value": 1, "unit": "working_days"}}]}, headers=w.headers("designer"))
    assert r.status_code == 201, r.get_json()
    yield w, clock
    w.ctx.db_engine.dispose()


def test_open_dossiers_by_timeliness_are_read_at_scrape_time(
        clocked_steps: tuple[World, ManualClock]) -> None:
    from engine.store.models import Dossier

    w, clock = clocked_steps
    codes = [started(w)["code"] for _ in range(3)]

    def open_by_class() -> dict[str, float]:
        samples = scrape(w)
        return {c: value(samples, "motcua_dossiers_open", province=w.province, timeliness=c)
                for c in ("within_time", "approaching", "overdue", "paused")}

    assert open_by_class() == {"within_time": 3, "approaching": 0, "overdue": 0, "paused": 0}
    with w.ctx.uow() as uow:  # the applicant is asked for a supplement: the clock stops
        uow.session.execute(update(Dossier).where(Dossier.code == codes[0])
                            .values(paused_since=clock.now()))
        uow.commit()
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=MONDAY_8AM.tzinfo))  # in the warning band
    assert open_by_class() == {"within_time": 0, "approaching": 2, "overdue": 0, "paused": 1}
    clock.set(datetime(2026, 3, 9, 9, 0, tzinfo=MONDAY_8AM.tzinfo))  # past the due instant
    assert open_by_class() == {"within_time": 0, "approaching": 0, "overdue": 2, "paused": 1}


def test_the_outbox_backlog_is_read_at_scrape_time(world: World) -> None:
    from engine.store.models import OutboxMessage

    now = world.ctx.clock.now()
    with world.ctx.uow() as uow:  # a row the relay has not sent (the broker was down)
        row_id = uow.session.execute(insert(OutboxMessage).values(
            actor="wake_dossier", payload={"dossier_id": -1}, due_at=now,
            created_at=now - timedelta(minutes=10), sent_at=None
        ).returning(OutboxMessage.id)).scalar_one()
        uow.commit()
    try:
        samples = scrape(world)
        assert value(samples, "motcua_outbox_depth") >= 1
        assert value(samples, "motcua_outbox_oldest_age_seconds") >= 600
    finally:
        with world.ctx.uow() as uow:
            uow.session.execute(delete(OutboxMessage).where(OutboxMessage.id == row_id))
            uow.commit()


def test_a_query_past_its_time_bound_is_stopped(world: World) -> None:
    slow = ("SELECT pg_sleep(5)" if world.ctx.db_engine.dialect.name == "postgresql" else
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
            "WHERE x < 1000000000) SELECT count(*) FROM c")
    with pytest.raises(OperationalError):
        with world.ctx.uow(readonly=True) as uow, uow.repo.time_bound(0.2):
            uow.session.execute(text(slow))
    if world.ctx.db_engine.dialect.name == "postgresql":
        for _ in range(3):  # whichever pooled connection comes: the bound was reset
            with world.ctx.uow(readonly=True) as uow:
                assert uow.session.execute(text("SHOW statement_timeout")).scalar() == "0"


def test_the_scrape_answers_when_the_database_does_not() -> None:
    from api.app import create_app
    from engine.settings import Settings

    app = create_app(Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:1/none"))
    r = app.test_client().get("/metrics")
    assert r.status_code == 200
    names = {f.name for f in text_string_to_metric_families(r.get_data(as_text=True))}
    assert "motcua_tasks_completed" in names and "motcua_http_requests" in names
    assert not names & {"motcua_outbox_depth", "motcua_dossiers_open"}


@pytest.fixture
def guarded(db_url: str) -> Iterator[World]:
    w = make_world(db_url, metrics_token="s3cret-metrics")
    yield w
    w.ctx.db_engine.dispose()


def test_the_metrics_token_closes_the_scrape(guarded: World) -> None:
    w = guarded
    assert_problem(w.client.get("/metrics"), 401, "unauthenticated")
    assert_problem(w.client.get("/metrics", headers={"Authorization": "Bearer nope"}),
                   401, "unauthenticated")
    # A principal's token is not the metrics token.
    assert_problem(w.client.get("/metrics", headers=w.headers("admin")), 401,
                   "unauthenticated")
    samples = scrape(w, {"Authorization": "Bearer s3cret-metrics"})
    assert value(samples, "motcua_commands_refused_total", code="unauthenticated") >= 3


def test_without_a_token_anyone_may_scrape(world: World) -> None:
    assert world.client.get("/metrics").status_code == 200
