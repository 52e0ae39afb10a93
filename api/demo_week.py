"""A week of dossiers for the demo province, made by running the real processes.

Each procedure of processes/ with scenarios gets dossiers received over the past week, on a
simulated clock that moves from a week ago to now: some just received, some in appraisal,
some paused for a supplement, approaching or past their due instant (one of them apologised
for), finished early, on time or late, refused, withdrawn. Every step is the scenario's own
(its data, its order), taken by the demo officer of the task's unit and position, so the
inboxes, lists, documents and histories show what a working week leaves.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from engine.calendar import to_local
from engine.clock import ManualClock, SystemClock
from engine.errors import MotcuaError
from engine.lifecycle.scenario_format import ENDINGS
from engine.services.context import Context
from engine.services.desk import apology, tasks, withdrawal
from engine.services.desk.supplement import deliver_supplement
from engine.services.flow import dossiers, intake
from engine.services.org.auth import Caller, authenticate
from engine.services.views import DossierView
from engine.settings import Settings
from engine.wiring import build_context

ROOT = Path(__file__).resolve().parents[1]
PROVINCE = "DEMO"


@dataclass
class Plan:
    """One dossier: its scenario, when it is received, how many of its steps are taken (all:
    None) and how many working hours apart, and what is done after them."""

    process_key: str
    scenario: dict[str, Any]
    received: datetime
    steps: int | None
    gap_hours: float
    then: str | None = None  # "withdraw" or "apologise"
    unit: str | None = None  # the receiving unit (None: the client's)
    done: list[str] = field(default_factory=list)


def populate_week(settings: Settings, tokens: dict[tuple[str | None, str | None], str],
                  client_token: str, *, seed: int = 2026, days: int = 7,
                  now: datetime | None = None,
                  receiving: dict[str, list[str]] | None = None) -> int:
    """Make the week's dossiers unless the demo province already has dossiers; returns how
    many it made. `tokens` maps (unit, position) to an officer's token; the week ends `now`
    (the present unless told); `receiving` names, per process, the units that take turns
    receiving its dossiers (regardless of territory; left out: the client's unit)."""
    now = now or SystemClock().now()
    clock = ManualClock(now - timedelta(days=days))
    ctx = build_context(settings, clock)
    try:
        with ctx.uow(readonly=True) as uow:
            if uow.repo.count_dossiers(PROVINCE):
                return 0
        callers = {key: authenticate(ctx, token) for key, token in tokens.items()}
        client = authenticate(ctx, client_token)
        plans = _plans(random.Random(seed), clock.now(), days, receiving or {})
        made = _run(ctx, clock, plans, callers, client, now)
        clock.set(now)
        _wake_due(ctx)
        return made
    finally:
        ctx.db_engine.dispose()


def _plans(rng: random.Random, start: datetime, days: int,
           receiving: dict[str, list[str]]) -> list[Plan]:
    plans: list[Plan] = []
    for scenarios in sorted(ROOT.glob("processes/*.scenarios.json")):
        key = scenarios.name.removesuffix(".scenarios.json")
        cases = json.loads(scenarios.read_text(encoding="utf-8"))
        for n in range(14):
            scenario = cases[n % len(cases)]
            # Working mornings and afternoons over the week, the latest today.
            day = start + timedelta(days=days * n / 14)
            local = to_local(day)
            if local.weekday() >= 5:  # received on the Friday before
                local -= timedelta(days=local.weekday() - 4)
            received = local.replace(hour=rng.choice((8, 9, 10, 14, 15)),
                                     minute=rng.choice((0, 15, 30, 45)))
            steps = len(scenario["steps"])
            # Older dossiers have gone further; a few stop early to wait in each inbox.
            taken = None if n < 6 else rng.randint(0, max(steps - 1, 0))
            then = "withdraw" if n == 7 else "apologise" if n in (9, 11) else None
            # The first ones finish early, on time or late; the rest move at any pace.
            gap = (2.0, 8.0, 14.0, 20.0, 26.0, 4.0)[n] if n < 6 else \
                rng.choice((2.0, 6.0, 12.0, 24.0, 40.0))
            units: list[str | None] = [*receiving.get(key, [])] or [None]
            plans.append(Plan(key, scenario, received, taken, gap, then,
                              unit=units[n % len(units)]))
    return plans


def _run(ctx: Context, clock: ManualClock, plans: list[Plan],
         callers: dict[tuple[str | None, str | None], Caller], client: Caller,
         now: datetime) -> int:
    """Play every plan's actions in the order of their instants, up to `now`."""
    actions: list[tuple[datetime, int, Callable[[], None]]] = []
    codes: dict[int, str] = {}
    for index, plan in enumerate(plans):
        if plan.received > now:
            continue
        actions.append((plan.received, index, _intake(ctx, plan, client, codes, index)))
        count = len(plan.scenario["steps"]) if plan.steps is None else plan.steps
        at = plan.received
        for step_number in range(count):
            at = at + timedelta(hours=plan.gap_hours)
            if at > now:
                break
            actions.append((at, index, _step(ctx, plan, step_number, callers, client, codes,
                                             index)))
        if plan.then and at + timedelta(hours=1) <= now:
            actions.append((at + timedelta(hours=1), index,
                            _then(ctx, plan, callers, client, codes, index)))
    for at, _, action in sorted(actions, key=lambda a: (a[0], a[1])):
        clock.set(at)
        try:
            action()
        except MotcuaError as exc:  # a step the scenario's data no longer fits: keep going
            print(f"  demo week: {exc.code}: {exc.message}")
    return len(codes)


def _intake(ctx: Context, plan: Plan, client: Caller, codes: dict[int, str],
            index: int) -> Callable[[], None]:
    def act() -> None:
        applicant = dict(plan.scenario.get("applicant") or {})
        channel = applicant.pop("channel", None) or "online"
        view, _ = intake.start_dossier(ctx, client, process_key=plan.process_key,
                                       applicant=applicant, data=plan.scenario["data"],
                                       unit=plan.unit,
                                       channel=channel if channel in ("desk", "online", "post")
                                       else "online")
        codes[index] = view.dossier.code if isinstance(view, DossierView) else view.code
    return act


def _step(ctx: Context, plan: Plan, number: int, callers: dict[tuple[str | None, str | None],
          Caller], client: Caller, codes: dict[int, str], index: int) -> Callable[[], None]:
    def act() -> None:
        code = codes.get(index)
        if code is None:
            return
        step = plan.scenario["steps"][number]
        if ENDINGS.keys() & step:  # the scenario's last step: form 05
            _end(ctx, step, callers, client, code)
            return
        if "message" in step:
            if step["message"] == "supplement":
                deliver_supplement(ctx, client, code, documents=step["data"].get(
                    "documents", []), note=step["data"].get("note"), channel="online",
                    message_id=f"demo-{code}-{number}")
            else:
                dossiers.deliver_message(ctx, client, code, step["message"], step["data"],
                                         f"demo-{code}-{number}")
            return
        view = dossiers.get_dossier(ctx, client, code)
        task = next((t for t in view.open_tasks if t.element_id == step["task"]), None)
        if task is None:
            return
        officer = callers.get((task.unit, task.position))
        if officer is not None:
            tasks.complete_task(ctx, officer, task.id, step["data"])
    return act


def _end(ctx: Context, step: dict[str, Any], callers: dict[tuple[str | None, str | None],
         Caller], client: Caller, code: str) -> None:
    """The applicant withdraws through the client, or the receiving desk stops processing."""
    if "withdraw" in step:
        withdrawal.end_dossier(ctx, client, code, kind="withdrawn", reason=step["withdraw"])
        return
    unit = dossiers.get_dossier(ctx, client, code).dossier.unit
    officer = callers.get((unit, "reception"))
    if officer is not None:
        withdrawal.end_dossier(ctx, officer, code, kind="stopped", reason=step["stop"])


def _then(ctx: Context, plan: Plan, callers: dict[tuple[str | None, str | None], Caller],
          client: Caller, codes: dict[int, str], index: int) -> Callable[[], None]:
    def act() -> None:
        code = codes.get(index)
        if code is None:
            return
        view = dossiers.get_dossier(ctx, client, code)
        if view.dossier.status != "in_process":
            return
        if plan.then == "withdraw":
            withdrawal.end_dossier(ctx, client, code, kind="withdrawn",
                                   reason="Công dân có đơn xin rút hồ sơ")
        elif plan.then == "apologise" and view.dossier.due_at is not None:
            officer = callers.get((view.dossier.unit, "reception"))
            if officer is not None:
                apology.apologize(ctx, officer, code, reason="Hồ sơ cần xác minh thêm",
                                  new_appointment=view.dossier.due_at + timedelta(days=3))
    return act


def _wake_due(ctx: Context) -> None:
    """Fire what came due while the week was played (timers, approaching, overdue)."""
    with ctx.uow(readonly=True) as uow:
        due = list(uow.repo.due_dossier_ids(ctx.clock.now(), 10_000))
    for dossier_id in due:
        dossiers.wake(ctx, dossier_id)
