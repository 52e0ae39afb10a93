"""Timers read the injected clock; working-time timers count on the calendar."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from engine.calendar import national_calendar
from engine.runtime import Instance
from engine.services.catalog_cache import compile_process

DATA = Path(__file__).parent / "data"
VN = timezone(timedelta(hours=7))


def _compiled(name: str):
    return compile_process((DATA / name).read_bytes(), {})


def _roundtrip(inst: Instance, compiled, now: datetime) -> Instance:
    state = json.loads(json.dumps(inst.dump()))
    return Instance.load(state, compiled.spec, compiled.subprocess_specs, None, now=now,
                         calendar=national_calendar())


def test_working_time_boundary_timer_skips_weekend() -> None:
    c = _compiled("working_timer.bpmn")
    friday = datetime(2026, 3, 6, 16, 30, tzinfo=VN)
    inst = Instance.start(c.spec, c.subprocess_specs, None, {}, now=friday,
                          calendar=national_calendar())
    # 1 working day from Friday 16:30 is Monday 16:30, not Saturday 16:30.
    assert inst.next_timer() == datetime(2026, 3, 9, 16, 30, tzinfo=VN)

    saturday_evening = _roundtrip(inst, c, datetime(2026, 3, 7, 20, 0, tzinfo=VN))
    saturday_evening.fire_timers()
    assert saturday_evening.user_tasks() and not saturday_evening.finished

    monday = _roundtrip(saturday_evening, c, datetime(2026, 3, 9, 16, 31, tzinfo=VN))
    monday.fire_timers()
    assert monday.finished and monday.end_events() == ["escalated"]


def test_plain_duration_timer_counts_wall_clock() -> None:
    xml = (DATA / "working_timer.bpmn").read_bytes().replace(
        b'<spiffworkflow:property name="timerCalendar" value="working"/>', b"")
    c = compile_process(xml, {})
    friday = datetime(2026, 3, 6, 16, 30, tzinfo=VN)
    inst = Instance.start(c.spec, c.subprocess_specs, None, {}, now=friday,
                          calendar=national_calendar())
    assert inst.next_timer() == datetime(2026, 3, 7, 16, 30, tzinfo=VN)


def test_user_task_reports_its_step_budget() -> None:
    c = _compiled("working_timer.bpmn")
    inst = Instance.start(c.spec, c.subprocess_specs, None, {},
                          now=datetime(2026, 3, 6, 9, 0, tzinfo=VN))
    assert inst.user_tasks()[0].budget == "2 working_days"


def _started_with_timer_days(days: int, *, working: bool) -> Instance:
    """working_timer.bpmn with its timer computed from the data (`days`), started."""
    xml = (DATA / "working_timer.bpmn").read_bytes().replace(
        b"<bpmn:timeDuration>P1D</bpmn:timeDuration>",
        b'<bpmn:timeDuration>"P" + str(days) + "D"</bpmn:timeDuration>')
    if not working:
        xml = xml.replace(b'<spiffworkflow:property name="timerCalendar" value="working"/>', b"")
    c = compile_process(xml, {})
    return Instance.start(c.spec, c.subprocess_specs, None, {"days": days},
                          now=datetime(2026, 3, 6, 9, 0, tzinfo=VN),
                          calendar=national_calendar())


def test_timer_expression_beyond_datetime_stops_the_dossier_on_an_error() -> None:
    # Literal durations that long are refused at deploy; a computed one can only be caught
    # when it is computed, and then the dossier stops on a recorded error, intact.
    inst = _started_with_timer_days(99_999_999, working=False)
    assert inst.error and "out of range" in inst.error
    assert json.loads(json.dumps(inst.dump()))["workflow"]["tasks"]


def test_working_timer_longer_than_the_calendar_names_the_timer() -> None:
    inst = _started_with_timer_days(30_000, working=True)
    assert inst.error and "working-time timer" in inst.error
    assert "not enough working time ahead" in inst.error
    assert [s.element_id for s in inst.steps if s.outcome == "error"] == ["one_working_day"]
