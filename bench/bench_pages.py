"""The desk's pages in Debian's chromium: time to interactive of the inbox, the task and the
dossier page (from navigation to the first time the page shows its data, the
`motcua:interactive` mark web/src/dom.js sets), and each page's bundle: its script in
web/dist with the chunks it imports, and its stylesheet, in kB (and gzipped).

    .venv/bin/python bench/bench_pages.py [--dossiers 30] [--runs 5]

On a fresh SQLite demo in a temporary directory, served on 127.0.0.1 by werkzeug (threads),
the browser at 1366×768. The data is demo-like: dossiers of two procedures (judicial
record certificate, household business registration) started online by the portal, a
third of them accepted at the desk (so their pages show a receipt, a running clock and the
next step). The first load of each page is cold (nothing cached), the others warm.
Target: ≤ 1 s for the inbox and the task page.
"""
from __future__ import annotations

import argparse
import gzip
import logging
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.browser import chromium, served, wait_for, why_not  # noqa: E402

IMPORTS = re.compile(r'(?:from|import)\s*"(\./chunk-[\w-]+\.js)"')

HKD = {"process_key": "household_business_registration", "channel": "online",
       "applicant": {"type": "citizen", "name": "Nguyễn Thị Lan"},
       "data": {"household_name": "Hộ kinh doanh Phở Bà Lan", "owner_name": "Nguyễn Thị Lan",
                "owner_id_number": "001185012345",
                "business_address": "Số 12 Trần Phú, xã Yên Bình",
                "business_line": "Dịch vụ ăn uống", "capital_vnd": 150000000}}
ACCEPT = {"documents_checked": ["request_form", "identity_papers"],
          "reception_decision": "accept", "handling_unit": "000.00.20.H56"}
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


def app_with_dossiers(directory: str, dossiers: int) -> tuple[Any, list[str], str]:
    """The demo with `dossiers` dossiers; (app, the reception tasks still open, the code of
    an accepted dossier)."""
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
    tasks, accepted = [], ""
    for i in range(dossiers):
        body = INTAKE if i % 2 == 0 else HKD
        resp = client.post("/api/v1/dossiers", json=body, headers={
            "Authorization": "Bearer demo-client", "Idempotency-Key": f"bench-pages-{i}"})
        assert resp.status_code == 201, resp.get_json()
        task = resp.get_json()["current_steps"][0]["task_id"]
        if i % 6 == 0:  # a third of the judicial records, accepted at the desk
            done = client.post(f"/api/v1/tasks/{task}/complete", json={"data": ACCEPT},
                               headers={"Authorization": "Bearer demo-reception"})
            assert done.status_code == 200, done.get_json()
            accepted = accepted or resp.get_json()["code"]
        else:
            tasks.append(task)
    return app, tasks, accepted


def bundle(page: str) -> tuple[list[Path], list[Path]]:
    """The page's script and every chunk it imports (transitively), and its stylesheets,
    as web/dist holds them (what the page's shell names: api/templates/)."""
    dist = ROOT / "web" / "dist"
    scripts, todo = [], [dist / f"{page}.js"]
    while todo:
        path = todo.pop()
        if path in scripts:
            continue
        scripts.append(path)
        text = path.read_text(encoding="utf-8")
        todo += [dist / Path(name).name for name in IMPORTS.findall(text)]
    base = (ROOT / "api" / "templates" / "base.html").read_text(encoding="utf-8")
    sheets = [dist / name for name in re.findall(r'href="/assets/([\w.-]+\.css)', base)]
    return scripts, sheets


def measure(driver: Any, url: str, ready: str) -> tuple[float, list[tuple[str, int]]]:
    driver.get(url)
    wait_for(driver, ready)
    ms, files = driver.execute_script(MEASURE)
    return float(ms), [(str(n), int(b)) for n, b in files]


def kb(files: list[Path]) -> str:
    raw = sum(f.stat().st_size for f in files) / 1024
    gz = sum(len(gzip.compress(f.read_bytes(), 6)) for f in files) / 1024
    return f"{raw:5.1f} kB ({gz:.1f} kB gzipped) in {len(files)} files: " + ", ".join(
        f.name for f in files)


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
        app, tasks, accepted = app_with_dossiers(directory, args.dossiers)
        with served(app) as base, chromium() as driver:
            driver.get(base + "/signin")
            wait_for(driver, "button[data-demo='demo-reception']").click()
            wait_for(driver, "table.inbox")
            pages = {"inbox": (f"{base}/desk", "table.inbox"),
                     "task": (f"{base}/desk/tasks/{tasks[0]}", "#task-form"),
                     "dossier": (f"{base}/desk/dossiers/{accepted}", "a[data-kind='receipt']")}
            print(f"{args.dossiers} dossiers, {len(tasks)} open at the reception desk; "
                  f"{args.runs} warm loads each")
            for name, (url, ready) in pages.items():
                driver.execute_cdp_cmd("Network.clearBrowserCache", {})
                cold, loaded = measure(driver, url, ready)
                warm = [measure(driver, url, ready)[0] for _ in range(args.runs)]
                scripts, sheets = bundle(name)
                fetched = {Path(n).name for n, _ in loaded}
                missing = {f.name for f in scripts + sheets} - fetched
                print(f"{name:7} interactive: cold {cold:.0f} ms, warm median "
                      f"{statistics.median(warm):.0f} ms, max {max(warm):.0f} ms"
                      + (f" (not loaded: {', '.join(sorted(missing))})" if missing else ""))
                print(f"        JS  {kb(scripts)}")
                print(f"        CSS {kb(sheets)}")

if __name__ == "__main__":
    main()
