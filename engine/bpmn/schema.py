"""BPMN 2.0 XSD validation (with SpiffWorkflow's extension schema), element by element.

We use SpiffWorkflow's own `VALIDATOR` but not through `SpiffBpmnParser(validator=...)`:
that path raises on the last schema error with a line number only, and its preprocessing
renames elements of the tree it is given. Here we validate a copy and turn *every* entry of
the error log into an element-level problem.
"""

from __future__ import annotations

import copy
import threading

from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine.bpmn.problems import Problems
from engine.bpmn.xml import element_at_line, owner_id

# One shared XMLSchema object: its error log is per object, so serialise its use.
_LOCK = threading.Lock()
_MAX_REPORTED = 50


def validate_schema(root: etree._Element, filename: str, problems: Problems) -> None:
    """Record a problem for each place where `root` breaks the BPMN 2.0 schema."""
    tree_copy = copy.deepcopy(root)
    # SpiffWorkflow's preprocessing (bpmn.io writes correlation expressions the schema
    # rejects) mutates the tree: do it on the copy only.
    VALIDATOR.preprocess(tree_copy)
    with _LOCK:
        if VALIDATOR.validator.validate(tree_copy):
            return
        entries = list(VALIDATOR.validator.error_log)
    for entry in entries[:_MAX_REPORTED]:
        element = _element_at_path(tree_copy, entry.path) or element_at_line(root, entry.line)
        problems.add(
            element or filename, f"not valid BPMN 2.0 (line {entry.line}): {_short(entry.message)}"
        )


def _element_at_path(root: etree._Element, path: str | None) -> str | None:
    """The id owning the node libxml2 points at (its XPath), when it can be evaluated."""
    if not path:
        return None
    try:
        found = root.getroottree().xpath(
            path, namespaces={k: v for k, v in root.nsmap.items() if k}
        )
    except etree.XPathError:  # e.g. a default namespace, which XPath 1.0 cannot name
        return None
    nodes = found if isinstance(found, list) else []
    return owner_id(nodes[0]) if nodes and isinstance(nodes[0], etree._Element) else None


def _short(message: str) -> str:
    # libxml2 prefixes messages with the full Clark name of the element; keep the local part.
    return message.replace("{http://www.omg.org/spec/BPMN/20100524/MODEL}", "bpmn:")
