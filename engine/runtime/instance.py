"""One dossier's workflow in memory: start it, complete user tasks, fire timers, take messages.

Every BPMN step that runs is reported as a `Step`, which the caller turns into history.
A failing script or condition does not escape as an exception: the failed task stays in
SpiffWorkflow's ERROR state and `Instance.error` says what happened, so the caller can store
the instance in a recorded error state instead of losing it.

The engine steps of one command (a start, a completion, a message, firing timers) run within
`time_budget` seconds: SpiffWorkflow rescans the task tree at every step, so a loop of cheap
scripts or a wide fork costs more with every step. Past the budget `CommandTimeLimit` is
raised between two steps; the instance is then half-stepped and must be thrown away, and the
caller's transaction rolls back, so nothing of the command is stored.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.errors import (
    CommandTimeLimit,
    InvalidInput,
    NotFound,
    StepLimit,
    TaskAlreadyCompleted,
    TaskNotReady,
)
from engine.runtime.digest import state_digest
from engine.runtime.properties import (
    flag,
    flags_of,
    properties,
)
from engine.runtime.reports import Step, UserTask, user_task
from engine.runtime.state import dump_state, load_state
from engine.runtime.timeshim import engine_time
from engine.runtime.working_timers import apply_working_timers

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_TICK = timedelta(microseconds=1)

# What stops a dossier on an error instead of failing the command: SpiffWorkflow's own
# errors, and a date computed at run time (a timer expression) beyond what datetime holds.
_ENGINE_ERRORS = (SpiffWorkflowException, OverflowError)


@dataclass
class Instance:
    """A live workflow plus what happened to it since it was loaded."""

    workflow: BpmnWorkflow
    steps: list[Step] = field(default_factory=list)
    error: str | None = None
    # The instant of the current command (timers compare with it) and the dossier's
    # calendar (for timers that count working time); None = wall clock, no calendar.
    now: datetime | None = None
    calendar: Any = None
    as_of: date | None = None
    # Ids of the user tasks waiting as the instance was loaded or last stored (the inbox
    # rows that exist for it); the store's caller updates it when it saves.
    initial_ready: frozenset[str] = frozenset()
    # Names of the messages it waited for then, likewise (a newly awaited one is an event).
    initial_messages: frozenset[str] = frozenset()
    # Seconds the engine steps of one command may take (None: no limit; see the module doc).
    time_budget: float | None = None
    # Engine steps this instance may take in all (None: no limit): a scenario's run.
    step_limit: int | None = None
    _deadline: float | None = field(default=None, repr=False)

    # -- creation ---------------------------------------------------------------------
    @classmethod
    def start(cls, spec: Any, subprocess_specs: dict[str, Any], script_engine: Any,
              data: dict[str, Any], *, now: datetime | None = None, calendar: Any = None,
              as_of: date | None = None, time_budget: float | None = None,
              step_limit: int | None = None) -> Instance:
        inst = cls.prepare(spec, subprocess_specs, script_engine, data, now=now,
                           calendar=calendar, as_of=as_of, time_budget=time_budget,
                           step_limit=step_limit)
        inst.run_from_start()
        return inst

    @classmethod
    def prepare(cls, spec: Any, subprocess_specs: dict[str, Any], script_engine: Any,
                data: dict[str, Any], *, now: datetime | None = None, calendar: Any = None,
                as_of: date | None = None, time_budget: float | None = None,
                step_limit: int | None = None) -> Instance:
        """A new instance holding `data`, not yet run (`run_from_start`): `start` in two
        halves, so that a caller keeps the instance even if its first steps are stopped."""
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        start = workflow.get_next_task(state=TaskState.READY)
        if start is not None:
            start.data.update(data)
        else:
            workflow.data.update(data)
        return cls(workflow, now=now, calendar=calendar, as_of=as_of, time_budget=time_budget,
                   step_limit=step_limit)

    def run_from_start(self) -> None:
        self._begin()
        self._run_engine()

    def run_on(self) -> None:
        """Run the engine after something outside a command changed the workflow (a move
        to another version, elements made ready again by a repair): the tasks it made ready
        run until the instance waits again."""
        self._begin()
        self._run_engine()

    @classmethod
    def load(cls, state: dict[str, Any], spec: Any, subprocess_specs: dict[str, Any],
             script_engine: Any, *, now: datetime | None = None, calendar: Any = None,
             as_of: date | None = None, time_budget: float | None = None) -> Instance:
        inst = cls(load_state(state, spec, subprocess_specs, script_engine), now=now,
                   calendar=calendar, as_of=as_of, time_budget=time_budget)
        inst.initial_ready = frozenset(t.task_id for t in inst.user_tasks())
        inst.initial_messages = frozenset(inst.waiting_messages())
        return inst

    def resume(self, *, now: datetime | None = None, calendar: Any = None,
               as_of: date | None = None, time_budget: float | None = None) -> Instance:
        """Make an instance kept in memory after its last command ready for the next one,
        as `load` would return it from the state that command stored (`initial_ready` and
        `initial_messages` were set when that command saved it)."""
        self.now, self.calendar, self.as_of = now, calendar, as_of
        self.time_budget = time_budget
        self.steps = []
        self.error = None
        return self

    def dump(self) -> dict[str, Any]:
        return dump_state(self.workflow)

    def digest(self) -> dict[str, Any]:
        """The compact digest of the state a command left (engine.runtime.digest)."""
        return state_digest(self.data, self.workflow)

    # -- queries ------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return bool(self.workflow.completed)

    @property
    def data(self) -> dict[str, Any]:
        """The dossier's current data: the workflow data, then the data of every task that
        ran or waits (parallel branches, sub-processes and called processes included), in the
        order their state last changed, so the latest value of each field wins."""
        merged = dict(self.workflow.data)
        # The order is the sort's: state-change instants are time.time() floats.
        wanted = ACTIVE | TaskState.COMPLETED
        seen = [t for t in self._all_tasks() if t.state & wanted]
        for task in sorted(seen, key=lambda t: t.last_state_change):
            merged.update(task.data)
        if not merged.get("data_objects"):
            merged.pop("data_objects", None)
        return merged

    @property
    def failed_step(self) -> Step | None:
        """The element that failed in this command, if the failure named one."""
        return next((s for s in reversed(self.steps) if s.outcome == "error"), None)

    def user_tasks(self) -> list[UserTask]:
        """The user tasks waiting for an officer, in the order their tasks were created (a
        scan of the task maps: SpiffWorkflow's tree iterator costs ten times as much)."""
        return [user_task(t) for t in self._all_tasks()
                if t.state == TaskState.READY and t.task_spec.manual]

    def _all_tasks(self) -> Iterator[Task]:
        """Every task of the workflow and of its running sub-processes, from their task maps
        (in creation order), without SpiffWorkflow's tree iterator."""
        for wf in (self.workflow, *self.workflow.subprocesses.values()):
            yield from wf.tasks.values()

    def end_events(self) -> list[str]:
        """Ids of the top-level end events reached, in the order they were reached."""
        ends = [t for t in self.workflow.get_tasks(state=TaskState.COMPLETED)
                if type(t.task_spec).__name__ == "EndEvent" and t.workflow is self.workflow]
        return [t.task_spec.bpmn_id for t in sorted(ends, key=lambda t: t.last_state_change)]

    def next_timer(self) -> datetime | None:
        """The earliest instant a waiting timer is due, if any (event-based gateways
        included: their timers wait inside a multiple event definition)."""
        due: list[datetime] = []
        for task in self.workflow.event_manager.tasks.values():
            definition = task.task_spec.event_definition
            inner = getattr(definition, "event_definitions", [definition])
            if not any(isinstance(d, TimerEventDefinition) for d in inner):
                continue
            value = task._get_internal_data("event_value")
            if isinstance(value, dict):  # a cycle timer keeps its next instant
                value = value.get("next") if value.get("cycles") != 0 else None
            if value:
                try:
                    due.append(TimerEventDefinition.get_datetime(value))
                except (ValueError, TypeError):
                    continue
        return min(due) if due else None

    def clock_start_reached(self) -> bool:
        """Whether the process has reached an element marked `startsClock` (the moment a
        complete dossier is accepted, when that is not the moment of intake)."""
        if "startsClock" not in flags_of(self.workflow):
            return False
        return any(flag(properties(t), "startsClock")
                   for wf in (self.workflow, *self.workflow.subprocesses.values())
                   for t in wf.get_tasks(state=ACTIVE | TaskState.COMPLETED))

    def pausing(self) -> list[tuple[str, str, bool]]:
        """(element id, reason, whether the pause is a supplement request: not when it waits
        for another message, e.g. a payment) of active elements marked as pausing the clock."""
        out: list[tuple[str, str, bool]] = []
        if "pausesClock" not in flags_of(self.workflow):
            return out
        for task in self.workflow.get_tasks(state=ACTIVE):
            props = properties(task)
            if flag(props, "pausesClock"):
                event = getattr(task.task_spec, "event_definition", None)
                other = isinstance(event, MessageEventDefinition) and event.name != "supplement"
                out.append((task.task_spec.bpmn_id, props.get("pauseReason")
                            or task.task_spec.bpmn_name or "paused", not other))
        return out

    def waiting_messages(self) -> list[str]:
        return sorted({d.name for _, d in self._message_catchers()})

    def _message_catchers(self, name: str | None = None) -> list[tuple[Task, Any]]:
        """(waiting task, its message definition), also inside multiple definitions
        (event-based gateways)."""
        out = []
        for task in self.workflow.event_manager.tasks.values():
            definition = task.task_spec.event_definition
            for inner in getattr(definition, "event_definitions", [definition]):
                if isinstance(inner, MessageEventDefinition) and name in (None, inner.name):
                    out.append((task, inner))
        return out

    # -- commands -----------------------------------------------------------------------
    def complete(self, task_id: str, data: dict[str, Any], *, check: Callable[[UserTask], None]
                 | None = None) -> UserTask:
        """Complete a READY user task with `data` (already validated), then run on."""
        task = self._task(task_id)
        if task.state in (TaskState.COMPLETED, TaskState.CANCELLED):
            raise TaskAlreadyCompleted(f"task {task_id} is already completed")
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"task {task_id} is not waiting for an officer")
        view = user_task(task)
        if check is not None:
            check(view)
        self._begin()
        task.set_data(**data)
        with self._time():
            self._run(task)
        self._record(task)
        self._run_engine()
        return view

    def fire_timers(self) -> None:
        """Fire the timers whose instant has come, then run on."""
        # SpiffWorkflow fires only timers strictly earlier than "now"; a timer due at this
        # very instant is due too, so look a microsecond ahead.
        ahead = engine_time(self.now + _TICK) if self.now is not None else nullcontext()
        self._begin()
        with ahead:
            self.workflow.refresh_timers()
        self._run_engine()

    def deliver_message(self, name: str, payload: dict[str, Any]) -> None:
        """Deliver a message the process is waiting for (`payload` joins the task data)."""
        catchers = self._message_catchers(name)
        if not catchers:
            raise InvalidInput(f"the dossier is not waiting for message '{name}'",
                               errors=[{"field": "name", "message": "no such waiting message"}])
        # The catching task's own definition: the serializer knows its (Spiff) type.
        definition = catchers[0][1]
        self._begin()
        with self._time():
            self.workflow.catch(BpmnEvent(definition, payload))
        if not getattr(definition, "message_var", None):
            # Without a spiffworkflow:messageVariable SpiffWorkflow drops the payload; an
            # integration client expects its fields in the dossier data, so merge them.
            for task, _ in catchers:
                task.data.update(payload)
        self._run_engine()

    # -- internals ----------------------------------------------------------------------
    def _task(self, task_id: str) -> Task:
        try:
            uid = UUID(task_id)
        except ValueError as exc:
            raise NotFound(f"no task {task_id}") from exc
        task = self.workflow.get_task_from_id(uid)
        if task is None:
            raise NotFound(f"no task {task_id}")
        return task

    def _run(self, task: Task) -> None:
        try:
            task.run()
        except _ENGINE_ERRORS as exc:
            self._fail(task, exc)

    def _time(self) -> AbstractContextManager[None]:
        return engine_time(self.now) if self.now is not None else nullcontext()

    def _run_engine(self) -> None:
        if self.error:
            return
        try:
            with self._time():
                self.workflow.do_engine_steps(will_complete_task=self._check_budget,
                                              did_complete_task=self._record)
                # Timers that count working time get their due instant re-set on the
                # calendar; it is never earlier than the wall-clock one just computed.
                if self.calendar is not None and apply_working_timers(
                        self.workflow, self.calendar, self.now, self.as_of):
                    self.workflow.refresh_timers()
        except _ENGINE_ERRORS as exc:
            failed = getattr(exc, "task", None)
            self._fail(failed, exc)

    def _begin(self) -> None:
        """A command starts: its engine steps have `time_budget` seconds from now."""
        self._deadline = (time.monotonic() + self.time_budget
                          if self.time_budget is not None else None)

    def _check_budget(self, task: Task | None = None) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise CommandTimeLimit(
                f"the engine steps of this command ran longer than {self.time_budget} s "
                "(MOTCUA_COMMAND_TIME_LIMIT) and were stopped; nothing of the command was "
                "stored", errors=[{"field": "process", "message": "the diagram ran too many "
                                   "steps for one command: look for a loop that does not end"}])

    def _record(self, task: Task) -> None:
        self._check_budget()
        spec = task.task_spec
        if spec.bpmn_id is None:  # engine-internal tasks (Start, End, Root)
            return
        self.steps.append(Step(spec.bpmn_id, type(spec).__name__, spec.bpmn_name, str(task.id)))
        if self.step_limit is not None and len(self.steps) > self.step_limit:
            raise StepLimit(f"the run took more than {self.step_limit} engine steps",
                            errors=[{"field": "process", "message": "look for a loop that "
                                     "does not end"}])

    def _fail(self, task: Task | None, exc: Exception) -> None:
        message = _describe(exc)
        self.error = message
        if task is not None and task.task_spec.bpmn_id is not None:
            self.steps.append(Step(task.task_spec.bpmn_id, type(task.task_spec).__name__,
                                   task.task_spec.bpmn_name, str(task.id), "error", message))


def _describe(exc: BaseException) -> str:
    parts = [str(exc)]
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(parts) < 4:
        text = str(cause)
        if text and text not in parts[-1]:
            parts.append(text)
        cause = cause.__cause__ or cause.__context__
    return ": ".join(parts)[:2000]
