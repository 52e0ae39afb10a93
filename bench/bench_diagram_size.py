"""What a diagram's size costs at deploy and at intake, up to the limits of engine/bpmn/bounds.

Prints figures; asserts nothing. Not part of the test run.

Run:  .venv/bin/python bench/bench_diagram_size.py [--rounds 3]

Shapes (tests/api/shapes.py): a chain of N script tasks; one parallel gateway forking into N
script tasks; a two-level fork (5 branches, each forking into N/5) for more concurrent
branches than one gateway may have. "deploy" is every check of a deployment
(`compile_process`: parse, bounds, XSD, structure, code, SpiffWorkflow); "intake" is the
engine steps of an intake (`Instance.start` running every script to the end) and the state
written. Medians of `--rounds` runs, in-process, no database.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def fan(n: int, key: str = "fan") -> bytes:
    """start -> a fork of 5 branches, each a fork of n/5 script tasks and its join -> join -> end."""
    from tests.api.shapes import process

    width = n // 5
    body = '<bpmn:startEvent id="start"/><bpmn:parallelGateway id="split"/>' \
           '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split"/>' \
           '<bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>' \
           '<bpmn:sequenceFlow id="fz" sourceRef="join" targetRef="end"/>'
    for b in range(5):
        body += (f'<bpmn:parallelGateway id="s{b}"/><bpmn:parallelGateway id="j{b}"/>'
                 f'<bpmn:sequenceFlow id="a{b}" sourceRef="split" targetRef="s{b}"/>'
                 f'<bpmn:sequenceFlow id="z{b}" sourceRef="j{b}" targetRef="join"/>')
        for i in range(width):
            body += (f'<bpmn:scriptTask id="t{b}_{i}"><bpmn:script>x = {i}</bpmn:script>'
                     f'</bpmn:scriptTask><bpmn:sequenceFlow id="a{b}_{i}" sourceRef="s{b}" '
                     f'targetRef="t{b}_{i}"/><bpmn:sequenceFlow id="b{b}_{i}" '
                     f'sourceRef="t{b}_{i}" targetRef="j{b}"/>')
    return process(key, body)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    from engine import jsoncodec
    from engine.bpmn import bounds
    from engine.runtime import Instance
    from engine.sandbox import make_script_engine
    from engine.services.catalog_cache import compile_process
    from tests.api.shapes import chain, parallel

    cases: list[tuple[str, int, Callable[[int], bytes]]] = []
    for n in (50, 100, 200, bounds.MAX_FLOW_NODES - 2):
        cases.append(("chain", n, chain))
    for n in (10, 25, bounds.MAX_BRANCHES):
        cases.append(("parallel", n, parallel))
    for n in (100, 200, bounds.MAX_BRANCHES * 5):
        cases.append(("two-level fork", n, fan))
    engine = make_script_engine()
    print(f"limits: {bounds.MAX_FLOW_NODES} flow nodes per process, {bounds.MAX_BRANCHES} "
          f"branches per gateway, nesting {bounds.MAX_NESTING}; {args.rounds} rounds, medians")
    print(f"{'shape':16s} {'tasks':>5s} {'deploy':>9s} {'intake':>9s} {'state':>9s}")
    for name, n, build in cases:
        xml = build(n)
        deploys, intakes = [], []
        size = 0
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            compiled = compile_process(xml, {})
            t1 = time.perf_counter()
            inst = Instance.start(compiled.spec, compiled.subprocess_specs, engine, {})
            size = len(jsoncodec.dumps_bytes(inst.dump()))
            t2 = time.perf_counter()
            assert inst.finished and not inst.error, inst.error
            deploys.append(t1 - t0)
            intakes.append(t2 - t1)
        print(f"{name:16s} {n:5d} {_median(deploys):8.3f}s {_median(intakes):8.3f}s "
              f"{size / 1024:7.0f}KB")
    return 0


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


if __name__ == "__main__":
    raise SystemExit(main())
