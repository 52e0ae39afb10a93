"""Compile an uploaded BPMN file and its forms into executable SpiffWorkflow specs.

The pipeline: safe parse -> size and depth bounds -> XSD check -> normalise (timers, reserved ids, form keys) ->
our own element-level checks -> SpiffWorkflow's parser on the *normalised bytes*, so that
what is stored is exactly what was compiled. Every failure ends as one `BpmnInvalid`
listing all problems found, each naming its element.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.bpmn.bounds import check_bounds, too_deep
from engine.bpmn.code import check_all_code
from engine.bpmn.forms import resolve_forms, start_form
from engine.bpmn.lengths import check_lengths
from engine.bpmn.normalize import normalize
from engine.bpmn.problems import Problems, spiff_exception_element, spiff_exception_message
from engine.bpmn.schema import validate_schema
from engine.bpmn.structure import check_structure, executable_processes, select_top_process
from engine.bpmn.tasks import UserTaskInfo, check_budgets, check_routes, user_tasks
from engine.bpmn.xml import element_at_line, parse_safely, xpath

__all__ = ["CompiledProcess", "UserTaskInfo", "compile_bpmn"]


@dataclass(frozen=True)
class CompiledProcess:
    """A deployable process: SpiffWorkflow specs plus what the platform needs around them."""

    key: str
    name: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    normalized_xml: bytes
    forms: dict[str, dict[str, Any]]
    user_tasks: list[UserTaskInfo]
    # The form intake validates `{"applicant", "data"}` against (engine.bpmn.forms).
    start_form: str | None = None
    # Ids SpiffWorkflow reserves for itself (e.g. a start event "Start") and what they were
    # renamed to in `normalized_xml`: original id -> id used by the specs and instances.
    renamed_ids: dict[str, str] = field(default_factory=dict)


def compile_bpmn(
    xml: bytes,
    *,
    forms: Mapping[str, bytes] | None = None,
    check_code: Callable[[str, str], str | None],
    filename: str = "process.bpmn",
    max_bytes: int = 5_000_000,
    from_store: bool = False,
) -> CompiledProcess:
    """Turn a BPMN upload into a `CompiledProcess`, or raise `BpmnInvalid`.

    `forms` maps uploaded file names to raw JSON; `check_code(source, mode)` returns an error
    message for a refused expression ("eval") or script ("exec"), else None.
    `BpmnInvalid.errors` lists ``{"element": id or file name, "message": ...}``.
    `from_store` is for a version compiled again from the database: its forms are kept as stored.
    A diagram beyond the limits of `engine.bpmn.bounds` raises `DiagramTooComplex` instead,
    also when the parser runs out of recursion depth (never the interpreter's own error).
    """
    try:
        return _compile(xml, forms, check_code, filename, max_bytes, from_store)
    except RecursionError:
        raise too_deep(filename) from None


def _compile(xml: bytes, forms: Mapping[str, bytes] | None,
             check_code: Callable[[str, str], str | None], filename: str, max_bytes: int,
             from_store: bool) -> CompiledProcess:
    problems = Problems()
    root = parse_safely(xml, filename=filename, max_bytes=max_bytes, problems=problems)
    if root is None:
        problems.raise_if_any(filename)
        raise AssertionError("unreachable: parse_safely returned None without a problem")

    check_bounds(root, filename)
    validate_schema(root, filename, problems)
    renamed = normalize(root, problems)
    key = select_top_process(root, filename, problems)
    check_structure(root, problems)
    form_schemas = resolve_forms(root, forms or {}, problems, from_store=from_store)
    intake_form = start_form(root, key, problems) if key is not None else None
    check_budgets(root, problems)
    check_routes(root, problems)
    check_lengths(root, problems)
    check_all_code(root, check_code, problems)
    problems.raise_if_any(filename)
    assert key is not None  # select_top_process records a problem whenever it returns None

    normalized_xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    # SpiffWorkflow parses the stored bytes themselves, through the same safe parser.
    stored = parse_safely(normalized_xml, filename=filename, max_bytes=len(normalized_xml) + 1,
                          problems=problems)  # fmt: skip
    assert stored is not None
    spec, subprocess_specs = _spiff_specs(stored, key, filename, problems)
    problems.raise_if_any(filename)
    assert spec is not None

    process = xpath(stored, f"./bpmn:process[@id='{key}']")[0]
    return CompiledProcess(
        key=key,
        name=(process.get("name") or "").strip() or key,
        spec=spec,
        subprocess_specs=subprocess_specs,
        normalized_xml=normalized_xml,
        forms=form_schemas,
        user_tasks=user_tasks(stored, {key, *subprocess_specs}),
        renamed_ids=renamed,
        start_form=intake_form,
    )


def _spiff_specs(
    root: etree._Element, key: str, filename: str, problems: Problems
) -> tuple[BpmnProcessSpec | None, dict[str, BpmnProcessSpec]]:
    """Run SpiffWorkflow's parser, translating whatever it raises into problems."""
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(root.getroottree(), filename)
    except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises plain errors too
        _record(exc, root, filename, problems)
        return None, {}
    # SpiffWorkflow stops at the first error of a process: parse each executable process
    # on its own so that one broken process does not hide the problems of the others.
    specs: dict[str, BpmnProcessSpec] = {}
    for process in executable_processes(root):
        pid = str(process.get("id"))
        try:
            specs[pid] = parser.get_spec(pid)
        except Exception as exc:  # noqa: BLE001 - translated, never re-raised bare
            _record(exc, root, pid, problems)
    if problems or key not in specs:
        return None, {}
    try:
        subprocess_specs: dict[str, BpmnProcessSpec] = parser.get_subprocess_specs(key)
    except Exception as exc:  # noqa: BLE001 - translated, never re-raised bare
        _record(exc, root, key, problems)
        return None, {}
    for name, sub in [(key, specs[key]), *subprocess_specs.items()]:
        if not sub.start.outputs:
            problems.add(name, "no start event is connected; nothing would run")
    return specs[key], subprocess_specs


def _record(exc: Exception, root: etree._Element, fallback: str, problems: Problems) -> None:
    if _ran_out_of_depth(exc):
        # Answered by compile_bpmn as a diagram too complex, not as a parse error.
        raise RecursionError(str(exc)) from None
    element = spiff_exception_element(exc)
    if element is None:
        line = getattr(exc, "line_number", None) or getattr(exc, "sourceline", None)
        element = element_at_line(root, line if isinstance(line, int) else None)
    problems.add(element or fallback, spiff_exception_message(exc))


def _ran_out_of_depth(exc: BaseException) -> bool:
    """Whether SpiffWorkflow's error is a RecursionError, maybe wrapped in its own exception
    (its parser reports it as a ValidationException on the element it was parsing)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, RecursionError) or "maximum recursion depth" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
