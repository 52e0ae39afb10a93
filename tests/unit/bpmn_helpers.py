"""Small BPMN documents and helpers for the engine.bpmn tests."""

from __future__ import annotations

import json

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.bpmn import CompiledProcess, compile_bpmn
from engine.errors import BpmnInvalid


def check_code(source: str, mode: str) -> str | None:
    """Stand-in for the sandbox: Python's own compiler."""
    try:
        compile(source, "<bpmn>", mode)
    except SyntaxError as exc:
        return f"{exc.msg} (line {exc.lineno})"
    return None


HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'id="defs" targetNamespace="http://motcua.test">\n'
)
FORM = json.dumps(
    {"type": "object", "properties": {"approved": {"type": "boolean"}}, "required": ["approved"]}
).encode()


def process(body: str, *, pid: str = "cap_phep", extra: str = "", lanes: str = "") -> bytes:
    return (
        f'{HEAD}<bpmn:process id="{pid}" name="Cấp phép" isExecutable="true">{lanes}{body}'
        f"</bpmn:process>{extra}</bpmn:definitions>"
    ).encode()


def user_task(tid: str = "review", form: str = "review.json", props: str = "") -> str:
    return (
        f'<bpmn:userTask id="{tid}" name="Thẩm định"><bpmn:extensionElements>'
        "<spiffworkflow:properties>"
        f'<spiffworkflow:property name="formJsonSchemaFilename" value="{form}"/>{props}'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
    )


def flow(fid: str, src: str, dst: str, cond: str | None = None) -> str:
    inner = f"<bpmn:conditionExpression>{cond}</bpmn:conditionExpression>" if cond else ""
    attrs = f'id="{fid}" sourceRef="{src}" targetRef="{dst}"'
    return f"<bpmn:sequenceFlow {attrs}>{inner}</bpmn:sequenceFlow>"


VALID_BODY = (
    '<bpmn:startEvent id="start"/>'
    + user_task(props='<spiffworkflow:property name="position" value="chuyen_vien"/>')
    + '<bpmn:boundaryEvent id="late" attachedToRef="review" cancelActivity="true">'
    "<bpmn:timerEventDefinition><bpmn:timeDuration>  PT4H \n</bpmn:timeDuration>"
    "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    '<bpmn:exclusiveGateway id="decide" default="f_no"/>'
    '<bpmn:scriptTask id="issue" scriptFormat="python"><bpmn:script>result = "issued"</bpmn:script>'
    "</bpmn:scriptTask>"
    '<bpmn:endEvent id="done"/><bpmn:endEvent id="refused"/><bpmn:endEvent id="escalated"/>'
    + flow("f1", "start", "review")
    + flow("f2", "review", "decide")
    + flow("f_yes", "decide", "issue", "approved == True")
    + flow("f_no", "decide", "refused")
    + flow("f3", "issue", "done")
    + flow("f_late", "late", "escalated")
)
LANES = (
    '<bpmn:laneSet id="ls"><bpmn:lane id="lane_cv" name="Chuyên viên">'
    "<bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
)


def compile_ok(xml: bytes, forms: dict[str, bytes] | None = None) -> CompiledProcess:
    return compile_bpmn(
        xml,
        forms={"review.json": FORM} if forms is None else forms,
        check_code=check_code,
        filename="cap_phep.bpmn",
    )


def errors_of(xml: bytes, forms: dict[str, bytes] | None = None, **kw: object) -> list[dict]:
    with pytest.raises(BpmnInvalid) as info:
        compile_bpmn(
            xml,
            forms={"review.json": FORM} if forms is None else forms,
            check_code=check_code,
            filename="cap_phep.bpmn",
            **kw,
        )  # type: ignore[arg-type]
    assert info.value.errors, "BpmnInvalid without errors"
    for error in info.value.errors:
        assert error["element"] and error["message"]
    return info.value.errors


def elements(errors: list[dict]) -> set[str]:
    return {e["element"] for e in errors}


def run_to_user_task(c: CompiledProcess) -> BpmnWorkflow:
    wf = BpmnWorkflow(c.spec, c.subprocess_specs)
    wf.do_engine_steps()
    return wf


def entity_payload(kind: str, *, secret_uri: str, dtd_uri: str, url: str,
                   declared: str = "UTF-16") -> str:
    """A BPMN document carrying a DOCTYPE of `kind`: an internal subset declaring external
    entities (a file, a URL) used in the text, or an external DTD (a file defining an
    entity used in the text, or a URL), declaring the encoding `declared`."""
    doctype = {
        "internal-subset": (f'<!DOCTYPE bpmn:definitions [\n<!ENTITY file SYSTEM "{secret_uri}">\n'
                            f'<!ENTITY net SYSTEM "{url}/entity">\n]>'),
        "external-dtd-file": f'<!DOCTYPE bpmn:definitions SYSTEM "{dtd_uri}">',
        "external-dtd-network": f'<!DOCTYPE bpmn:definitions SYSTEM "{url}/bpmn.dtd">',
    }[kind]
    text = {"internal-subset": "&file;&net;", "external-dtd-file": "&leak;",
            "external-dtd-network": "plain"}[kind]
    return (
        f'<?xml version="1.0" encoding="{declared}"?>\n'
        f"{doctype}\n"
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
        'targetNamespace="http://motcua.test">\n'
        '  <bpmn:process id="xxe" name="XXE" isExecutable="true">\n'
        f"    <bpmn:documentation>{text}</bpmn:documentation>\n"
        '    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>\n'
        '    <bpmn:endEvent id="end"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>\n'
        '    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"/>\n'
        "  </bpmn:process>\n"
        "</bpmn:definitions>\n"
    )


# How the entity tests encode a payload: name -> Python codec.
ENCODINGS = {"utf-16-bom": "utf-16", "utf-16le-no-bom": "utf-16-le",
             "utf-16be-no-bom": "utf-16-be"}
