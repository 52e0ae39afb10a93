"""Diagrams of a chosen size and shape, built as text: chains, parallel forks, nesting, loops.

Used by the bounds and time-budget tests and by bench/bench_diagram_size.py.
"""
from __future__ import annotations


def chain(n: int, key: str = "chain") -> bytes:
    """start -> n script tasks in a row -> end (n + 2 flow nodes)."""
    body = '<bpmn:startEvent id="start"/>'
    prev = "start"
    for i in range(n):
        body += (f'<bpmn:scriptTask id="t{i}"><bpmn:script>x = {i}</bpmn:script>'
                 f'</bpmn:scriptTask><bpmn:sequenceFlow id="f{i}" sourceRef="{prev}" '
                 f'targetRef="t{i}"/>')
        prev = f"t{i}"
    body += f'<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="fe" sourceRef="{prev}" targetRef="end"/>'
    return process(key, body)


def parallel(n: int, key: str = "parallel") -> bytes:
    """start -> a parallel gateway forking into n script tasks -> a join -> end."""
    tasks = "".join(f'<bpmn:scriptTask id="s{i}"><bpmn:script>x = {i}</bpmn:script>'
                    f'</bpmn:scriptTask><bpmn:sequenceFlow id="a{i}" sourceRef="split" '
                    f'targetRef="s{i}"/><bpmn:sequenceFlow id="b{i}" sourceRef="s{i}" '
                    f'targetRef="join"/>' for i in range(n))
    return process(key, '<bpmn:startEvent id="start"/><bpmn:parallelGateway id="split"/>'
                        '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split"/>'
                        + tasks + '<bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>'
                        '<bpmn:sequenceFlow id="fz" sourceRef="join" targetRef="end"/>')


def nested(depth: int, key: str = "nested") -> bytes:
    """Sub-processes `depth` levels deep, the innermost `sub{depth}`, each start -> end."""
    inner = ""
    for level in range(depth, 0, -1):
        content = (f'<bpmn:startEvent id="s{level}"/>{inner}<bpmn:endEvent id="e{level}"/>')
        if inner:
            content += (f'<bpmn:sequenceFlow id="i{level}" sourceRef="s{level}" '
                        f'targetRef="sub{level + 1}"/><bpmn:sequenceFlow id="o{level}" '
                        f'sourceRef="sub{level + 1}" targetRef="e{level}"/>')
        else:
            content += f'<bpmn:sequenceFlow id="i{level}" sourceRef="s{level}" targetRef="e{level}"/>'
        inner = f'<bpmn:subProcess id="sub{level}">{content}</bpmn:subProcess>'
    return process(key, f'<bpmn:startEvent id="start"/>{inner}<bpmn:endEvent id="end"/>'
                        '<bpmn:sequenceFlow id="a" sourceRef="start" targetRef="sub1"/>'
                        '<bpmn:sequenceFlow id="b" sourceRef="sub1" targetRef="end"/>')


def script_loop(key: str = "script_loop", *, first: str | None = None) -> bytes:
    """A loop of cheap script tasks driven by a gateway, `rounds` times (task data, given at
    intake or by the user task's data), then an end; `first`: "receive" for a user task
    before the loop, "wait" for a one-hour timer."""
    body = '<bpmn:startEvent id="start"/>'
    if first == "receive":
        body += '<bpmn:userTask id="receive" name="Receive"/>'
    elif first == "wait":
        body += ('<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
                 '<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>'
                 '</bpmn:intermediateCatchEvent>')
    if first:
        body += f'<bpmn:sequenceFlow id="f_first" sourceRef="start" targetRef="{first}"/>'
    first = first or "start"
    body += (f'<bpmn:sequenceFlow id="f_init" sourceRef="{first}" targetRef="init"/>'
             '<bpmn:scriptTask id="init"><bpmn:script>n = 0</bpmn:script></bpmn:scriptTask>'
             '<bpmn:sequenceFlow id="f_merge" sourceRef="init" targetRef="merge"/>'
             '<bpmn:exclusiveGateway id="merge"/>'
             '<bpmn:sequenceFlow id="f_step" sourceRef="merge" targetRef="step"/>'
             '<bpmn:scriptTask id="step"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>'
             '<bpmn:sequenceFlow id="f_test" sourceRef="step" targetRef="more"/>'
             '<bpmn:exclusiveGateway id="more" default="f_done"/>'
             '<bpmn:sequenceFlow id="f_again" sourceRef="more" targetRef="merge">'
             '<bpmn:conditionExpression>n &lt; rounds</bpmn:conditionExpression>'
             '</bpmn:sequenceFlow>'
             '<bpmn:sequenceFlow id="f_done" sourceRef="more" targetRef="end"/>'
             '<bpmn:endEvent id="end"/>')
    return process(key, body)


def process(key: str, body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn='
            '"http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
            f'<bpmn:process id="{key}" isExecutable="true">{body}</bpmn:process>'
            '</bpmn:definitions>').encode()
