"""The office the fault tests break: the production shape on PostgreSQL and Redis, with
`timers_around_receipt` deployed (a 3 s cooling-off timer, the user task `receive`, a 2 s
wait, the end). The test process itself only sets up and reads; its clients speak HTTP.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store.models import Dossier, HistoryEvent, Task
from tests.conftest import PG_URL, World, make_world, require
from tests.integration import invariants
from tests.integration.production import (
    Client,
    Process,
    Traffic,
    service_env,
    start_server,
    start_worker,
)

BPMN = Path(__file__).parent / "data" / "timers_around_receipt.bpmn"
PROCESS = "timers_around_receipt"
SWEEP_SECONDS = "0.5"
RECOVERY_BOUND = 120.0  # seconds: past the sweep's 60 s re-queue of a claimed, lost wake


@dataclass
class Office:
    world: World
    database: str
    env: dict[str, str]
    logs: Path
    server: Process
    port: int
    worker: Process
    traffic: Traffic = field(default_factory=Traffic)
    started: list[Process] = field(default_factory=list)  # all stopped on the way out
    clients: list[Client] = field(default_factory=list)  # all closed on the way out

    def client(self, who: str) -> Client:
        c = Client(self.port, self.world.tokens[who], self.traffic)
        self.clients.append(c)
        return c

    def restart_worker(self) -> None:
        """A new `motcua worker` (the old one must be gone), logging to a file of its own."""
        self.worker = start_worker(self.env, self.logs / f"worker{len(self.started)}.log")
        self.started.append(self.worker)

    def intake(self, client: Client, n: int) -> list[str]:
        """`n` dossiers received over HTTP; their codes (each intake answered 201)."""
        codes = []
        for i in range(n):
            status, body, _ = client.request(
                "POST", "/api/v1/dossiers",
                {"process_key": PROCESS, "applicant": {"name": f"Người nộp {i}"}},
                {"Idempotency-Key": str(uuid.uuid4())})
            assert status == 201, body
            codes.append(body["code"])
        return codes

    def check(self, allowed: frozenset[int] = frozenset(), **expected: Any) -> None:
        """Every invariant over this office's dossiers, with what its clients saw (server
        errors other than the `allowed` statuses) and what the processes logged."""
        invariants.check(self.database, self.world.province,
                         server_errors=self.traffic.server_errors(allowed),
                         logs=sorted(self.logs.glob("*.log")), **expected)

    # -- reading the database -----------------------------------------------------------
    def receipts(self) -> dict[str, str]:
        """Dossier code -> id of its open `receive` task."""
        with Session(self.world.ctx.db_engine) as s:
            return {code: task for task, code in s.execute(
                select(Task.id, Dossier.code).join(Dossier, Dossier.id == Task.dossier_id)
                .where(Task.province == self.world.province, Task.status == "open",
                       Task.element_id == "receive"))}

    def statuses(self) -> dict[str, str]:
        with Session(self.world.ctx.db_engine) as s:
            return dict(s.execute(select(Dossier.code, Dossier.status).where(
                Dossier.province == self.world.province)).all())

    def fired(self, timer: str) -> int:
        """How many times the timer `timer` fired in this office's dossiers."""
        with Session(self.world.ctx.db_engine) as s:
            return len(s.scalars(select(HistoryEvent.id).join(
                Dossier, Dossier.id == HistoryEvent.dossier_id).where(
                Dossier.province == self.world.province, HistoryEvent.kind == "step.completed",
                HistoryEvent.element_id == timer)).all())

    def all_due(self) -> bool:
        """No dossier has a wake-up still in the future."""
        with Session(self.world.ctx.db_engine) as s:
            latest = s.scalar(select(Dossier.next_wakeup).where(
                Dossier.province == self.world.province, Dossier.next_wakeup.is_not(None))
                .order_by(Dossier.next_wakeup.desc()).limit(1))
        return latest is None or latest < datetime.now(UTC)


@contextmanager
def office(redis_url: str, logs: Path, **settings: str) -> Iterator[Office]:
    """The production shape on MOTCUA_TEST_POSTGRES_URL and `redis_url` (its processes with
    `settings` besides); every process it started is stopped on the way out, whatever
    happened."""
    from engine.store.migrate import upgrade

    database = require(PG_URL, "MOTCUA_TEST_POSTGRES_URL")
    upgrade(database)
    world = make_world(database)
    world.ctx.send_job = None  # this process queues no job: the servers' and workers' do
    started: list[Process] = []
    clients: list[Client] = []
    try:
        world.principal("clerk", "officer", unit=world.unit, position="clerk")
        r = world.deploy(BPMN, [])
        assert r.status_code == 201, r.get_json()
        env = service_env(database, redis_url, **{"outbox_sweep_seconds": SWEEP_SECONDS,
                                                  **settings})
        server, port = start_server(env, logs / "server.log")
        started.append(server)
        worker = start_worker(env, logs / "worker0.log")
        started.append(worker)
        yield Office(world, database, env, logs, server, port, worker, started=started,
                     clients=clients)
    finally:
        for c in clients:
            c.close()
        for p in reversed(started):
            p.stop()
        world.ctx.db_engine.dispose()
