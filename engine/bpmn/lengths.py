"""Identifiers and names as long as the store keeps them.

A process id becomes the process key, element ids go into inbox rows and history, task
names and positions into the inbox. A diagram whose values are longer than their columns
would deploy and then fail on the first dossier (PostgreSQL refuses to truncate), so
deploying names the element instead.
"""
from __future__ import annotations

from lxml import etree

from engine.bpmn.problems import Problems
from engine.bpmn.tasks import user_tasks
from engine.bpmn.xml import xpath

MAX_ID = 200  # process keys, element ids
MAX_NAME = 500  # process and task names
MAX_POSITION = 100  # the position expected to do a task (a property, or its lane's name)
MAX_FORM = 200  # a form's file name


def check_lengths(root: etree._Element, problems: Problems) -> None:
    """Run after normalisation: form names are then SpiffArena properties."""
    processes = xpath(root, "./bpmn:process")
    for process in processes:
        for element in [process, *xpath(process, ".//*[@id]")]:
            ident = str(element.get("id"))
            _limit(problems, ident, "id", ident, MAX_ID)
            _limit(problems, ident, "name", element.get("name") or "", MAX_NAME)
    # The human tasks as the inbox will hold them.
    for task in user_tasks(root, {str(p.get("id")) for p in processes}):
        _limit(problems, task.element_id, "position (its property or its lane's name)",
               task.position or "", MAX_POSITION)
        _limit(problems, task.element_id, "form file name", task.form or "", MAX_FORM)


def _limit(problems: Problems, element: str, what: str, value: str, limit: int) -> None:
    if len(value) > limit:
        problems.add(element, f"{what} is {len(value)} characters long; at most {limit}")
