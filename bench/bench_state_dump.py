"""The cost of writing a dossier's state: motcua's `dump_state` against SpiffWorkflow's own
converter for the same dict (without the spec).

Prints figures; asserts nothing. Not part of the test run.

Run:  .venv/bin/python bench/bench_state_dump.py [--n 5000] [--rounds 5]

The bench process (bench/five_steps.bpmn) is started and three of its five user tasks
completed, each with a few fields: 10 tasks in the map. Each round times `n` dumps each
way, back to back; the median and the spread of the rounds are printed.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
BENCH = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    from SpiffWorkflow.util.task import TaskState

    from engine.runtime.state import _REGISTRY, dump_state

    parser = SpiffBpmnParser()
    parser.add_bpmn_str((BENCH / "five_steps.bpmn").read_bytes(), "five_steps.bpmn")
    workflow = BpmnWorkflow(parser.get_spec(parser.get_process_ids()[0]))
    workflow.do_engine_steps()
    for i in range(3):
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(**{f"field_{i}": "x" * 20, "step": i})
        task.run()
        workflow.do_engine_steps()

    def spiff() -> object:
        full = _REGISTRY.convert(workflow)
        for key in ("spec", "subprocess_specs", "typename"):
            full.pop(key)
        return full

    assert dump_state(workflow)["workflow"] == spiff()
    ways: list[tuple[str, Callable[[], object]]] = [
        ("SpiffWorkflow's converter, spec dropped", spiff),
        ("dump_state", lambda: dump_state(workflow))]
    figures: dict[str, list[float]] = {name: [] for name, _ in ways}
    for _ in range(args.rounds):
        for name, fn in ways:
            t0 = time.perf_counter()
            for _i in range(args.n):
                fn()
            figures[name].append((time.perf_counter() - t0) / args.n * 1e6)
    print(f"{len(workflow.tasks)} tasks in the map, {args.rounds} rounds of {args.n} dumps")
    for name, values in figures.items():
        s = sorted(values)
        print(f"{name:40s} median {s[len(s) // 2]:.1f} µs (min {s[0]:.1f}, max {s[-1]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
