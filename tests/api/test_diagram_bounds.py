"""A diagram beyond the stated size and depth limits is refused at deploy (422 `too-complex`),
naming the limit and the element; within them, it deploys and runs."""
from __future__ import annotations

import sys
from typing import Any

import pytest

from engine.bpmn import bounds, compile_bpmn
from engine.errors import DiagramTooComplex
from engine.sandbox import check_code
from tests.api import shapes
from tests.api.helpers import assert_problem, post_bpmn, started

VALIDATE = "/api/v1/process-definitions/validate"


def _refused(world: Any, xml: bytes, path: str = "/api/v1/process-definitions"
             ) -> dict[str, Any]:
    r = post_bpmn(world, xml, path=path)
    body = assert_problem(r, 422, "too-complex")
    assert "RecursionError" not in r.get_data(as_text=True)
    return body


def test_five_thousand_parallel_script_tasks_are_refused(world: Any) -> None:
    body = _refused(world, shapes.parallel(5000, key="parallel_bomb"))
    errors = {e["element"]: e["message"] for e in body["errors"]}
    assert "MAX_FLOW_NODES" in errors["parallel_bomb"] and "5004" in errors["parallel_bomb"]
    assert "MAX_BRANCHES" in errors["split"] and "5000" in errors["split"]
    assert "MAX_FILE_FLOW_NODES" in errors["diagram.bpmn"]


def test_a_chain_of_a_thousand_tasks_is_refused_by_the_limit(world: Any) -> None:
    body = _refused(world, shapes.chain(1000))
    assert body["errors"][0] == {
        "element": "chain",
        "message": f"process has 1002 flow nodes; at most {bounds.MAX_FLOW_NODES} "
                   "(limit MAX_FLOW_NODES)"}
    _refused(world, shapes.chain(1000), path=VALIDATE)


def test_a_chain_at_the_limit_deploys_and_runs(world: Any) -> None:
    """The limit is below the parser's recursion cliff even under the API's own stack."""
    n = bounds.MAX_FLOW_NODES - 2
    r = post_bpmn(world, shapes.chain(n))
    assert r.status_code == 201, r.get_json()
    d = started(world, process_key="chain")
    assert d["status"] == "finished" and d["data"]["x"] == n - 1
    assert_problem(post_bpmn(world, shapes.chain(n + 1)), 422, "too-complex")


def test_branches_out_of_one_gateway(world: Any) -> None:
    r = post_bpmn(world, shapes.parallel(bounds.MAX_BRANCHES))
    assert r.status_code == 201, r.get_json()
    assert started(world, process_key="parallel")["status"] == "finished"
    body = _refused(world, shapes.parallel(bounds.MAX_BRANCHES + 1))
    assert [e["element"] for e in body["errors"]] == ["split"]
    assert "51 sequence flows" in body["errors"][0]["message"]


def test_sub_process_nesting(world: Any) -> None:
    r = post_bpmn(world, shapes.nested(bounds.MAX_NESTING))
    assert r.status_code == 201, r.get_json()
    assert started(world, process_key="nested")["status"] == "finished"
    body = _refused(world, shapes.nested(bounds.MAX_NESTING + 1))
    assert [e["element"] for e in body["errors"]] == [f"sub{bounds.MAX_NESTING + 1}"]
    assert "MAX_NESTING" in body["errors"][0]["message"]


def test_recursion_in_the_parser_is_answered_as_too_complex() -> None:
    """Should the parser still run out of depth (a deeper calling stack, a lower limit),
    the answer is the same refusal, never the interpreter's error."""
    depth = len(_frames())
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 150)
    try:
        with pytest.raises(DiagramTooComplex) as caught:
            compile_bpmn(shapes.chain(200), check_code=lambda source, mode: None)
    finally:
        sys.setrecursionlimit(previous)
    assert caught.value.code == "too-complex"
    assert "Recursion" not in str(caught.value) and "recursion" not in str(caught.value.errors)
    # The control: with the ordinary limit the same diagram compiles.
    assert compile_bpmn(shapes.chain(200), check_code=check_code).key == "chain"


def _frames() -> list[Any]:
    frame, out = sys._getframe(), []
    while frame is not None:
        out.append(frame)
        frame = frame.f_back  # type: ignore[assignment]
    return out
