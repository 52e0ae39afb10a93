"""Real in-memory BPMN runs through the sandboxed script engine."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.sandbox import SandboxViolation, make_script_engine

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="pid" isExecutable="true">
    <bpmn:startEvent id="begin"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="f_reject">
      <bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f_approve</bpmn:outgoing><bpmn:outgoing>f_reject</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f1" sourceRef="begin" targetRef="compute"/>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="gw"/>
    <bpmn:sequenceFlow id="f_approve" sourceRef="gw" targetRef="approved">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">decision == "approve"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_reject" sourceRef="gw" targetRef="rejected"/>
    <bpmn:endEvent id="approved"><bpmn:incoming>f_approve</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="rejected"><bpmn:incoming>f_reject</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def _workflow(script: str, engine: PythonScriptEngine, **data: Any) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(BPMN.replace("{script}", script).encode(), "t.bpmn")
    wf = BpmnWorkflow(parser.get_spec("pid"), parser.get_subprocess_specs("pid"),
                      script_engine=engine)
    wf.get_tasks(state=TaskState.READY)[0].set_data(**data)
    return wf


def _path(wf: BpmnWorkflow) -> set[str]:
    return {t.task_spec.name for t in wf.get_tasks(state=TaskState.COMPLETED)}


def _serialize(wf: BpmnWorkflow) -> str:
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    return str(serializer.serialize_json(wf))


@pytest.mark.parametrize(("decision", "end"), [("approve", "approved"), ("reject", "rejected")])
def test_script_sets_data_and_condition_picks_path(decision: str, end: str) -> None:
    wf = _workflow("total = fee * 2", make_script_engine(), fee=150, decision=decision)
    wf.do_engine_steps()
    assert wf.is_completed()
    assert wf.data["total"] == 300
    assert end in _path(wf)
    assert ({"approved", "rejected"} - {end}).isdisjoint(_path(wf))


def test_helper_is_callable_and_not_leaked_into_task_data() -> None:
    def working_days(n: int) -> int:
        return n + 2

    engine = make_script_engine(helpers={"working_days": working_days})
    script = "import math\ndue = working_days(fee)\nroot = math.sqrt(16)\nd = datetime(2024, 1, 1, 8)"
    wf = _workflow(script, engine, fee=5, decision="approve")
    wf.do_engine_steps()
    assert wf.is_completed()
    assert wf.data["due"] == 7 and wf.data["root"] == 4.0
    for leaked in ("working_days", "math", "date", "__builtins__", "_getattr_", "_print"):
        assert leaked not in wf.data
    json.loads(_serialize(wf))


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    return seen


def test_infinite_loop_is_stopped_and_workflow_stays_serializable() -> None:
    wf = _workflow("while True:\n    total = 1", make_script_engine(time_limit=0.3),
                   fee=1, decision="approve")
    with pytest.raises(WorkflowTaskException) as info:
        wf.do_engine_steps()
    chain = _chain(info.value)
    assert any(isinstance(e, SandboxViolation) for e in chain)
    assert any("exceeded 0.3 s" in str(e) for e in chain)
    [task] = [t for t in wf.get_tasks() if t.task_spec.name == "compute"]
    assert task.state == TaskState.ERROR
    state = json.loads(_serialize(wf))
    assert state
    assert "__builtins__" not in task.data


def test_refused_script_fails_the_task_with_the_violation() -> None:
    wf = _workflow("import datetime\nx = datetime.sys", make_script_engine(),
                   fee=1, decision="approve")
    with pytest.raises(WorkflowTaskException) as info:
        wf.do_engine_steps()
    assert any(isinstance(e, SandboxViolation) and "datetime.sys" in str(e)
               for e in _chain(info.value))


def test_condition_runs_in_the_sandbox() -> None:
    calls: list[str] = []
    engine = make_script_engine()
    original: Callable[..., Any] = engine.environment.evaluate

    def spy(expression: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(expression)
        return original(expression, *args, **kwargs)

    engine.environment.evaluate = spy  # type: ignore[method-assign]
    wf = _workflow("total = fee", engine, fee=1, decision="approve")
    wf.do_engine_steps()
    assert 'decision == "approve"' in calls
