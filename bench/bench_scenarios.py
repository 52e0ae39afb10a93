"""Scenario runs per second for the shipped processes (prints figures; not a test).

Each process of `processes/` is compiled as a deployment compiles it, then all its scenarios
run in memory (`engine.lifecycle.scenarios`), as `POST /process-definitions` runs an uploaded
`*.scenarios.json`: sandboxed scripts, forms checked, simulated clock on the national
calendar. Also: the whole of what a deployment with scenarios adds (parse + runs).

Run: .venv/bin/python bench/bench_scenarios.py [--rounds 20]
"""
from __future__ import annotations

import argparse
import re
import statistics
import time
from datetime import datetime
from pathlib import Path

from engine.calendar import national_calendar
from engine.codes import LOCAL_TZ
from engine.lifecycle.scenario_format import parse_scenarios
from engine.lifecycle.scenarios import run_scenarios
from engine.sandbox import make_script_engine
from engine.services.catalog_cache import compile_process

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL_TZ)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    engine = make_script_engine()
    calendar = national_calendar()
    print(f"{rounds} rounds of every scenario per process, medians")
    print(f"{'process':<34} {'scenarios':>9} {'steps/run':>9} {'ms/run':>7} "
          f"{'runs/s':>7} {'deploy adds':>11}")
    for bpmn in sorted((ROOT / "processes").glob("*.bpmn")):
        raw_scenarios = bpmn.with_suffix(".scenarios.json").read_bytes()
        names = set(re.findall(r'name="formJsonSchemaFilename"\s+value="([^"]+)"',
                               bpmn.read_text(encoding="utf-8")))
        forms = {n: (ROOT / "forms" / n).read_bytes() for n in names}
        compiled = compile_process(bpmn.read_bytes(), forms, filename=bpmn.name)
        scenarios = parse_scenarios(raw_scenarios)
        run_scenarios(compiled, scenarios, script_engine=engine, calendar=calendar,
                      start=START)  # warm-up: caches, validators
        per_round, whole, steps = [], [], 0
        for _ in range(rounds):
            t0 = time.perf_counter()
            results = run_scenarios(compiled, scenarios, script_engine=engine,
                                    calendar=calendar, start=START)
            per_round.append(time.perf_counter() - t0)
            assert all(r.passed for r in results), [r.difference for r in results]
            steps = sum(r.steps for r in results)
            t0 = time.perf_counter()
            run_scenarios(compiled, parse_scenarios(raw_scenarios), script_engine=engine,
                          calendar=calendar, start=START)
            whole.append(time.perf_counter() - t0)
        median = statistics.median(per_round)
        n = len(scenarios)
        print(f"{bpmn.stem:<34} {n:>9} {steps / n:>9.1f} {median / n * 1000:>7.2f} "
              f"{n / median:>7.0f} {statistics.median(whole) * 1000:>8.1f} ms")


if __name__ == "__main__":
    main()
