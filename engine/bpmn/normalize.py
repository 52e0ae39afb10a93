"""Rewrite a parsed BPMN tree, in place, into what SpiffWorkflow 3.2 runs correctly.

Every rewrite is idempotent: normalising the normalised XML changes nothing, so the stored
`normalized_xml` compiles to the same result.
"""

from __future__ import annotations

import re

from lxml import etree

from engine.bpmn.problems import Problems
from engine.bpmn.timers import TIMER_KINDS, judge_timer
from engine.bpmn.xml import (
    ACTIVITI_NS,
    BPMN_NS,
    CAMUNDA_NS,
    MOTCUA_NS,
    SPIFF_NS,
    bpmn_tag,
    is_bpmn,
    local_name,
    owner_id,
    xpath,
)

FORM_PROPERTY = "formJsonSchemaFilename"
ORIGINAL_ID = f"{{{MOTCUA_NS}}}originalId"

# Names SpiffWorkflow gives its own task specs (BpmnProcessSpec.__init__, ProcessParser,
# TaskParser._add_boundary_event / _copy_task_attrs, WorkflowSpec.validate). A BPMN element
# with such an id is mistaken for the internal spec: e.g. a start event called "Start" is
# never parsed, and the first instance dies with "No output task connected".
_RESERVED_IDS = {"Start", "End", "Root", "StartEventSplit", "StartEventJoin"}
_RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin", " [child]")
_CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")
# Elements whose text is a reference to another element's id.
_REF_TEXT = re.compile(r"(Ref|Refs|incoming|outgoing)$")


def is_reserved_id(element_id: str) -> bool:
    """True if SpiffWorkflow would confuse this BPMN id with one of its internal tasks."""
    return element_id in _RESERVED_IDS or element_id.endswith(_RESERVED_SUFFIXES)


def normalize(root: etree._Element, problems: Problems) -> dict[str, str]:
    """Normalise `root` in place; returns the renamed ids (original id -> new id)."""
    _quote_timers(root, problems)
    _adopt_foreign_form_keys(root)
    return _rename_reserved_ids(root)


def _quote_timers(root: etree._Element, problems: Problems) -> None:
    for definition in xpath(root, "//bpmn:timerEventDefinition"):
        event = definition.getparent()
        event_id = owner_id(event if event is not None else definition)
        values = [child for child in definition if is_bpmn(child, *TIMER_KINDS)]
        if not values:
            problems.add(event_id, "timer event has no timeDate, timeDuration or timeCycle")
            continue
        for value in values:
            verdict = judge_timer(local_name(value), value.text)
            if verdict.problem:
                problems.add(event_id, verdict.problem)
            elif verdict.text is not None:
                value.text = verdict.text


def form_key(task: etree._Element) -> str | None:
    """The form file a user task names: SpiffArena's property, else Camunda's formKey."""
    for prop in xpath(
        task, "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
    ):
        if prop.get("name") == FORM_PROPERTY and (prop.get("value") or "").strip():
            return str(prop.get("value")).strip()
    for ns in (CAMUNDA_NS, ACTIVITI_NS):
        value = (task.get(f"{{{ns}}}formKey") or "").strip()
        if value:
            return value
    return None


def _adopt_foreign_form_keys(root: etree._Element) -> None:
    """Copy Camunda/Activiti form keys into the SpiffArena property the runtime reads.

    Then the rest of the platform knows one place to find a task's form.
    """
    for task in xpath(root, "//bpmn:userTask | //bpmn:startEvent"):
        key = form_key(task)
        if key is None or _spiff_property(task, FORM_PROPERTY) is not None:
            continue
        props = _spiff_properties(task)
        etree.SubElement(props, f"{{{SPIFF_NS}}}property", name=FORM_PROPERTY, value=key)


def _spiff_property(task: etree._Element, name: str) -> str | None:
    for prop in xpath(
        task, "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
    ):
        if prop.get("name") == name:
            return str(prop.get("value") or "")
    return None


def _spiff_properties(task: etree._Element) -> etree._Element:
    ext = task.find(bpmn_tag("extensionElements"))
    if ext is None:
        # The BPMN schema wants extensionElements right after any documentation.
        ext = etree.Element(bpmn_tag("extensionElements"))
        docs = task.findall(bpmn_tag("documentation"))
        task.insert(len(docs), ext)
    props = ext.find(f"{{{SPIFF_NS}}}properties")
    if props is None:
        props = etree.SubElement(ext, f"{{{SPIFF_NS}}}properties")
    return props


def _rename_reserved_ids(root: etree._Element) -> dict[str, str]:
    """Give reserved ids a free name, fix every reference, keep the original id on record.

    The original id stays in a ``motcua:originalId`` attribute, so that compiling the
    normalised XML again reports the same renames.
    """
    all_ids = {str(e.get("id")) for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    renames: dict[str, str] = {}
    for el in root.iter():
        parent = el.getparent()
        # Only flow elements become task specs; a process or lane id cannot collide.
        if not is_bpmn(el) or parent is None or not is_bpmn(parent, *_CONTAINERS):
            continue
        old = el.get("id")
        if old and is_reserved_id(old):
            new = _free_id(old, all_ids)
            all_ids.add(new)
            renames[old] = new
            el.set("id", new)
            el.set(ORIGINAL_ID, old)
    if renames:
        _rewrite_references(root, renames)
    for el in root.iter():
        if isinstance(el.tag, str) and el.get(ORIGINAL_ID) and el.get("id"):
            renames.setdefault(str(el.get(ORIGINAL_ID)), str(el.get("id")))
    return renames


def _free_id(old: str, taken: set[str]) -> str:
    base = re.sub(r"[^\w.-]", "_", old)
    n = 1
    while f"{base}_{n}" in taken or is_reserved_id(f"{base}_{n}"):
        n += 1
    return f"{base}_{n}"


def _rewrite_references(root: etree._Element, renames: dict[str, str]) -> None:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr, value in el.attrib.items():
            # Any IDREF-like attribute (sourceRef, attachedToRef, default, bpmnElement...);
            # names and our own record of the original id are left alone.
            if attr not in ("id", "name", ORIGINAL_ID) and value in renames:
                el.set(attr, renames[value])
        if (
            len(el) == 0
            and el.text
            and el.text.strip() in renames
            and el.tag.startswith(f"{{{BPMN_NS}}}")
            and _REF_TEXT.search(local_name(el))
        ):
            el.text = renames[el.text.strip()]
