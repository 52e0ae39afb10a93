"""Hand every piece of Python in the diagram to the platform's code checker.

The checker (the sandbox's compile step) is injected: this package must not decide what
code is allowed, only make sure none reaches an instance unchecked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lxml import etree

from engine.bpmn.problems import Problems
from engine.bpmn.structure import executable_processes
from engine.bpmn.timers import TIMER_KINDS
from engine.bpmn.xml import is_bpmn, local_name, owner_id, text_of, xpath

CheckCode = Callable[[str, str], "str | None"]

# (xpath from a process, mode); the owner of the error is the nearest element with an id
# above the expression's element, except for conditions, owned by their sequence flow.
_EXPRESSIONS: tuple[tuple[str, str], ...] = (
    (".//bpmn:sequenceFlow/bpmn:conditionExpression", "eval"),
    (".//bpmn:conditionalEventDefinition/bpmn:condition", "eval"),
    (".//bpmn:standardLoopCharacteristics/bpmn:loopCondition", "eval"),
    (".//bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality", "eval"),
    (".//bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition", "eval"),
    (".//bpmn:adHocSubProcess/bpmn:completionCondition", "eval"),
    (".//bpmn:scriptTask/bpmn:script", "exec"),
    (".//bpmn:extensionElements/spiffworkflow:preScript", "exec"),
    (".//bpmn:extensionElements/spiffworkflow:postScript", "exec"),
)


def check_all_code(root: etree._Element, check_code: CheckCode, problems: Problems) -> None:
    """Record a problem for each expression or script `check_code` refuses."""
    for process in executable_processes(root):
        for script_task in xpath(process, ".//bpmn:scriptTask"):
            _check_script_task(script_task, problems)
        for element, source, mode in _sources(process):
            _check_one(owner_of(element), source, mode, check_code, problems)


def owner_of(element: etree._Element) -> str | None:
    """The element an expression belongs to: its task, flow or event."""
    parent = element.getparent()
    while parent is not None and (
        is_bpmn(parent, "extensionElements", "conditionalEventDefinition",
                "standardLoopCharacteristics", "multiInstanceLoopCharacteristics",
                "timerEventDefinition")
        or not parent.get("id")
    ):  # fmt: skip
        parent = parent.getparent()
    return owner_id(parent) if parent is not None else owner_id(element)


def _sources(process: etree._Element) -> Iterator[tuple[etree._Element, str, str]]:
    for path, mode in _EXPRESSIONS:
        for el in xpath(process, path):
            if text_of(el):
                yield el, str(el.text), mode
    for definition in xpath(process, ".//bpmn:timerEventDefinition"):
        for value in definition:
            if is_bpmn(value, *TIMER_KINDS) and text_of(value):
                yield value, text_of(value), "eval"


def _check_script_task(task: etree._Element, problems: Problems) -> None:
    fmt = (task.get("scriptFormat") or "python").strip().lower()
    if "python" not in fmt:
        problems.add(task.get("id"), f"script format {fmt!r} is not supported; write Python")
    if not any(text_of(s) for s in task if local_name(s) == "script"):
        problems.add(task.get("id"), "script task has no script")


def _check_one(
    element_id: str | None, source: str, mode: str, check_code: CheckCode, problems: Problems
) -> None:
    try:
        message = check_code(source, mode)
    except RecursionError:
        message = "the code is nested too deeply to be checked"
    except Exception as exc:  # noqa: BLE001 - a checker crash must still come back as an element-level error
        message = f"the code checker failed: {type(exc).__name__}: {exc}"
    if not message:
        return
    stripped = source.strip()
    if stripped.startswith(("${", "#{")):
        message = f"{message} (JUEL/EL expressions are not supported; write Python)"
    what = "expression" if mode == "eval" else "script"
    problems.add(element_id, f"{what} {_excerpt(stripped)!r} refused: {message}")


def _excerpt(source: str, limit: int = 60) -> str:
    one_line = " ".join(source.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"
