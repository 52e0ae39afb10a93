"""How large and how deep a diagram may be, checked before SpiffWorkflow parses it.

SpiffWorkflow's parser follows sequence flows recursively (about two Python frames per
element of a chain: a chain of 490 tasks exhausts the interpreter's recursion limit), and
its runtime rescans the task tree at every step (5,000 parallel script tasks pinned a worker
for minutes). Real procedures are far smaller: the largest process of the MIWG reference
models has 67 flow nodes, 2 levels of sub-processes and 3 flows out of one gateway. The
limits below leave them ample room and keep every diagram well inside what the parser and
one command's time budget can carry. A diagram beyond a limit is refused as a whole,
naming the limit and the element, before any costlier check runs.
"""
from __future__ import annotations

from collections import Counter

from lxml import etree

from engine.bpmn.structure import CONTAINERS, FLOW_NODES
from engine.bpmn.xml import bpmn_tag, is_bpmn, local_name, xpath
from engine.errors import DiagramTooComplex

#: Flow nodes (events, activities, gateways) of one process, its sub-processes included.
MAX_FLOW_NODES = 300
#: Flow nodes of all the processes of one file (a process and the ones it calls).
MAX_FILE_FLOW_NODES = 1000
#: Sub-processes inside sub-processes.
MAX_NESTING = 8
#: Sequence flows out of one element (the branches a gateway forks into).
MAX_BRANCHES = 50

_NODES = frozenset(FLOW_NODES)
_SUB_CONTAINERS = frozenset(CONTAINERS[1:])
_SEQUENCE_FLOW = bpmn_tag("sequenceFlow")


def check_bounds(root: etree._Element, filename: str) -> None:
    """Raise `DiagramTooComplex` listing every limit the diagram exceeds."""
    errors: list[dict[str, str]] = []
    total = 0
    for process in xpath(root, "./bpmn:process"):
        pid = str(process.get("id") or filename)
        nodes, deepest, deepest_id = _walk(process)
        total += nodes
        if nodes > MAX_FLOW_NODES:
            errors.append(_problem(pid, f"process has {nodes} flow nodes; at most "
                                        f"{MAX_FLOW_NODES} (limit MAX_FLOW_NODES)"))
        if deepest > MAX_NESTING:
            errors.append(_problem(deepest_id, f"sub-process is nested {deepest} levels deep; "
                                               f"at most {MAX_NESTING} (limit MAX_NESTING)"))
        outgoing = Counter(str(f.get("sourceRef")) for f in process.iter(_SEQUENCE_FLOW))
        for source, n in outgoing.most_common():
            if n <= MAX_BRANCHES:
                break
            errors.append(_problem(source, f"{n} sequence flows leave this element; at most "
                                           f"{MAX_BRANCHES} (limit MAX_BRANCHES)"))
    if total > MAX_FILE_FLOW_NODES:
        errors.append(_problem(filename, f"the file has {total} flow nodes; at most "
                                         f"{MAX_FILE_FLOW_NODES} (limit MAX_FILE_FLOW_NODES)"))
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DiagramTooComplex(f"{filename} is too complex to deploy: {first['element']}: "
                                f"{first['message']}{more}", errors=errors)


def _walk(process: etree._Element) -> tuple[int, int, str]:
    """(flow nodes, deepest sub-process nesting, id of that sub-process) of a process,
    without recursion: the XML itself may be nested deeply."""
    nodes, deepest, deepest_id = 0, 0, str(process.get("id"))
    stack: list[tuple[etree._Element, int]] = [(process, 0)]
    while stack:
        container, depth = stack.pop()
        for child in container:
            if not is_bpmn(child):
                continue
            name = local_name(child)
            if name in _NODES:
                nodes += 1
            if name in _SUB_CONTAINERS:
                if depth + 1 > deepest:
                    deepest, deepest_id = depth + 1, str(child.get("id"))
                stack.append((child, depth + 1))
    return nodes, deepest, deepest_id


def _problem(element: str, message: str) -> dict[str, str]:
    return {"element": element, "message": message}


def too_deep(filename: str) -> DiagramTooComplex:
    """The answer when SpiffWorkflow still ran out of recursion depth on a diagram within
    the limits: the same refusal, never the interpreter's own error text."""
    message = ("the diagram's paths are too long for the parser; split it into "
               f"sub-processes or called processes (at most {MAX_FLOW_NODES} flow nodes "
               "per process)")
    return DiagramTooComplex(f"{filename} is too complex to deploy: {message}",
                             errors=[_problem(filename, message)])
