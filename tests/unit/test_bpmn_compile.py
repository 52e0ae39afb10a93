"""engine.bpmn.compile_bpmn: valid diagrams run, invalid ones name the element at fault."""

from __future__ import annotations

import json

import pytest
from SpiffWorkflow.util.task import TaskState

from tests.unit.bpmn_helpers import (
    FORM,
    LANES,
    VALID_BODY,
    compile_ok,
    elements,
    errors_of,
    flow,
    process,
    run_to_user_task,
    user_task,
)

# --- valid diagrams ------------------------------------------------------------------------


def test_valid_process_compiles_and_runs() -> None:
    c = compile_ok(process(VALID_BODY, lanes=LANES))
    assert (c.key, c.name) == ("cap_phep", "Cấp phép")
    assert c.forms == {"review.json": json.loads(FORM)}
    [info] = c.user_tasks
    assert (info.element_id, info.lane, info.form, info.position) == (
        "review",
        "Chuyên viên",
        "review.json",
        "chuyen_vien",
    )
    assert b'"PT4H"' in c.normalized_xml

    wf = run_to_user_task(c)
    [task] = wf.get_tasks(state=TaskState.READY, manual=True)
    assert task.task_spec.bpmn_id == "review"
    [timer] = [e for e in wf.waiting_events() if e.event_type == "DurationTimerEventDefinition"]
    assert timer.value  # PT4H was evaluated: the due instant is known
    task.set_data(approved=True)
    task.run()
    wf.do_engine_steps()
    assert wf.is_completed()
    assert wf.data.get("result") == "issued"


def test_default_branch_of_gateway() -> None:
    wf = run_to_user_task(compile_ok(process(VALID_BODY)))
    [task] = wf.get_tasks(state=TaskState.READY, manual=True)
    task.set_data(approved=False)
    task.run()
    wf.do_engine_steps()
    assert wf.is_completed() and "result" not in wf.data


def test_position_falls_back_to_lane_and_camunda_form_key() -> None:
    body = VALID_BODY.replace(
        user_task(props='<spiffworkflow:property name="position" value="chuyen_vien"/>'),
        '<bpmn:userTask id="review" name="Thẩm định" camunda:formKey="review.json"/>',
    )
    c = compile_ok(process(body, lanes=LANES))
    [info] = c.user_tasks
    assert (info.form, info.position, info.lane) == ("review.json", "Chuyên viên", "Chuyên viên")
    # the runtime finds the form where SpiffArena puts it
    wf = run_to_user_task(c)
    [task] = wf.get_tasks(state=TaskState.READY, manual=True)
    assert task.task_spec.extensions["properties"]["formJsonSchemaFilename"] == "review.json"


def test_normalized_xml_compiles_to_the_same_result() -> None:
    first = compile_ok(
        process(
            VALID_BODY.replace('id="start"', 'id="Start"').replace('"start"', '"Start"'),
            lanes=LANES,
        )
    )
    again = compile_ok(first.normalized_xml)
    assert again.key == first.key
    assert again.user_tasks == first.user_tasks
    assert again.renamed_ids == first.renamed_ids == {"Start": "Start_1"}
    assert again.normalized_xml == first.normalized_xml


@pytest.mark.parametrize("reserved", ["Start", "End"])
def test_reserved_ids_are_renamed_and_still_run(reserved: str) -> None:
    body = (
        f'<bpmn:startEvent id="{reserved}"/>'
        + user_task()
        + '<bpmn:endEvent id="fin"/>'
        + flow("f1", reserved, "review")
        + flow("f2", "review", "fin")
    )
    if reserved == "End":
        body = (
            body.replace('id="fin"', 'id="End"')
            .replace('"fin"', '"End"')
            .replace('<bpmn:startEvent id="End"/>', '<bpmn:startEvent id="s"/>')
            .replace('sourceRef="End" targetRef="review"', 'sourceRef="s" targetRef="review"')
        )
    c = compile_ok(process(body))
    assert c.renamed_ids == {reserved: f"{reserved}_1"}
    wf = run_to_user_task(c)
    [task] = wf.get_tasks(state=TaskState.READY, manual=True)
    task.set_data(approved=True)
    task.run()
    wf.do_engine_steps()
    assert wf.is_completed()


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("timeDuration", "P7D", '"P7D"'),
        ("timeCycle", " R3/P1D ", '"R3/P1D"'),
        ("timeDate", "2026-03-01T08:00:00+07:00", '"2026-03-01T08:00:00+07:00"'),
        ("timeDuration", '"PT4H"', '"PT4H"'),
        ("timeDuration", '"P" + str(days) + "D"', '"P" + str(days) + "D"'),
        ("timeDate", "han_xu_ly(ngay_nhan, 15)", "han_xu_ly(ngay_nhan, 15)"),
    ],
)
def test_timer_values_are_normalised(kind: str, raw: str, stored: str) -> None:
    c = compile_ok(process(timer_body(kind, raw)))
    assert f"<bpmn:{kind}>{stored}</bpmn:{kind}>".encode() in c.normalized_xml.replace(
        b"&quot;", b'"'
    )


def timer_body(kind: str, value: str) -> str:
    value = value.replace('"', "&quot;")
    return (
        '<bpmn:startEvent id="s"/>'
        f'<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
        f"<bpmn:{kind}>{value}</bpmn:{kind}></bpmn:timerEventDefinition>"
        '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>'
        + flow("f1", "s", "wait")
        + flow("f2", "wait", "e")
    )


# --- invalid diagrams: one element each ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("timeDuration", "P7X"),
        ("timeDuration", "7 ngày"),
        ("timeCycle", "R3/P1Q"),
        ("timeDate", "2026-13-01T08:00:00+07:00"),
        ("timeDate", "2026-03-01T08:00:00"),
        ("timeDate", "P7D"),
        ("timeDuration", ""),
        ("timeDuration", '"bảy ngày"'),
        # Valid ISO, but the date arithmetic at run time would overflow.
        ("timeDuration", "P99999999D"),
        ("timeDuration", "PT99999999999H"),
        ("timeDuration", "P999999Y"),
        ("timeCycle", "R3/P9999999D"),
    ],
)
def test_bad_timer_names_the_event(kind: str, value: str) -> None:
    assert elements(errors_of(process(timer_body(kind, value)))) == {"wait"}


def budget_body(budget: str) -> str:
    prop = f'<spiffworkflow:property name="stepBudget" value="{budget}"/>'
    return ('<bpmn:startEvent id="start"/>' + user_task(props=prop) + '<bpmn:endEvent id="e"/>'
            + flow("f1", "start", "review") + flow("f2", "review", "e"))


@pytest.mark.parametrize("budget", ["2 working_days", "PT4H", "P1M", "3 calendar_days", " "])
def test_step_budgets_as_designers_write_them_deploy(budget: str) -> None:
    compile_ok(process(budget_body(budget)))


@pytest.mark.parametrize(("budget", "reason"), [
    ("soon", "is not '<number> <unit>'"),
    ("2 fortnights", "one of working_days"),
    ("P99999999D", "at most"),
    ("99999999 working_days", "at most"),
    ("-1 working_days", "a positive number"),
])
def test_bad_step_budget_names_the_task(budget: str, reason: str) -> None:
    [error] = errors_of(process(budget_body(budget)))
    assert error["element"] == "review"
    assert "stepBudget" in error["message"] and reason in error["message"]


def test_no_executable_process() -> None:
    xml = process(VALID_BODY).replace(b'isExecutable="true"', b'isExecutable="false"')
    [error] = errors_of(xml)
    assert error["element"] == "cap_phep.bpmn" and "executable" in error["message"]


def test_several_top_level_processes_are_ambiguous() -> None:
    other = '<bpmn:process id="other" isExecutable="true"><bpmn:startEvent id="s2"/></bpmn:process>'
    [error] = errors_of(process(VALID_BODY, extra=other))
    assert error["element"] == "cap_phep.bpmn" and "other" in error["message"]


def test_called_process_is_not_a_candidate() -> None:
    called = (
        '<bpmn:process id="sub" isExecutable="true"><bpmn:startEvent id="s2"/>'
        '<bpmn:endEvent id="e2"/>' + flow("g1", "s2", "e2") + "</bpmn:process>"
    )
    body = VALID_BODY.replace(
        '<bpmn:scriptTask id="issue" scriptFormat="python"><bpmn:script>result = "issued"'
        "</bpmn:script></bpmn:scriptTask>",
        '<bpmn:callActivity id="issue" calledElement="sub"/>',
    )
    c = compile_ok(process(body, extra=called))
    assert c.key == "cap_phep" and set(c.subprocess_specs) == {"sub"}


def test_call_activity_to_missing_process() -> None:
    body = VALID_BODY.replace(
        '<bpmn:scriptTask id="issue" scriptFormat="python"><bpmn:script>result = "issued"'
        "</bpmn:script></bpmn:scriptTask>",
        '<bpmn:callActivity id="issue" calledElement="nowhere"/>',
    )
    assert elements(errors_of(process(body))) == {"issue"}


def test_missing_form_names_the_user_task() -> None:
    assert elements(errors_of(process(VALID_BODY), forms={})) == {"review"}


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (b"{not json", "line 1"),
        (b"[1, 2]", "object"),
        (
            json.dumps({"type": "object", "properties": {"a": {"type": "strin"}}}).encode(),
            "/properties/a/type",
        ),
        # Deeper than jsonschema's recursive checks (or Python's own JSON parser) can go.
        (b'{"items": ' * 70 + b"{}" + b"}" * 70, "nests more than 64 levels deep at /items"),
        (b'{"items": ' * 5000 + b"{}" + b"}" * 5000, "nests more than 64 levels deep"),
    ],
)
def test_invalid_form_names_the_file(raw: bytes, needle: str) -> None:
    [error] = errors_of(process(VALID_BODY), forms={"review.json": raw})
    assert error["element"] == "review.json" and needle in error["message"]


def test_bad_condition_and_script_name_their_elements() -> None:
    body = VALID_BODY.replace("approved == True", "approved ==").replace(
        'result = "issued"', "def broken("
    )
    assert elements(errors_of(process(body))) == {"f_yes", "issue"}


def test_all_problems_are_reported_together() -> None:
    body = (
        VALID_BODY.replace("approved == True", "approved ==")
        .replace('result = "issued"', "def broken(")
        .replace("PT4H", "PT4X")
    )
    assert elements(errors_of(process(body), forms={})) == {"f_yes", "issue", "late", "review"}


def test_unconditioned_gateway_flow() -> None:
    body = VALID_BODY.replace(
        flow("f_yes", "decide", "issue", "approved == True"), flow("f_yes", "decide", "issue")
    )
    assert elements(errors_of(process(body))) == {"f_yes"}


def test_unreachable_task_and_dead_end_gateway() -> None:
    body = (
        VALID_BODY
        + '<bpmn:task id="orphan"/><bpmn:parallelGateway id="nowhere"/>'
        + flow("f9", "orphan", "nowhere")
    )
    assert elements(errors_of(process(body))) == {"orphan", "nowhere"}


def test_task_with_two_outgoing_flows() -> None:
    body = VALID_BODY + flow("f_extra", "issue", "refused")
    assert elements(errors_of(process(body))) == {"issue"}


@pytest.mark.parametrize(
    ("node", "element"),
    [('<bpmn:complexGateway id="cx"/>', "cx"), ('<bpmn:businessRuleTask id="dmn"/>', "dmn")],
)
def test_unsupported_types_name_the_element(node: str, element: str) -> None:
    body = (
        VALID_BODY.replace(
            flow("f3", "issue", "done"), flow("f3", "issue", element) + flow("f4", element, "done")
        )
        + node
    )
    errors = errors_of(process(body))
    assert element in elements(errors)


def test_spiffworkflow_parser_errors_are_translated() -> None:
    # A multi-instance task without cardinality passes our checks; SpiffWorkflow refuses it.
    body = VALID_BODY.replace(
        '<bpmn:scriptTask id="issue" scriptFormat="python">',
        '<bpmn:scriptTask id="issue" scriptFormat="python">'
        "<bpmn:multiInstanceLoopCharacteristics/>",
    )
    [error] = errors_of(process(body))
    assert error["element"] == "issue" and "cardinality" in error["message"]


def test_schema_errors_name_the_element() -> None:
    body = VALID_BODY.replace(
        '<bpmn:endEvent id="done"/>', '<bpmn:endEvent id="done" cancelActivity="maybe"/>'
    )
    assert "done" in elements(errors_of(process(body)))


# --- values longer than the store keeps them -----------------------------------------------


def test_lengths_match_the_store() -> None:
    from engine.bpmn import lengths
    from engine.store.models import Dossier, HistoryEvent, ProcessDefinition, Task
    from engine.store.models import max_length as size

    assert lengths.MAX_ID == size(ProcessDefinition.key) == size(Task.element_id) \
        == size(HistoryEvent.element_id) == size(Dossier.end_event) == size(Dossier.process_key)
    assert lengths.MAX_NAME == size(ProcessDefinition.name) == size(Task.name)
    assert lengths.MAX_POSITION == size(Task.position)
    assert lengths.MAX_FORM == size(Task.form)


def _long_body(tid: str = "review", name: str = "Thẩm định", props: str = "",
               end: str = "e") -> str:
    task = user_task(tid, props=props).replace('name="Thẩm định"', f'name="{name}"')
    return ('<bpmn:startEvent id="start"/>' + task + f'<bpmn:endEvent id="{end}"/>'
            + flow("f1", "start", tid) + flow("f2", tid, end))


LANE = ('<bpmn:laneSet id="ls"><bpmn:lane id="lane_cv" name="{}">'
        "<bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>")


@pytest.mark.parametrize(("xml", "element", "needle"), [
    (process(_long_body(tid="t" * 201)), "t" * 201, "id is 201 characters long; at most 200"),
    (process(_long_body(end="e" * 300)), "e" * 300, "id is 300 characters long"),
    (process(_long_body(), pid="p" * 201), "p" * 201, "id is 201 characters long"),
    (process(_long_body(name="n" * 501)), "review", "name is 501 characters long"),
    (process(_long_body()).replace('name="Cấp phép"'.encode(), b'name="' + b"N" * 600 + b'"'),
     "cap_phep", "name is 600 characters long; at most 500"),
    (process(_long_body(props='<spiffworkflow:property name="position" value="'
                                + "q" * 101 + '"/>')), "review", "position"),
    (process(_long_body(), lanes=LANE.format("L" * 150)), "review",
     "position (its property or its lane's name) is 150 characters long; at most 100"),
])
def test_values_longer_than_the_store_keeps_name_the_element(xml: bytes, element: str,
                                                             needle: str) -> None:
    errors = errors_of(xml)
    assert any(e["element"] == element and needle in e["message"] for e in errors), errors


def test_values_as_long_as_the_store_keeps_deploy() -> None:
    body = _long_body(tid="t" * 200, name="n" * 500,
                      props='<spiffworkflow:property name="position" value="' + "q" * 100
                            + '"/>')
    compile_ok(process(body, pid="p" * 200))


def test_form_file_name_longer_than_the_store_keeps_names_the_task() -> None:
    name = "r" * 250 + ".json"
    body = ('<bpmn:startEvent id="start"/>' + user_task(form=name) + '<bpmn:endEvent id="e"/>'
            + flow("f1", "start", "review") + flow("f2", "review", "e"))
    [error] = errors_of(process(body), forms={name: FORM})
    assert error == {"element": "review",
                     "message": "form file name is 255 characters long; at most 200"}
