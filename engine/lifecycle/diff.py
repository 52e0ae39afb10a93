"""What changed between two versions of a process: elements added, removed and changed, and
the fields of their forms.

Task specs (tasks, events, gateways) are aligned and compared by SpiffWorkflow's `SpecDiff`,
which matches by BPMN id and, for an id that disappeared, by the structure around it (a
renamed element is then reported as changed, attribute `id`). Sequence flows are not task
specs: they are compared from the stored XML by id (source, target, condition, name). Forms
are compared as JSON Schemas: fields (properties, nested objects and array items included)
added, removed, made required or optional, or otherwise changed.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.bpmn import CompiledProcess
from engine.bpmn.xml import is_bpmn, parse_xml, text_of

_REGISTRY = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)

# A task spec's serialized attributes, by the name a designer knows them by.
_ATTRIBUTE_NAMES = {"bpmn_name": "name", "outputs": "outgoing", "inputs": "incoming",
                    "cond_task_specs": "conditions", "default_task_spec": "default_flow",
                    "typename": "type", "prescript": "pre_script", "postscript": "post_script"}
# Spiff properties of a task, by the name a designer knows them by.
_PROPERTY_NAMES = {"formJsonSchemaFilename": "form"}
# Serialized attributes that only restate another one.
_IGNORED = {"name", "bpmn_id", "description", "lookahead"}


def diff_versions(a: CompiledProcess, b: CompiledProcess) -> dict[str, Any]:
    """The changes from version `a` to version `b` (see the module doc)."""
    added: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    specs_a = {a.spec.name: a.spec, **a.subprocess_specs}
    specs_b = {b.spec.name: b.spec, **b.subprocess_specs}
    for name, spec in specs_a.items():
        if name not in specs_b:
            removed.append({"id": name, "type": "process", "name": spec.description})
            continue
        _diff_specs(spec, specs_b[name], added, removed, changed)
    added += [{"id": n, "type": "process", "name": s.description}
              for n, s in specs_b.items() if n not in specs_a]
    _diff_flows(_flows(a.normalized_xml), _flows(b.normalized_xml), added, removed, changed)
    return {"added": added, "removed": removed, "changed": changed,
            "forms": diff_forms(a.forms, b.forms)}


def _diff_specs(spec_a: Any, spec_b: Any, added: list[dict[str, Any]],
                removed: list[dict[str, Any]], changed: list[dict[str, Any]]) -> None:
    found = SpecDiff(_REGISTRY, spec_a, spec_b)
    added += [_element(s) for s in found.added if s.bpmn_id is not None]
    removed += [_element(s) for s in found.removed if s.bpmn_id is not None]
    for old, new in found.alignment.items():
        if old.bpmn_id is None or new is None:
            continue
        before, after = _REGISTRY.convert(old), _REGISTRY.convert(new)
        attributes, details = _compare(before, after)
        if old.bpmn_id != new.bpmn_id:
            attributes.insert(0, "id")
            details["id"] = {"from": old.bpmn_id, "to": new.bpmn_id}
        if attributes:
            changed.append({**_element(new), "attributes": attributes, "details": details})


def _element(spec: Any) -> dict[str, Any]:
    return {"id": spec.bpmn_id, "type": type(spec).__name__, "name": spec.bpmn_name,
            "process": spec._wf_spec.name if getattr(spec, "_wf_spec", None) else None}


def _compare(before: dict[str, Any], after: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    attributes: list[str] = []
    details: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if key in _IGNORED or old == new:
            continue
        if key == "extensions":
            for prop, values in _properties_changed(old or {}, new or {}).items():
                attributes.append(prop)
                details[prop] = values
            if (old or {}).get("properties") == (new or {}).get("properties"):
                attributes.append("extensions")
            continue
        if key == "event_definition":
            key = _event_kind(old) if _event_kind(old) == _event_kind(new) else "event"
            old, new = _event_value(old), _event_value(new)
        elif key == "cond_task_specs":  # only the targets whose condition changed
            old, new = _conditions(old), _conditions(new)
            targets = [t for t in {**old, **new} if old.get(t) != new.get(t)]
            old, new = ({t: old.get(t) for t in targets}, {t: new.get(t) for t in targets})
        name = _ATTRIBUTE_NAMES.get(key, key)
        attributes.append(name)
        details[name] = {"from": old, "to": new}
    return attributes, details


def _properties_changed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    before, after = old.get("properties") or {}, new.get("properties") or {}
    return {_PROPERTY_NAMES.get(k, k): {"from": before.get(k), "to": after.get(k)}
            for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def _event_kind(definition: Any) -> str:
    typename = str((definition or {}).get("typename", ""))
    for kind in ("Timer", "Message", "Signal", "Error", "Escalation", "Conditional"):
        if kind in typename:
            return kind.lower()
    return "event"


def _event_value(definition: Any) -> Any:
    if not isinstance(definition, dict):
        return definition
    keep = ("typename", "expression", "name", "condition")
    return {k: definition[k] for k in keep if definition.get(k) is not None}


def _conditions(conds: Any) -> dict[str, Any]:
    """target element -> its condition."""
    return {c.get("task_spec"): c.get("condition") for c in conds or []}


# -- sequence flows ---------------------------------------------------------------------

def _flows(xml: bytes) -> dict[str, dict[str, Any]]:
    root = parse_xml(xml)
    out: dict[str, dict[str, Any]] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or not is_bpmn(el, "sequenceFlow"):
            continue
        condition = next((c for c in el if isinstance(c.tag, str)
                          and is_bpmn(c, "conditionExpression")), None)
        out[el.get("id", "")] = {
            "source": el.get("sourceRef"), "target": el.get("targetRef"),
            "condition": text_of(condition).strip() if condition is not None else None,
            "name": el.get("name")}
    return out


def _diff_flows(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]],
                added: list[dict[str, Any]], removed: list[dict[str, Any]],
                changed: list[dict[str, Any]]) -> None:
    def element(flow_id: str, flow: dict[str, Any]) -> dict[str, Any]:
        return {"id": flow_id, "type": "SequenceFlow", "name": flow["name"],
                "source": flow["source"], "target": flow["target"],
                "condition": flow["condition"]}

    added += [element(i, f) for i, f in b.items() if i not in a]
    removed += [element(i, f) for i, f in a.items() if i not in b]
    for flow_id, old in a.items():
        new = b.get(flow_id)
        if new is None or new == old:
            continue
        keys = [k for k in ("condition", "source", "target", "name") if old[k] != new[k]]
        changed.append({**element(flow_id, new), "attributes": keys,
                        "details": {k: {"from": old[k], "to": new[k]} for k in keys}})


# -- forms ------------------------------------------------------------------------------

def diff_forms(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Form files added and removed; per form in both that differs, its fields' changes."""
    changed = []
    for name in sorted(set(a) & set(b)):
        if a[name] == b[name]:
            continue
        fields_a, fields_b = _fields(a[name]), _fields(b[name])
        entry = {
            "form": name,
            "fields_added": [f for f in fields_b if f not in fields_a],
            "added_required": [f for f in fields_b if f not in fields_a
                               and fields_b[f]["required"]],
            "fields_removed": [f for f in fields_a if f not in fields_b],
            "made_required": [f for f in fields_b if f in fields_a
                              and fields_b[f]["required"] and not fields_a[f]["required"]],
            "made_optional": [f for f in fields_b if f in fields_a
                              and fields_a[f]["required"] and not fields_b[f]["required"]],
            "fields_changed": [
                {"field": f, "attributes": _keywords_changed(fields_a[f]["schema"],
                                                             fields_b[f]["schema"])}
                for f in fields_b if f in fields_a
                and fields_a[f]["schema"] != fields_b[f]["schema"]],
        }
        changed.append(entry)
    return {"added": sorted(set(b) - set(a)), "removed": sorted(set(a) - set(b)),
            "changed": changed}


def _fields(schema: Any, prefix: str = "", depth: int = 0) -> dict[str, dict[str, Any]]:
    """field path -> {"required": bool, "schema": its own keywords (nested fields left
    out)}; nested objects' fields are `parent/child`, an array's items' `list[]/child`."""
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(schema, dict) or depth > 32:
        return out
    listed = schema.get("required")
    required: list[Any] = listed if isinstance(listed, list) else []
    properties = schema.get("properties")
    for name, sub in (properties.items() if isinstance(properties, dict) else []):
        path = f"{prefix}{name}"
        out[path] = {"required": name in required, "schema": _own(sub)}
        out.update(_fields(sub, f"{path}/", depth + 1))
        items = sub.get("items") if isinstance(sub, dict) else None
        if isinstance(items, dict):
            out.update(_fields(items, f"{path}[]/", depth + 1))
    return out


def _own(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    own = {k: v for k, v in schema.items() if k not in ("properties", "required", "items")}
    items = schema.get("items")
    if isinstance(items, dict):
        own["items"] = _own(items)
    return own


def _keywords_changed(a: Any, b: Any) -> list[str]:
    if not isinstance(a, dict) or not isinstance(b, dict):
        return ["schema"]
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
