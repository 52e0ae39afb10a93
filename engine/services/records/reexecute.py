"""Re-executing a dossier's recorded history on the version it was started on.

The hash chain proves that the events were not altered; it cannot prove that they are what
the process would have done, since whoever can re-seal the chain can write any story. So the
recorded inputs are run again, in order, on a fresh instance of the dossier's deployed
version, on the recorded clock (each command at its event's `at`) and the dossier's calendar:

- `dossier.received` starts the instance with the received data and the applicant;
- `task.completed` completes the user task of that element (task ids differ in a re-run:
  a recorded task id is matched to the first waiting task of its element not matched yet);
- `message.received` and `dossier.supplemented` deliver the message;
- a `step.*` event no command explains is a wake-up: the timers due at its instant fire;
- `dossier.withdrawn`, `dossier.stopped` and `dossier.error` end or stop the dossier.

After each of them the steps the re-execution runs must be the `step.*` events recorded
next (element and outcome), a `dossier.finished` must be recorded exactly when it finishes,
at its end event, and where the record carries the digest of the state a command left
(`after` on its last step event, engine.runtime.digest) the data and the waiting elements
must give the same digest. Older records without digests are compared on what they have;
at the end the status and the data must be the dossier's. The statutory clock is followed
from its recorded events (a resumption's new due instant is computed again on the calendar),
which gives the due instants and timeliness of the dossier at any event (`Moment`).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine.calendar import add_working_hours, working_time_between
from engine.deadlines import Limit, add_limit, classify_finished, classify_open
from engine.errors import MotcuaError
from engine.runtime import Instance, Step
from engine.runtime.digest import data_digest
from engine.runtime.repair import patch_data

INSTANCE_INPUTS = ("dossier.received", "task.completed", "message.received",
                   "dossier.supplemented")
ENDINGS = {"dossier.withdrawn": "withdrawn", "dossier.stopped": "stopped"}
# Events that begin a command of their own (the others follow the command that wrote them).
COMMANDS = frozenset((*INSTANCE_INPUTS, *ENDINGS, "dossier.error", "dossier.apology",
                      "dossier.data_patched",
                      "task.claimed", "task.released", "task.assigned"))
STEPS = ("step.completed", "step.error")


class Diverged(Exception):
    """The re-execution and the record part at event `seq`: `code` names the kind of
    divergence for the pages to say in their language, `reason` says it in English."""

    def __init__(self, seq: int, code: str, reason: str, expected: str, found: str) -> None:
        super().__init__(f"event {seq}: {reason}")
        self.seq, self.code, self.reason = seq, code, reason
        self.expected, self.found = expected, found

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "code": self.code, "reason": self.reason,
                "expected": self.expected, "found": self.found}


@dataclass(frozen=True)
class Runtime:
    """What the re-execution runs on: the dossier's version, calendar and limits."""

    compiled: Any  # engine.bpmn.CompiledProcess
    version: int
    script_engine: Any
    calendar: Any
    received_day: date
    time_budget: float | None = None


class Reexecution:
    """Takes a dossier's events one by one (`take`), raising Diverged where the record and
    the re-execution part; `state` follows what the re-execution and the clock say."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.instance: Instance | None = None
        self.expected: deque[Step] = deque()  # steps run that the record must list next
        self.command_seq = 0
        self.command_at: datetime | None = None
        self.seq = 0
        self.at: datetime | None = None
        self.ids: dict[str, str] = {}  # recorded task id -> the re-run's task id
        self.ready_since: dict[str, datetime] = {}  # re-run task id -> when it was ready
        self.status = "in_process"
        self.clock = ClockState()
        self.steps_compared = 0
        self.digests_compared = 0

    # -- taking events ----------------------------------------------------------------
    def take(self, event: Any) -> None:
        kind = event.kind
        if kind in COMMANDS:
            self._unexplained(event, "the re-execution ran steps the record lacks")
            self.command_seq, self.command_at = event.seq, event.at
        self.seq, self.at = event.seq, event.at
        if kind == "dossier.received":
            self._start(event)
        elif kind == "task.completed":
            self._complete(event)
        elif kind in ("message.received", "dossier.supplemented"):
            self._deliver(event)
        elif kind in ENDINGS:
            self.status = ENDINGS[kind]
            self.clock.end(event.at)
        elif kind == "dossier.error":
            self.status = "error"
        elif kind in STEPS:
            self._step(event)
        elif kind == "dossier.finished":
            self._finished(event)
        elif kind == "dossier.data_patched":
            self._patch(event)
        elif kind == "dossier.apology":
            self.clock.new_appointment_at = _instant(event.payload.get("new_appointment"))
        elif kind.startswith(("clock.", "timeliness.")):
            self.clock.take(event, self.rt)

    def belongs(self, event: Any) -> bool:
        """Whether `event` was written by the command under way (one transaction: there is
        no moment between its events)."""
        if event.kind in COMMANDS or event.at != self.command_at:
            return False
        return event.kind not in STEPS or bool(self.expected)

    def end(self, status: str, stored_data: dict[str, Any] | None) -> None:
        """The record ends: nothing may be left unexplained, and the re-execution must end
        in the dossier's status with its stored data."""
        self._unexplained(None, "the re-execution ran steps the record lacks")
        if self.status != status:
            raise Diverged(self.seq, "other_status", "the re-execution ends in another status",
                           expected=status, found=self.status)
        if stored_data is not None and self.instance is not None:
            recorded, found = data_digest(stored_data), data_digest(self.instance.data)
            if recorded != found:
                raise Diverged(self.seq, "other_data", "the re-execution ends with other data "
                               "than the dossier's stored state", expected=recorded, found=found)

    # -- commands ---------------------------------------------------------------------
    def _start(self, event: Any) -> None:
        payload = event.payload
        if payload.get("version") not in (None, self.rt.version):
            raise Diverged(event.seq, "other_version",
                           "received on another version than the dossier's",
                           expected=f"version {payload.get('version')}",
                           found=f"version {self.rt.version}")
        data = {**(payload.get("data") or {}), "applicant": payload.get("applicant") or {}}
        compiled = self.rt.compiled
        self.instance = self._guard(event, lambda: Instance.start(
            compiled.spec, compiled.subprocess_specs, self.rt.script_engine, data,
            now=event.at, calendar=self.rt.calendar, as_of=self.rt.received_day,
            time_budget=self.rt.time_budget))
        self._ran(event.at)

    def _complete(self, event: Any) -> None:
        instance = self._running(event)
        ready = [t for t in instance.user_tasks() if t.element_id == event.element_id]
        task_id = self.ids.get(event.task_id)
        if task_id not in {t.task_id for t in ready}:
            taken = set(self.ids.values())
            free = [t for t in ready if t.task_id not in taken]
            if not free:
                raise Diverged(event.seq, "task_not_waiting", "the completed task is not "
                               "waiting in the re-execution",
                               expected=f"{event.element_id} waiting", found=_waiting(instance))
            task_id = self.ids[event.task_id] = free[0].task_id
        self._resume(event.at)
        data = event.payload.get("data") or {}
        self._guard(event, lambda: instance.complete(task_id, data))
        self._ran(event.at)

    def _deliver(self, event: Any) -> None:
        instance = self._running(event)
        self._resume(event.at)
        name, payload = event.payload.get("name"), event.payload.get("payload") or {}
        self._guard(event, lambda: instance.deliver_message(name, payload))
        self._ran(event.at)

    def _patch(self, event: Any) -> None:
        """A repair set keys of the data by hand (an incident's): set them again."""
        instance = self._running(event)
        changes = event.payload.get("changes") or {}
        patch_data(instance, {key: change.get("after") for key, change in changes.items()
                              if isinstance(change, dict)})

    def _wake(self, event: Any) -> None:
        """Timers fired at the event's instant (a wake-up records no event of its own)."""
        instance = self._running(event)
        self.command_seq, self.command_at = event.seq, event.at
        self._resume(event.at)
        self._guard(event, instance.fire_timers)
        self._ran(event.at)

    # -- comparing ----------------------------------------------------------------------
    def _step(self, event: Any) -> None:
        outcome = "error" if event.kind == "step.error" else "completed"
        if not self.expected and self.instance is not None and self.status == "in_process":
            self._wake(event)
        if not self.expected:
            raise Diverged(event.seq, "step_not_run", "a step the re-execution does not run",
                           expected="no step", found=f"{event.element_id} {outcome}")
        step = self.expected.popleft()
        if (step.element_id, step.outcome) != (event.element_id, outcome):
            raise Diverged(event.seq, "other_step", "the re-execution ran another step",
                           expected=f"{event.element_id} {outcome}",
                           found=f"{step.element_id} {step.outcome}")
        self.steps_compared += 1
        after = event.payload.get("after") if isinstance(event.payload, dict) else None
        if isinstance(after, dict) and self.instance is not None:
            self._compare_digest(event, after)

    def _compare_digest(self, event: Any, after: dict[str, Any]) -> None:
        assert self.instance is not None
        found = self.instance.digest()
        for part, what in (("data", "data"), ("waiting", "elements waiting")):
            if after.get(part) != found[part]:
                raise Diverged(self.command_seq, "other_outcome", f"re-executing it leaves "
                               f"other {what} than event {event.seq} recorded",
                               expected=_text(after.get(part)), found=_text(found[part]))
        self.digests_compared += 1

    def _finished(self, event: Any) -> None:
        instance = self.instance
        ends = instance.end_events() if instance is not None and instance.finished else []
        if not ends or ends[-1] != event.element_id:
            raise Diverged(event.seq, "not_finished", "the re-execution does not finish there",
                           expected=f"finished at {event.element_id}",
                           found=f"finished at {ends[-1]}" if ends else
                           (_waiting(instance) if instance is not None else "not started"))

    def _unexplained(self, event: Any, reason: str) -> None:
        if self.expected:
            seq = event.seq if event is not None else self.seq
            raise Diverged(seq, "steps_unrecorded", reason, expected=event.kind if event is not None
                           else "the end of the history",
                           found=", ".join(f"{s.element_id} {s.outcome}" for s in self.expected))

    # -- running ------------------------------------------------------------------------
    def _running(self, event: Any) -> Instance:
        if self.instance is None or self.status != "in_process":
            state = "not started" if self.instance is None else self.status
            raise Diverged(event.seq, "not_in_process", f"{event.kind} on a dossier the "
                           f"re-execution has {state}",
                           expected="in_process", found=self.status)
        return self.instance

    def _resume(self, at: datetime) -> None:
        assert self.instance is not None
        self.instance.resume(now=at, calendar=self.rt.calendar, as_of=self.rt.received_day,
                             time_budget=self.rt.time_budget)

    def _guard(self, event: Any, run: Any) -> Any:
        try:
            return run()
        except MotcuaError as exc:
            raise Diverged(event.seq, "refused", f"the re-execution refuses {event.kind}",
                           expected=f"{event.kind} accepted", found=exc.message) from None

    def _ran(self, at: datetime) -> None:
        instance = self.instance
        assert instance is not None
        self.expected.extend(instance.steps)
        instance.steps.clear()
        if instance.error:
            self.status = "error"
        elif instance.finished:
            self.status = "finished"
            self.clock.finished_at = at
        ready = {t.task_id for t in instance.user_tasks()} if not instance.finished else set()
        self.ready_since = {t: self.ready_since.get(t, at) for t in ready}


class ClockState:
    """The statutory clock as its recorded events set it (a resumption's due instant moved
    again on the calendar and checked against the one recorded)."""

    def __init__(self) -> None:
        self.due_at: datetime | None = None
        self.warn_at: datetime | None = None
        self.paused_since: datetime | None = None
        self.pause_count = 0
        self.timeliness: str | None = None
        self.new_appointment_at: datetime | None = None
        self.finished_at: datetime | None = None

    def take(self, event: Any, rt: Runtime) -> None:
        kind, payload = event.kind, event.payload
        if kind == "clock.started":
            self.due_at = _instant(payload.get("due_at"))
            self.warn_at = _instant(payload.get("warn_at"))
            started = _instant(payload.get("started_at")) or event.at
            if self.due_at is not None:
                self._check_due(event, rt, started)
                self.timeliness = classify_open(started, self.due_at, self.warn_at)
        elif kind == "clock.paused":
            self.paused_since = event.at
            if payload.get("supplement", True):  # events written before pauses had kinds
                self.pause_count = int(payload.get("pause_number") or self.pause_count + 1)
        elif kind == "clock.resumed" and self.paused_since is not None:
            paused = working_time_between(rt.calendar, self.paused_since, event.at,
                                          as_of=rt.received_day)
            if self.due_at is not None:
                self.due_at = add_working_hours(rt.calendar, self.due_at, paused,
                                                as_of=rt.received_day)
            if self.warn_at is not None:
                self.warn_at = add_working_hours(rt.calendar, self.warn_at, paused,
                                                 as_of=rt.received_day)
            self.paused_since = None
            recorded = _instant(payload.get("due_at"))
            if recorded != self.due_at:
                raise Diverged(event.seq, "other_due_after_pause",
                               "the paused time moves the due instant elsewhere",
                               expected=_text(payload.get("due_at")), found=_text(self.due_at))
        elif kind == "clock.stopped":
            found = classify_finished(event.at, self.due_at) if self.due_at else None
            if found is not None and found != payload.get("timeliness"):
                raise Diverged(event.seq, "other_timeliness",
                               "the dossier finished in another class",
                               expected=_text(payload.get("timeliness")), found=found)
            self.timeliness = payload.get("timeliness")
        elif kind.startswith("timeliness."):
            self.timeliness = kind.split(".", 1)[1]

    def _check_due(self, event: Any, rt: Runtime, started: datetime) -> None:
        """The recorded limit counted again from the recorded start on the calendar."""
        try:
            limit = Limit.from_dict(event.payload.get("limit"), "limit")
            found = add_limit(rt.calendar, started, limit, as_of=rt.received_day)
        except (MotcuaError, ValueError) as exc:
            raise Diverged(event.seq, "limit_uncountable",
                           "the recorded limit cannot be counted again",
                           expected=_text(event.payload.get("due_at")), found=str(exc)) from None
        if found != self.due_at:
            raise Diverged(event.seq, "other_due", "the limit counted on the calendar gives "
                           "another due instant", expected=_text(self.due_at), found=_text(found))

    def end(self, at: datetime) -> None:
        self.paused_since = None
        self.finished_at = at


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "nothing"
    return "nothing" if value is None else str(value)


def _waiting(instance: Instance) -> str:
    ids = [t.element_id for t in instance.user_tasks()] + instance.waiting_messages()
    return "waiting at " + (", ".join(ids) if ids else "nothing")
