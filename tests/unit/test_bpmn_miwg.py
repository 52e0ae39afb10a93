"""The OMG MIWG reference models, as drawn by real tools: each deploys or is refused precisely.

Nothing here asserts which models are executable; only that the answer is always either a
`CompiledProcess` or a `BpmnInvalid` whose every error names an element and a problem.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.bpmn import compile_bpmn
from engine.errors import BpmnInvalid

CORPUS = Path(__file__).resolve().parents[3] / "shared/corpus/miwg"
if not CORPUS.is_dir():
    pytest.skip(f"MIWG corpus not found at {CORPUS}", allow_module_level=True)

FILES = sorted(CORPUS.rglob("*.bpmn"))


def check_code(source: str, mode: str) -> str | None:
    try:
        compile(source, "<bpmn>", mode)
    except SyntaxError as exc:
        return f"{exc.msg} (line {exc.lineno})"
    return None


def test_corpus_is_there() -> None:
    assert FILES, f"no .bpmn file under {CORPUS}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_compiles_or_names_every_problem(path: Path) -> None:
    try:
        compiled = compile_bpmn(path.read_bytes(), check_code=check_code, filename=path.name)
    except BpmnInvalid as exc:
        assert exc.errors
        for error in exc.errors:
            assert isinstance(error["element"], str) and error["element"].strip()
            assert isinstance(error["message"], str) and error["message"].strip()
        return
    assert compiled.key and compiled.spec is not None
    # Running is not what this test is about (these models were not drawn to run), but a
    # deployed spec must at least be loadable into an instance.
    workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs)
    with contextlib.suppress(Exception):
        workflow.do_engine_steps()
