"""Scenarios run on a candidate diagram, in memory, before it goes live.

Each scenario starts a dossier as intake would (its data with the applicant), then takes its
steps: a user task completed with data checked against the task's form, as completion checks
it; a message delivered (`supplement` lands in the data as `supplement`, as
`POST /dossiers/{code}/supplement` does); a wait, which moves the simulated clock on and
fires the timers due; or, last, the applicant's withdrawal or a stop of processing (form 05,
as `POST /dossiers/{code}/withdraw`: the process stays where it stands and the dossier ends).
Time is simulated on the statutory calendar: the run starts at the next
opening from the given instant, and whenever a step finds the process waiting only on timers,
the clock jumps to the next one and fires it. Nothing is stored.

Runs are bounded: every script and condition by the sandbox, every command by its time
budget, each scenario by a number of engine steps and all of them together by another. The
answer for each scenario is pass or fail, the path it took (element ids, in the order they
ran) and the first difference from what it expects.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.bpmn import CompiledProcess
from engine.calendar import next_opening
from engine.codes import LOCAL_TZ
from engine.errors import CommandTimeLimit, FormInvalid, FormReferenceRefused, StepLimit
from engine.forms import validate_form
from engine.lifecycle.scenario_format import ENDINGS, Scenario
from engine.runtime import Instance

# Timers a scenario may fire while waiting for one step (a cycle timer fires again and again).
MAX_TIMER_FIRINGS = 100


@dataclass(frozen=True)
class Budget:
    """Engine steps one scenario and all of them may take; seconds per command and for
    all of them."""

    steps_per_scenario: int = 1000
    steps_total: int = 10000
    command_seconds: float = 10.0
    total_seconds: float = 30.0


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    passed: bool
    path: list[str]
    difference: dict[str, Any] | None  # None when it passed
    steps: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "path": self.path,
                "difference": self.difference, "steps": self.steps}


class _Mismatch(Exception):
    """The first difference from what the scenario expects."""

    def __init__(self, at: str, message: str, **details: Any) -> None:
        super().__init__(message)
        # What the process holds may be more than JSON (a date a script made): as text.
        self.difference = json.loads(json.dumps({"at": at, "message": message, **details},
                                                default=str))


def run_scenarios(compiled: CompiledProcess, scenarios: list[Scenario], *, script_engine: Any,
                  calendar: Any, start: datetime, budget: Budget | None = None
                  ) -> list[ScenarioResult]:
    """Run every scenario on `compiled`, each on a fresh instance, in order."""
    budget = budget or Budget()
    left = budget.steps_total
    deadline = time.monotonic() + budget.total_seconds
    results = []
    for scenario in scenarios:
        spent = _spent(budget, left, deadline)
        if spent:
            results.append(ScenarioResult(scenario.name, False, [], {
                "at": "scenario", "message": f"not run: {spent}"}))
            continue
        limit = min(budget.steps_per_scenario, left)
        result = _Run(compiled, scenario, script_engine, calendar, deadline).run(
            start, limit, budget.command_seconds)
        if time.monotonic() >= deadline and not result.passed:
            result = replace(result, difference={**(result.difference or {}),
                                                 "message": f"stopped: {_spent(budget, 0, 0)}"})
        elif limit < budget.steps_per_scenario and result.steps > limit:
            result = replace(result, difference={**(result.difference or {}), "message": (
                f"stopped: the scenarios together took their whole budget of "
                f"{budget.steps_total} engine steps")})
        left -= max(result.steps, 1)
        results.append(result)
    return results


def _spent(budget: Budget, steps_left: int, deadline: float) -> str | None:
    """Why no more scenarios may run, if so."""
    if time.monotonic() >= deadline:
        return (f"the scenarios together ran for their whole {budget.total_seconds:g} s "
                "(MOTCUA_SCENARIOS_TIME_LIMIT)")
    if steps_left <= 0:
        return f"the scenarios together took their whole budget of {budget.steps_total} " \
               "engine steps"
    return None


class _Run:
    def __init__(self, compiled: CompiledProcess, scenario: Scenario, script_engine: Any,
                 calendar: Any, deadline: float) -> None:
        self.compiled = compiled
        self.scenario = scenario
        self.script_engine = script_engine
        self.calendar = calendar
        self.deadline = deadline
        self.command_seconds = 0.0
        self.instance: Instance | None = None
        self.ended: str | None = None  # "withdrawn" or "stopped" by a last step

    def run(self, start: datetime, step_limit: int, seconds: float) -> ScenarioResult:
        at = "data"
        self.command_seconds = seconds
        try:
            now = next_opening(self.calendar, start)
            self.instance = Instance.prepare(
                self.compiled.spec, self.compiled.subprocess_specs, self.script_engine,
                {**self.scenario.data, "applicant": self.scenario.applicant}, now=now,
                calendar=self.calendar, as_of=now.astimezone(LOCAL_TZ).date(),
                time_budget=self._seconds(), step_limit=step_limit)
            self.instance.run_from_start()
            self._stopped(at)
            for index, step in enumerate(self.scenario.steps):
                at = f"steps/{index}"
                self._take(at, step)
            at = "expect"
            self._check_end(self.scenario.expect)
        except _Mismatch as exc:
            return self._result(exc.difference)
        except (StepLimit, CommandTimeLimit) as exc:
            return self._result({"at": at, "message": exc.message})
        return self._result(None)

    def _result(self, difference: dict[str, Any] | None) -> ScenarioResult:
        steps = self.instance.steps if self.instance is not None else []
        return ScenarioResult(self.scenario.name, difference is None,
                              [s.element_id for s in steps], difference, len(steps))

    @property
    def _inst(self) -> Instance:
        assert self.instance is not None
        return self.instance

    def _id(self, element_id: str) -> str:
        """The id the specs use for an element the diagram named (reserved ids renamed)."""
        return self.compiled.renamed_ids.get(element_id, element_id)

    # -- steps ------------------------------------------------------------------------
    def _seconds(self) -> float:
        """The next command's time: its own budget, or what is left of all of them."""
        return max(min(self.command_seconds, self.deadline - time.monotonic()), 0.001)

    def _arm(self) -> None:
        self._inst.time_budget = self._seconds()

    def _take(self, at: str, step: dict[str, Any]) -> None:
        self._arm()
        ending = next((k for k in ENDINGS if k in step), None)
        if ending is not None:
            self._end(at, ENDINGS[ending])
        elif "wait" in step:
            self._wait(at, step["wait"])
        elif "message" in step:
            self._message(at, step["message"], step.get("data", {}))
        else:
            self._task(at, step["task"], step.get("data", {}))
        self._stopped(at)

    def _task(self, at: str, element_id: str, data: dict[str, Any]) -> None:
        wanted = self._id(element_id)
        ready = self._until(lambda: [t for t in self._inst.user_tasks()
                                     if t.element_id == wanted])
        if not ready:
            raise _Mismatch(at, f"{element_id} is not waiting for an officer; "
                                f"{self._waiting()}", expected=element_id,
                            actual=[t.element_id for t in self._inst.user_tasks()])
        task = ready[0]
        if task.form:
            try:
                validate_form(task.form, self.compiled.forms, data)
            except (FormInvalid, FormReferenceRefused) as exc:
                raise _Mismatch(f"{at}/data", f"the data does not satisfy form {task.form}",
                                errors=exc.errors) from None
        self._inst.complete(task.task_id, data)

    def _end(self, at: str, status: str) -> None:
        """Withdrawn or stopped where the process stands: a dossier already ended cannot be."""
        if self._inst.finished:
            raise _Mismatch(at, f"the process has ended: a finished dossier cannot be {status}",
                            expected="in_process", actual="finished")
        self.ended = status

    def _message(self, at: str, name: str, data: dict[str, Any]) -> None:
        if not self._until(lambda: name in self._inst.waiting_messages()):
            raise _Mismatch(at, f"the process is not waiting for message {name!r}; "
                                f"{self._waiting()}", expected=name,
                            actual=self._inst.waiting_messages())
        self._inst.deliver_message(name, {"supplement": data} if name == "supplement" else data)

    def _wait(self, at: str, duration: str) -> None:
        try:
            parsed = TimerEventDefinition.parse_iso_duration(duration)
            inst = self._inst
            assert inst.now is not None
            inst.now = inst.now + TimerEventDefinition.get_timedelta_from_start(parsed, inst.now)
        except (ValueError, TypeError, OverflowError, AssertionError):
            raise _Mismatch(f"{at}/wait", f"{duration!r} is not an ISO 8601 duration "
                                          "(such as PT4H or P2D)") from None
        for _ in range(MAX_TIMER_FIRINGS):
            due = self._inst.next_timer()
            if due is None or self._inst.now is None or due > self._inst.now:
                return
            self._arm()
            self._inst.fire_timers()
            self._stopped(at)

    def _until(self, found: Any) -> Any:
        """`found()`, after letting simulated time pass to each next timer while it is
        falsy and a timer waits."""
        answer = found()
        for _ in range(MAX_TIMER_FIRINGS):
            if answer:
                break
            due = self._inst.next_timer()
            if due is None:
                break
            self._inst.now = max(self._inst.now or due, due)
            self._arm()
            self._inst.fire_timers()
            self._stopped("timer")
            answer = found()
        return answer

    def _stopped(self, at: str) -> None:
        if self._inst.error:
            failed = [s.element_id for s in self._inst.steps if s.outcome == "error"]
            raise _Mismatch(at, f"the process stopped on an error: {self._inst.error}",
                            element=failed[-1] if failed else None)

    def _waiting(self) -> str:
        inst = self._inst
        if inst.finished:
            return "the process has ended"
        tasks = [t.element_id for t in inst.user_tasks()]
        messages = inst.waiting_messages()
        return "it waits for " + (", ".join(
            [*(f"task {t}" for t in tasks), *(f"message {m}" for m in messages)]) or "nothing")

    # -- the end --------------------------------------------------------------------------
    def _check_end(self, expect: dict[str, Any]) -> None:
        inst = self._inst
        if expect["finished"] and not inst.finished and self.ended is None:
            self._until(lambda: inst.finished)
        if inst.finished != expect["finished"]:
            raise _Mismatch("expect/finished", "the process has ended" if inst.finished
                            else f"the process has not ended: {self._waiting()}",
                            expected=expect["finished"], actual=inst.finished)
        if "end_event" in expect:
            ends = inst.end_events()
            if ends != [self._id(expect["end_event"])]:
                raise _Mismatch("expect/end_event", f"it ended at {', '.join(ends) or 'none'}",
                                expected=expect["end_event"], actual=ends)
        status = self.ended or ("finished" if inst.finished else "in_process")
        if expect.get("status", status) != status:
            raise _Mismatch("expect/status", f"the dossier is {status}",
                            expected=expect["status"], actual=status)
        data = inst.data
        for key, value in expect.get("data", {}).items():
            if key not in data:
                raise _Mismatch(f"expect/data/{key}", f"{key} is not set", expected=value)
            if data[key] != value:
                raise _Mismatch(f"expect/data/{key}", f"{key} is {data[key]!r}",
                                expected=value, actual=data[key])
        for key in expect.get("data_absent", []):
            if key in data:
                raise _Mismatch("expect/data_absent", f"{key} is set, to {data[key]!r}", key=key,
                                expected=None, actual=data[key])
