"""The counters the commands keep equal a full recount of the dossiers and ratings, after a
random mix of intakes, completions, supplement pauses, withdrawals, stops, apologies and
ratings spread over several days."""
from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from engine.clock import ManualClock
from engine.stats import counters as c
from tests.api.test_stats import at, bring, rate, start, w  # noqa: F401 (the fixture)
from tests.api.test_supplement import ASK, act
from tests.conftest import World

COUNTED = [n for n in c.COUNTERS if n != "processing_hours"]


def recount(world: World) -> dict[tuple[Any, ...], dict[str, float]]:
    """What the counters should hold, from every dossier and rating of the province."""
    with world.ctx.db_engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT received_at, finished_at, status, procedure_code, unit, channel, "
            "timeliness, pause_count, portal_status, province FROM dossiers "
            "WHERE province = :p"), {"p": world.province}).mappings().all()
        ratings = conn.execute(text(
            "SELECT r.rated_at, r.level, r.complaint, d.procedure_code, d.unit, d.channel, "
            "d.province FROM ratings r JOIN dossiers d ON d.id = r.dossier_id "
            "WHERE d.province = :p"), {"p": world.province}).mappings().all()
    def aware(value: Any) -> datetime:
        """An instant as the store reads it (SQLite gives text, without a zone: UTC)."""
        value = datetime.fromisoformat(value) if isinstance(value, str) else value
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

    deltas = []
    def key_at(row: Any, instant: Any) -> c.Key:
        return c.Key(row["province"], c.local_day(aware(instant)),
                     row["procedure_code"] or "", row["unit"], row["channel"])

    for row in rows:
        def key(instant: Any, row: Any = row) -> c.Key:
            return key_at(row, instant)
        deltas.append((key(row["received_at"]), c.on_received()))
        if row["status"] == "finished":
            deltas.append((key(row["finished_at"]), c.on_finished(
                row["timeliness"], row["pause_count"] or 0, row["portal_status"], 0.0)))
        elif row["status"] in ("withdrawn", "stopped"):
            deltas.append((key(row["finished_at"]), c.on_ended(row["status"])))
    for row in ratings:
        deltas.append((key_at(row, row["rated_at"]), c.on_rated(row["level"], bool(row["complaint"]))))
    return {(k.province, k.day.isoformat(), k.procedure, k.unit, k.channel):
            {n: d.get(n, 0) for n in COUNTED} for k, d in c.merged(deltas)}


def stored(world: World) -> dict[tuple[Any, ...], dict[str, float]]:
    with world.ctx.db_engine.connect() as conn:
        rows = conn.execute(text(
            f"SELECT province, day, procedure_code, unit, channel, {', '.join(COUNTED)} "
            "FROM stats_counts WHERE province = :p"), {"p": world.province}).mappings().all()
    return {(r["province"], str(r["day"])[:10], r["procedure_code"], r["unit"], r["channel"]):
            {n: r[n] for n in COUNTED} for r in rows}


def test_the_counters_equal_a_recount(w: World,  # noqa: F811
                                      clocked: tuple[World, ManualClock]) -> None:
    clock = clocked[1]
    rng = random.Random(17)
    clock.set(at(2, 3, 8))
    open_: list[str] = []
    paused: list[str] = []
    done: list[str] = []
    did: Counter[str] = Counter()
    for _ in range(80):
        clock.advance(timedelta(minutes=rng.choice((20, 90, 300, 1440))))
        move = rng.choice(("intake", "intake", "finish", "pause", "resume", "withdraw",
                           "stop", "apology", "rate"))
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
            bring(w, code)
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
    assert min(did[k] for k in ("intake", "finish", "pause", "resume", "withdraw", "stop",
                                "apology", "rate")) > 0, did
    assert stored(w) == recount(w)
