"""The designers' modeller in Debian's chromium: time until it is interactive on a real
diagram (from navigation until the diagram is imported and drawn and the properties panel
shown: the `motcua:interactive` mark web/src/pages/modeller.js sets), and the JavaScript
and CSS the page loads, in kB.

    .venv/bin/python bench/bench_modeller.py [--process land_first_registration] [--runs 5]

On a fresh SQLite demo in a temporary directory (which deploys the catalogue), served on
127.0.0.1 by werkzeug (threads), the browser at 1366×768, signed in as the demo's designer.
The first load is cold (nothing cached), the others warm. Budget: ≤ 2 s.
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_pages import MEASURE, gzipped  # noqa: E402
from tests.web.browser import chromium, served, wait_for, why_not  # noqa: E402

READY = "#app[data-ready='true'] .bio-properties-panel"
COUNT = "return window.motcuaModeler.get('elementRegistry').getAll().length"


def demo_app(directory: str) -> Any:
    from api.app import create_app
    from api.demo import load_demo
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings

    settings = Settings(database_url=f"sqlite:///{directory}/bench.sqlite3",
                        session_secret="bench-modeller-secret")
    load_demo(settings)
    app = create_app(settings)
    install(app.extensions["motcua"], make_broker(""))
    return app


def measure(driver: Any, url: str) -> tuple[float, list[tuple[str, int]]]:
    driver.get(url)
    wait_for(driver, READY, timeout=30)
    ms, files = driver.execute_script(MEASURE)
    return float(ms), [(str(n), int(b)) for n, b in files]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--process", default="land_first_registration")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    reason = why_not()
    if reason:
        sys.exit(f"cannot run: {reason}")
    with tempfile.TemporaryDirectory() as directory, served(demo_app(directory)) as base, \
            chromium() as driver:
        driver.get(base + "/signin?next=/design/modeller")
        wait_for(driver, "#token").send_keys("demo-designer")
        driver.find_element("css selector", "#token").submit()
        wait_for(driver, READY, timeout=30)
        url = f"{base}/design/modeller?key={args.process}&version=1"
        driver.execute_cdp_cmd("Network.clearBrowserCache", {})
        cold, files = measure(driver, url)
        elements = driver.execute_script(COUNT)
        warm = [measure(driver, url)[0] for _ in range(args.runs)]
        print(f"{args.process} v1: {elements} diagram elements; {args.runs} warm loads")
        print(f"modeller interactive: cold {cold:.0f} ms, warm median "
              f"{statistics.median(warm):.0f} ms, max {max(warm):.0f} ms")
        for label, ext in (("JS", ".js"), ("CSS", ".css")):
            group = [f for f in files if f[0].endswith(ext)]
            raw = sum(b for _, b in group) / 1024
            gz = sum(gzipped(n) for n, _ in group) / 1024
            print(f"  {label:3} {raw:7.1f} kB ({gz:.1f} kB gzipped) in {len(group)} files: "
                  f"{', '.join(Path(n).name for n, _ in group)}")


if __name__ == "__main__":
    main()
