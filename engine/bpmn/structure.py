"""Structural checks that SpiffWorkflow either skips or stops at the first failure of.

Run before SpiffWorkflow's parser so that a modeller sees every problem of this kind at
once, each attached to its element.
"""

from __future__ import annotations

from collections import Counter

from lxml import etree

from engine.bpmn.problems import Problems
from engine.bpmn.xml import is_bpmn, local_name, text_of, xpath

CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")
GATEWAYS = ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway")
FLOW_NODES = (
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "boundaryEvent", "task", "userTask", "manualTask", "scriptTask", "serviceTask",
    "sendTask", "receiveTask", "businessRuleTask", "callActivity", "complexGateway",
    *CONTAINERS[1:], *GATEWAYS,
)  # fmt: skip
# Element types this platform cannot execute, with the reason a modeller can act on.
UNSUPPORTED = {
    "complexGateway": "complex gateways are not supported; use exclusive, inclusive or "
    "parallel gateways",
    "businessRuleTask": "business rule tasks need a DMN decision, which this platform does "
    "not deploy; use a script task",
    "compensateEventDefinition": "compensation events are not supported",
    "linkEventDefinition": "link events are not supported; draw the sequence flow instead",
    "dataStore": "data stores are not supported (no implementation on this platform); "
    "remove the data store or use a data object",
}
# Flow nodes that SpiffWorkflow lets have several outgoing sequence flows.
_MULTI_OUTGOING = ("startEvent", *GATEWAYS, "complexGateway")


def executable_processes(root: etree._Element) -> list[etree._Element]:
    """The top-level processes SpiffWorkflow would run (isExecutable defaults to true)."""
    return [p for p in xpath(root, "./bpmn:process") if p.get("isExecutable", "true") == "true"]


def select_top_process(root: etree._Element, filename: str, problems: Problems) -> str | None:
    """The id of the one process to deploy: executable and not called by another one."""
    processes = xpath(root, "./bpmn:process")
    executable = executable_processes(root)
    if not executable:
        names = ", ".join(str(p.get("id")) for p in processes) or "none"
        problems.add(
            filename,
            f'no executable process (processes: {names}); set isExecutable="true" on the '
            "one to deploy",
        )
        return None
    called = {c.get("calledElement") for c in xpath(root, "//bpmn:callActivity")}
    candidates = [p for p in executable if p.get("id") not in called]
    if len(candidates) == 1:
        return str(candidates[0].get("id"))
    ids = ", ".join(str(p.get("id")) for p in (candidates or executable))
    problems.add(
        filename,
        f"cannot tell which process to deploy: {ids} are all executable and none calls the "
        'others; mark the others isExecutable="false"',
    )
    return None


def check_structure(root: etree._Element, problems: Problems) -> None:
    """Record every structural problem of the executable processes of `root`."""
    _check_duplicate_ids(root, problems)
    for store in xpath(root, "//bpmn:dataStore"):
        problems.add(store.get("id"), UNSUPPORTED["dataStore"])
    process_ids = {str(p.get("id")) for p in xpath(root, "./bpmn:process")}
    for process in executable_processes(root):
        for el in process.iter():
            name = local_name(el)
            if name in UNSUPPORTED and is_bpmn(el):
                target = el if name in FLOW_NODES else el.getparent()
                problems.add(target.get("id") if target is not None else None, UNSUPPORTED[name])
            if is_bpmn(el, *CONTAINERS):
                _check_container(el, problems)
            if is_bpmn(el, "callActivity"):
                _check_call_activity(el, process_ids, problems)


def _check_duplicate_ids(root: etree._Element, problems: Problems) -> None:
    counts = Counter(e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id"))
    for element_id, n in counts.items():
        if n > 1:
            problems.add(element_id, f"id is used by {n} elements; ids must be unique")


def _check_call_activity(el: etree._Element, process_ids: set[str], problems: Problems) -> None:
    called = (el.get("calledElement") or "").strip()
    if not called:
        problems.add(el.get("id"), "call activity has no calledElement")
    elif called not in process_ids:
        problems.add(
            el.get("id"), f"call activity calls process {called!r}, which is not in this file"
        )


def _check_container(container: etree._Element, problems: Problems) -> None:
    """Sequence flows, start/end events and gateways of one process or sub-process."""
    cid = container.get("id")
    nodes = {str(n.get("id")): n for n in container if is_bpmn(n, *FLOW_NODES) and n.get("id")}
    flows = [f for f in container if is_bpmn(f, "sequenceFlow")]
    incoming: Counter[str] = Counter()
    outgoing: dict[str, list[etree._Element]] = {}
    for flow in flows:
        src, dst = flow.get("sourceRef"), flow.get("targetRef")
        for end, ref in (("sourceRef", src), ("targetRef", dst)):
            if not ref:
                problems.add(flow.get("id"), f"sequence flow has no {end}")
            elif ref not in nodes:
                problems.add(flow.get("id"), f"sequence flow {end} {ref!r} is not a flow node here")
        if src and dst and src in nodes and dst in nodes:
            incoming[dst] += 1
            outgoing.setdefault(src, []).append(flow)

    ad_hoc = is_bpmn(container, "adHocSubProcess")
    starts = [n for n in nodes.values() if is_bpmn(n, "startEvent")]
    if not ad_hoc and not starts:
        problems.add(cid, "sub-process has no start event; model its content (a collapsed "
                     "sub-process is not executable)" if is_bpmn(container, *CONTAINERS[1:])
                     else "process has no start event")  # fmt: skip
    if not ad_hoc and is_bpmn(container, *CONTAINERS[1:]):
        if len(starts) > 1:
            problems.add(cid, f"sub-process has {len(starts)} start events; it needs one")
        if not any(is_bpmn(n, "endEvent") for n in nodes.values()):
            problems.add(cid, "sub-process has no end event")

    for node_id, node in nodes.items():
        kind = local_name(node)
        outs = outgoing.get(node_id, [])
        if len(outs) > 1 and kind not in _MULTI_OUTGOING:
            problems.add(
                node_id,
                f"{kind} has {len(outs)} outgoing sequence flows; draw an explicit parallel "
                "or exclusive gateway",
            )
        if ad_hoc or _starts_by_itself(node):
            continue
        if incoming[node_id] == 0:
            problems.add(node_id, f"{kind} has no incoming sequence flow: it can never run")
        if kind in GATEWAYS and not outs:
            problems.add(node_id, f"{kind} has no outgoing sequence flow")
        if kind in ("exclusiveGateway", "inclusiveGateway"):
            _check_gateway_flows(node, outs, problems)


def _starts_by_itself(node: etree._Element) -> bool:
    """Nodes legitimately without an incoming sequence flow."""
    return (
        is_bpmn(node, "startEvent", "boundaryEvent")
        or node.get("triggeredByEvent") == "true"
        or node.get("isForCompensation") == "true"
    )


def _check_gateway_flows(
    gateway: etree._Element, outs: list[etree._Element], problems: Problems
) -> None:
    default = gateway.get("default")
    if default and default not in {f.get("id") for f in outs}:
        problems.add(
            gateway.get("id"), f"default flow {default!r} is not an outgoing flow of the gateway"
        )
    if len(outs) < 2:
        return  # SpiffWorkflow takes a lone unconditioned flow as the default
    for flow in outs:
        condition = flow.find("{*}conditionExpression")
        if flow.get("id") != default and not text_of(condition):
            problems.add(
                flow.get("id"),
                "outgoing flow of a gateway has no condition and is not the gateway's default",
            )
