"""The figures' kept tables equal a full recount of what is stored, after a random mix of
intakes, completions, supplement pauses, withdrawals, stops, apologies, ratings, papers and
results kept as files, payments, and pushes the national portal takes, spread over
several days: the counters per key and per province's day, and the open dossiers' counts,
which also give the same classes as judging every open dossier against its clock now."""
from __future__ import annotations

import io
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from engine.clock import ManualClock
from engine.services.public.figures import drop_empty_open_rows
from engine.services.webhooks.deliveries import deliver
from engine.stats import counters as c
from engine.stats import open_parts
from tests.api.constructs import MONDAY_8AM
from tests.api.test_stats import at, bring, rate, start, w  # noqa: F401 (the fixture)
from tests.api.test_stats_indicators import LOCAL
from tests.api.test_submitted_documents import pdf
from tests.api.test_supplement import ASK, act
from tests.conftest import World, make_world
from tests.webhook_receiver import Receiver

COUNTED = [n for n in c.COUNTERS if n != "processing_hours"]
DOSSIER_COLUMNS = ("id", "received_at", "finished_at", "status", "procedure_code", "unit",
                   "channel", "timeliness", "pause_count", "portal_status", "province",
                   "files_kept", "paused_since", "due_at", "warn_at")


@pytest.fixture
def clocked(db_url: str) -> Iterator[tuple[World, ManualClock]]:
    """test_stats's world, whose webhook receivers may be on this machine."""
    clock = ManualClock(MONDAY_8AM)
    world = make_world(db_url, clock=clock, **LOCAL)
    yield world, clock
    world.ctx.db_engine.dispose()


def aware(value: Any) -> Any:
    """An instant as the store reads it (SQLite gives text, without a zone: UTC)."""
    if value is None:
        return None
    value = datetime.fromisoformat(value) if isinstance(value, str) else value
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def read(world: World, sql: str) -> list[dict[str, Any]]:
    with world.ctx.db_engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), {"p": world.province}).mappings()]


def recount(world: World) -> dict[tuple[Any, ...], dict[str, float]]:
    """What the counters should hold, from the province's dossiers, ratings, history and
    the deliveries the portal took."""
    dossiers = {r["id"]: {**r, **{k: aware(r[k]) for k in ("received_at", "finished_at")}}
                for r in read(world, f"SELECT {', '.join(DOSSIER_COLUMNS)} FROM dossiers "
                                     "WHERE province = :p")}
    deltas = []

    def key(d: dict[str, Any], instant: Any) -> c.Key:
        return c.Key(d["province"], c.local_day(aware(instant)), d["procedure_code"] or "",
                     d["unit"], d["channel"])

    for d in dossiers.values():
        deltas.append((key(d, d["received_at"]), c.on_received()))
        if d["status"] == "finished":
            deltas.append((key(d, d["finished_at"]), c.on_finished(
                d["timeliness"], d["pause_count"] or 0, d["portal_status"], 0.0,
                d["files_kept"] or 0)))
        elif d["status"] in ("withdrawn", "stopped"):
            deltas.append((key(d, d["finished_at"]), c.on_ended(d["status"])))
    for r in read(world, "SELECT r.dossier_id, r.rated_at, r.level, r.complaint FROM ratings r "
                         "WHERE r.province = :p"):
        deltas.append((key(dossiers[r["dossier_id"]], r["rated_at"]),
                       c.on_rated(r["level"], bool(r["complaint"]))))
    papers = {r["dossier_id"] for r in read(world, (
        "SELECT dossier_id FROM documents WHERE province = :p AND file_key IS NOT NULL "
        "AND kind <> 'result'"))}
    for i in papers:
        deltas.append((key(dossiers[i], dossiers[i]["received_at"]), c.on_digitised()))
    for r in read(world, "SELECT h.dossier_id, h.at, h.payload FROM history_events h JOIN "
                         "dossiers d ON d.id = h.dossier_id WHERE d.province = :p AND "
                         "h.kind = 'message.received'"):
        payload = r["payload"] if isinstance(r["payload"], dict) else __import__(
            "json").loads(r["payload"])
        if c.is_payment(payload.get("payload")):
            deltas.append((key(dossiers[r["dossier_id"]], r["at"]),
                           c.on_paid(payload["payload"])))
    seen: set[int] = set()
    for r in read(world, "SELECT d.dossier_id, d.created_at, d.finished_at FROM "
                         "webhook_deliveries d JOIN webhook_subscriptions s ON "
                         "s.id = d.subscription_id WHERE s.province = :p AND "
                         "s.format = 'sync-packet' AND d.status = 'delivered' "
                         "ORDER BY d.finished_at, d.id"):
        dossier = dossiers[r["dossier_id"]]
        for day, delta in c.on_pushed(r["dossier_id"] not in seen, aware(r["created_at"]),
                                      aware(r["finished_at"])):
            deltas.append((key(dossier, r["finished_at"] if day == "taken"
                               else dossier["received_at"]), delta))
        seen.add(r["dossier_id"])
    return {(k.province, k.day.isoformat(), k.procedure, k.unit, k.channel):
            {n: d.get(n, 0) for n in COUNTED} for k, d in c.merged(deltas)}


def stored(world: World) -> dict[tuple[Any, ...], dict[str, float]]:
    rows = read(world, f"SELECT province, day, procedure_code, unit, channel, "
                       f"{', '.join(COUNTED)} FROM stats_counts WHERE province = :p")
    return {(r["province"], str(r["day"])[:10], r["procedure_code"], r["unit"], r["channel"]):
            {n: r[n] for n in COUNTED} for r in rows}


def province_days(world: World) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The province's rows per day, and the keyed rows summed per day."""
    names = [*COUNTED, "received_online"]
    kept = {str(r["day"])[:10]: {n: r[n] for n in names} for r in read(world, (
        f"SELECT day, {', '.join(names)} FROM stats_counts_province WHERE province = :p"))}
    summed: dict[str, dict[str, Any]] = {}
    for k, row in stored(world).items():
        into = summed.setdefault(k[1], dict.fromkeys(names, 0))
        for n in COUNTED:
            into[n] += row[n]
        into["received_online"] += row["received"] if k[4] == "online" else 0
    return kept, summed


def spans(world: World) -> tuple[dict[tuple[Any, ...], dict[str, Any]],
                                 dict[tuple[Any, ...], dict[str, Any]]]:
    """The keyed rows per month and per year, and the keyed day rows summed so."""
    kept = {(r["span"], str(r["start"])[:10], r["procedure_code"], r["unit"], r["channel"]):
            {n: r[n] for n in COUNTED} for r in read(world, (
                f"SELECT span, start, procedure_code, unit, channel, {', '.join(COUNTED)} "
                "FROM stats_counts_span WHERE province = :p"))}
    summed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for k, row in stored(world).items():
        for span, first in (("month", k[1][:8] + "01"), ("year", k[1][:5] + "01-01")):
            into = summed.setdefault((span, first, *k[2:]), dict.fromkeys(COUNTED, 0))
            for n in COUNTED:
                into[n] += row[n]
    return kept, summed


def open_recount(world: World) -> tuple[dict[tuple[Any, ...], int], dict[tuple[Any, ...], int]]:
    """(kept, recounted) counts of the open dossiers by key, part and day."""
    kept = {(r["procedure_code"], r["unit"], r["channel"], r["kind"], str(r["day"])[:10]):
            r["n"] for r in read(world, "SELECT * FROM stats_open WHERE province = :p")
            if r["n"]}
    again: Counter[tuple[Any, ...]] = Counter()
    for d in read(world, f"SELECT {', '.join(DOSSIER_COLUMNS)} FROM dossiers "
                         "WHERE province = :p"):
        row = {**d, **{k: aware(d[k]) for k in ("paused_since", "due_at", "warn_at")}}
        for p in open_parts.parts(row):
            again[(p.procedure, p.unit, p.channel, p.kind, p.day.isoformat())] += 1
    return kept, dict(again)


def judged_now(world: World, now: datetime) -> dict[str, int]:
    """Every open dossier judged against its clock at `now` (what a scan would say)."""
    out = dict.fromkeys(("within_time", "approaching", "overdue", "paused", "untimed"), 0)
    for d in read(world, "SELECT paused_since, due_at, warn_at FROM dossiers WHERE "
                         "province = :p AND status IN ('in_process', 'error')"):
        due, warn = aware(d["due_at"]), aware(d["warn_at"])
        cls = ("paused" if d["paused_since"] is not None else "untimed" if due is None
               else "overdue" if due < now else "approaching" if warn is not None
               and warn <= now else "within_time")
        out[cls] += 1
    return out


def push_some(world: World, rng: random.Random) -> int:
    """Have the portal take some of the pending pushes, in order."""
    pending = [r["id"] for r in read(world, (
        "SELECT d.id FROM webhook_deliveries d JOIN dossiers x ON x.id = d.dossier_id "
        "WHERE x.province = :p AND d.status = 'pending' ORDER BY d.id"))]
    taken = 0
    for i in pending:
        if rng.random() < 0.6:
            taken += deliver(world.ctx, i) == "delivered"
    return taken


def test_the_kept_figures_equal_a_recount(w: World,  # noqa: F811
                                          clocked: tuple[World, ManualClock]) -> None:
    clock = clocked[1]
    rng = random.Random(17)
    r = w.client.put("/api/v1/procedures/p1", headers=w.headers("designer"), json={
        "name": "Thủ tục", "process_key": "with_supplement", "level": "province",
        "documents": [{"kind": "request_form", "name": "Tờ khai"}], "rules": [{
            "effective_from": "2025-07-01", "calendar": "vn",
            "limits": {"default": {"value": 5, "unit": "working_days"}},
            "warning": {"value": 2, "unit": "working_days"}}]})
    assert r.status_code == 200, r.get_json()
    r = w.client.post("/api/v1/subscriptions", headers=w.headers("admin"), json={
        "url": (receiver := Receiver().start()).url, "format": "sync-packet"})
    assert r.status_code == 201, r.get_json()
    clock.set(at(2, 3, 8))
    open_: list[str] = []
    paused: list[str] = []
    done: list[str] = []
    did: Counter[str] = Counter()
    try:
        for _ in range(110):
            clock.advance(timedelta(minutes=rng.choice((20, 90, 300, 1440))))
            move = rng.choice(("intake", "intake", "intake", "intake", "finish", "pause", "resume", "withdraw",
                               "stop", "apology", "rate", "paper", "result", "push"))
            if move == "intake" or not (open_ or paused or done):
                open_.append(start(w, rng.choice(("online", "desk", "post"))))
                did["intake"] += 1
            elif move == "finish" and open_:
                code = open_.pop(rng.randrange(len(open_)))
                act(w, code, "appraise", {"decision": "done"})
                done.append(code)
                did[move] += 1
            elif move == "pause" and open_:
                code = open_.pop(rng.randrange(len(open_)))
                act(w, code, "appraise", {"decision": "supplement"})
                act(w, code, "ask", ASK)
                paused.append(code)
                did[move] += 1
            elif move == "resume" and paused:
                code = paused.pop(rng.randrange(len(paused)))
                if rng.random() < 0.5:
                    bring(w, code)
                else:  # the message itself, naming a payment (online or not)
                    r = w.client.post(f"/api/v1/dossiers/{code}/messages/supplement",
                                      headers=w.headers("client"), json={"payload": {
                                          "amount": 20000, "channel": rng.choice(
                                              ("online", "desk"))}})
                    assert r.status_code == 200, r.get_json()
                    did["payment"] += 1
                open_.append(code)
                did[move] += 1
            elif move in ("withdraw", "stop") and (open_ or paused):
                pool = open_ if open_ and (not paused or rng.random() < 0.5) else paused
                code = pool.pop(rng.randrange(len(pool)))
                who = "client" if move == "withdraw" else "officer"
                body: dict[str, Any] = {"reason": "Lý do"}
                if move == "stop":
                    body["kind"] = "stopped"
                r = w.client.post(f"/api/v1/dossiers/{code}/withdraw", json=body,
                                  headers=w.headers(who))
                assert r.status_code == 200, r.get_json()
                did[move] += 1
            elif move == "apology" and open_:
                # A second apology of the same dossier is refused: nothing counted either way.
                r = w.client.post(f"/api/v1/dossiers/{rng.choice(open_)}/apology",
                                  headers=w.headers("officer"),
                                  json={"reason": "Chậm",
                                        "new_appointment": "2030-01-07T08:00:00+07:00"})
                did[move] += r.status_code == 200
            elif move == "rate" and done:
                rate(w, done.pop(rng.randrange(len(done))), rng.randint(1, 5),
                     rng.choice((None, "Khiếu nại")))
                did[move] += 1
            elif move in ("paper", "result") and open_:
                r = w.client.post(
                    f"/api/v1/dossiers/{rng.choice(open_)}/documents",
                    headers=w.headers("client" if move == "paper" else "officer"),
                    data={"kind": "request_form" if move == "paper" else "result",
                          "file": [(io.BytesIO(pdf()), "a.pdf")]},
                    content_type="multipart/form-data")
                assert r.status_code == 201, r.get_json()
                did[move] += 1
            elif move == "push":
                did[move] += push_some(w, rng)
        if open_ and not paused:  # one paused at the end, for the classes below
            act(w, open_[0], "appraise", {"decision": "supplement"})
            act(w, open_[0], "ask", ASK)
    finally:
        receiver.stop()
        with w.ctx.db_engine.begin() as conn:  # no later sweep should wake these dossiers
            conn.execute(text("UPDATE dossiers SET next_wakeup = NULL WHERE province = :p"),
                         {"p": w.province})
    assert min(did[k] for k in ("intake", "finish", "pause", "resume", "withdraw", "stop",
                                "apology", "rate", "paper", "result", "payment",
                                "push")) > 0, did
    assert stored(w) == recount(w)
    kept, summed = province_days(w)
    assert kept == summed
    kept, summed = spans(w)
    assert kept == summed
    kept_open, again = open_recount(w)
    assert kept_open == again
    # The sweep drops the rows moves left at zero, and nothing else.
    empty = len(read(w, "SELECT 1 FROM stats_open WHERE province = :p AND n = 0"))
    assert empty > 0 and drop_empty_open_rows(w.ctx) >= empty
    assert not read(w, "SELECT 1 FROM stats_open WHERE province = :p AND n = 0")
    assert open_recount(w) == (again, again)
    whole = {(r["kind"], str(r["day"])[:10]): r["n"] for r in read(
        w, "SELECT * FROM stats_open_province WHERE province = :p") if r["n"]}
    by_part: Counter[tuple[str, str]] = Counter()
    for (_, _, _, kind, day), n in again.items():
        by_part[(kind, day)] += n
    assert whole == dict(by_part)
    # The figure at several moments equals judging each open dossier then: now, and later
    # as time alone moves dossiers into approaching and overdue.
    seen: Counter[str] = Counter()
    for hours in (0, 2, 5, 20, 30, 50, 200):
        clock.advance(timedelta(hours=hours))
        figure = w.client.get(f"/api/v1/stats?province={w.province}").get_json()["total"]
        assert figure["open_now"] == judged_now(w, clock.now()), hours
        seen.update(k for k, n in figure["open_now"].items() if n)
    assert all(seen[k] for k in ("within_time", "approaching", "overdue", "paused")), seen
