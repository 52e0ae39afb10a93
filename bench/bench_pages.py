"""The desk's pages in Debian's chromium: time to interactive of the inbox and the task page
(from navigation to the first time the page shows its data, the `motcua:interactive` mark
web/src/dom.js sets) and the JavaScript and CSS each page loads, in kB.

    .venv/bin/python bench/bench_pages.py [--dossiers 30] [--runs 5]

On a fresh SQLite demo in a temporary directory, served on 127.0.0.1 by werkzeug (threads),
the browser at 1366×768. The first load of each page is cold (nothing cached), the others
warm. Target: ≤ 1 s for both pages.
"""
from __future__ import annotations

import argparse
import gzip
import logging
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.browser import chromium, served, wait_for, why_not  # noqa: E402

INTAKE = {"process_key": "judicial_record_certificate", "channel": "online",
          "applicant": {"type": "citizen", "name": "Nguyễn Văn An", "id_number": "001095012345"},
          "data": {"person_name": "Nguyễn Văn An", "person_id_number": "001095012345",
                   "date_of_birth": "1990-01-01", "residence": "Hà Nội",
                   "certificate_type": "1", "purpose": "Xin việc", "copies": 1,
                   "documents": [{"name": "Tờ khai", "original": True}]}}

MEASURE = """
const mark = performance.getEntriesByName('motcua:interactive')[0];
const files = performance.getEntriesByType('resource')
  .filter(r => /\\/assets\\/.+\\.(js|css)$/.test(new URL(r.name).pathname))
  .map(r => [new URL(r.name).pathname, r.decodedBodySize]);
return [mark ? mark.startTime : null, files];
"""


def app_with_dossiers(directory: str, dossiers: int) -> tuple[Any, list[str]]:
    from api.app import create_app
    from api.demo import load_demo
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings

    settings = Settings(database_url=f"sqlite:///{directory}/bench.sqlite3",
                        session_secret="bench-pages-secret")
    load_demo(settings)
    app = create_app(settings)
    install(app.extensions["motcua"], make_broker(""))
    client = app.test_client()
    tasks = []
    for i in range(dossiers):
        resp = client.post("/api/v1/dossiers", json=INTAKE, headers={
            "Authorization": "Bearer demo-client", "Idempotency-Key": f"bench-pages-{i}"})
        assert resp.status_code == 201, resp.get_json()
        tasks.append(resp.get_json()["current_steps"][0]["task_id"])
    return app, tasks


def measure(driver: Any, url: str, ready: str) -> tuple[float, list[tuple[str, int]]]:
    driver.get(url)
    wait_for(driver, ready)
    ms, files = driver.execute_script(MEASURE)
    return float(ms), [(str(n), int(b)) for n, b in files]


def gzipped(name: str) -> int:
    return len(gzip.compress((ROOT / "web" / "dist" / Path(name).name).read_bytes(), 6))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    reason = why_not()
    if reason:
        sys.exit(f"cannot run: {reason}")
    with tempfile.TemporaryDirectory() as directory:
        app, tasks = app_with_dossiers(directory, args.dossiers)
        with served(app) as base, chromium() as driver:
            driver.get(base + "/signin")
            wait_for(driver, "button[data-demo='demo-reception']").click()
            wait_for(driver, "table.inbox")
            pages = {"inbox": (f"{base}/desk", "table.inbox"),
                     "task": (f"{base}/desk/tasks/{tasks[0]}", "#task-form")}
            print(f"{args.dossiers} open tasks in the inbox; {args.runs} warm loads each")
            for name, (url, ready) in pages.items():
                driver.execute_cdp_cmd("Network.clearBrowserCache", {})
                cold, files = measure(driver, url, ready)
                warm = [measure(driver, url, ready)[0] for _ in range(args.runs)]
                js = [f for f in files if f[0].endswith(".js")]
                css = [f for f in files if f[0].endswith(".css")]
                print(f"{name:6} interactive: cold {cold:.0f} ms, warm median "
                      f"{statistics.median(warm):.0f} ms, max {max(warm):.0f} ms")
                for label, group in (("JS", js), ("CSS", css)):
                    raw = sum(b for _, b in group) / 1024
                    gz = sum(gzipped(n) for n, _ in group) / 1024
                    print(f"       {label:3} {raw:5.1f} kB ({gz:.1f} kB gzipped) in "
                          f"{len(group)} files: {', '.join(Path(n).name for n, _ in group)}")


if __name__ == "__main__":
    main()
