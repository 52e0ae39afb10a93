"""Every page the app serves, in Debian's chromium: the JavaScript and CSS each one loads, in
kB (raw and gzipped), and the time to interactive of the desk's inbox, task and dossier pages
(budget ≤ 1 s) and of the designers' modeller (≤ 2 s).

    .venv/bin/python bench/bench_pages.py [--dossiers 30] [--runs 5] \
        [--process land_first_registration]

The bundle of a page is read from web/dist, starting from what its shell names (rendered by
the app for the principal who opens it): the `<script>` entry with every chunk it imports
(transitively: what the browser fetches before the page runs), the chunks it imports later
with `import()` (the dossier's and the replay's diagram: fetched when the page draws it), and
the stylesheets the shell links or the scripts add (`/assets/diagram.css`).

Time to interactive is from navigation to the page's `motcua:interactive` mark (web/src/dom.js,
web/src/pages/modeller.js: the first time it shows its data; for the modeller, the diagram
imported and drawn and the properties panel shown). The first load of each page is cold
(browser cache cleared), the next `--runs` warm. On a fresh SQLite demo in a temporary
directory, served on 127.0.0.1 by werkzeug (threads), the browser at 1366×768. The data is
demo-like: dossiers of two procedures (judicial record certificate, household business
registration) started online by the portal, a third of the judicial records accepted at the
desk (their pages show a receipt, a running clock and the next step); the modeller opens
`--process` v1 (by default one of the two largest diagrams of the catalogue).
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
sys.path.insert(0, str(ROOT))

from tests.web.browser import chromium, served, wait_for, why_not  # noqa: E402

SCRIPT = re.compile(r'<script[^>]*\bsrc="/assets/([\w.-]+\.js)')
SHEET = re.compile(r'<link[^>]*\bhref="/assets/([\w.-]+\.css)')
STATIC = re.compile(r'(?:from|import)\s*"\./(chunk-[\w-]+\.js)"')
DYNAMIC = re.compile(r'import\(\s*"\./(chunk-[\w-]+\.js)"\s*\)')
ADDED_SHEET = re.compile(r'/assets/([\w.-]+\.css)')

# (page, address, who opens it: a demo token, or None without sign-in)
PAGES = (
    ("sign-in", "/signin", None),
    ("inbox", "/desk", "demo-reception"),
    ("task", "/desk/tasks/{task}", "demo-reception"),
    ("dossier", "/desk/dossiers/{dossier}", "demo-reception"),
    ("audit search", "/audit", "demo-auditor"),
    ("replay", "/audit/dossiers/{dossier}", "demo-auditor"),
    ("versions", "/design", "demo-designer"),
    ("form editor", "/design/forms", "demo-designer"),
    ("modeller", "/design/modeller?key={process}&version=1", "demo-designer"),
    ("public home", "/public", None),
    ("lookup", "/public/lookup", None),
    ("rating", "/public/rating", None),
    ("figures", "/public/figures", None),
)
# Timed in the browser: what shows the page is ready, and its budget.
TIMED = {"inbox": ("table.inbox", 1000), "task": ("#task-form", 1000),
         "dossier": ("a[data-kind='receipt']", 1000),
         "modeller": ("#app[data-ready='true'] .bio-properties-panel", 2000)}

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
  .filter(r => !mark || r.startTime <= mark.startTime)
  .map(r => new URL(r.name).pathname);
return [mark ? mark.startTime : null, files];
"""


@dataclass(frozen=True)
class Bundle:
    """A page's files in web/dist: scripts fetched before it runs, scripts it imports later,
    stylesheets its shell links, stylesheets its scripts add."""

    js: list[Path]
    lazy_js: list[Path]
    css: list[Path]
    added_css: list[Path]


def app_with_dossiers(directory: str, dossiers: int) -> tuple[Any, list[str], str]:
    """The demo with `dossiers` dossiers; (app, the reception tasks still open, the code of
    an accepted dossier)."""
    from api.app import create_app
    from api.demo import load_demo
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings

    settings = Settings(database_url=f"sqlite:///{directory}/bench.sqlite3",
                        session_secret="bench-pages-secret", files_dir=f"{directory}/files")
    with contextlib.redirect_stdout(io.StringIO()):  # the demo lists its users
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


def shell(app: Any, path: str, who: str | None) -> str:
    """The page's HTML as the app serves it to `who` (signed in through the sign-in form)."""
    from api.sessions import CSRF_FIELD

    client = app.test_client()
    if who is not None:
        form = client.get("/signin").get_data(as_text=True)
        csrf = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', form)
        assert csrf, "no CSRF field on the sign-in form"
        signed = client.post("/signin", data={CSRF_FIELD: csrf.group(1), "token": who})
        assert signed.status_code == 303, signed.status_code
    resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return str(resp.get_data(as_text=True))


def closure(roots: list[str]) -> list[Path]:
    """The files `roots` name with every chunk they import statically, in web/dist."""
    found: list[Path] = []
    todo = [DIST / name for name in roots]
    while todo:
        path = todo.pop(0)
        if path not in found:
            found.append(path)
            todo += [DIST / name for name in STATIC.findall(path.read_text(encoding="utf-8"))]
    return found


def bundle(html: str) -> Bundle:
    js = closure(SCRIPT.findall(html))
    lazy: list[Path] = []
    roots = [n for f in js for n in DYNAMIC.findall(f.read_text(encoding="utf-8"))]
    while roots:
        new = [f for f in closure(roots) if f not in js and f not in lazy]
        lazy += new
        roots = [n for f in new for n in DYNAMIC.findall(f.read_text(encoding="utf-8"))]
    css = [DIST / name for name in SHEET.findall(html)]
    added = {DIST / name for f in js + lazy
             for name in ADDED_SHEET.findall(f.read_text(encoding="utf-8"))} - set(css)
    return Bundle(js, lazy, css, sorted(added))


def kb(files: list[Path]) -> str:
    """`raw (gzipped)` in kB, gzip at level 6 as a server would send it."""
    if not files:
        return "-"
    raw = sum(f.stat().st_size for f in files) / 1000
    gz = sum(len(gzip.compress(f.read_bytes(), 6)) for f in files) / 1000
    return f"{raw:.1f} ({gz:.1f})"


def measure(driver: Any, url: str, ready: str) -> tuple[float, set[str]]:
    """Navigate and wait until `ready` shows; the mark's time, the assets fetched by then."""
    driver.get(url)
    wait_for(driver, ready, timeout=30)
    ms, files = driver.execute_script(MEASURE)
    if ms is None:
        raise SystemExit(f"{url}: no motcua:interactive mark")
    return float(ms), {Path(name).name for name in files}


def sign_in(driver: Any, base: str, token: str) -> None:
    """Sign in as a demo user (the sign-in page's button), and wait until its home opens."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.delete_all_cookies()
    driver.get(base + "/signin")
    wait_for(driver, f"button[data-demo='{token}']").click()
    WebDriverWait(driver, 30).until(lambda d: "/signin" not in d.current_url)


def timings(base: str, urls: dict[str, str], runs: int,
            bundles: dict[str, Bundle]) -> dict[str, tuple[float, list[float], set[str]]]:
    """Cold, warm loads and the files of the static bundle the browser did not fetch before
    the mark, of each timed page."""
    out = {}
    with chromium() as driver:
        print(f"chromium {driver.capabilities.get('browserVersion')}")
        for token, names in (("demo-reception", ("inbox", "task", "dossier")),
                             ("demo-designer", ("modeller",))):
            sign_in(driver, base, token)
            for name in names:
                url, (ready, _) = base + urls[name], TIMED[name]
                driver.execute_cdp_cmd("Network.clearBrowserCache", {})
                cold, fetched = measure(driver, url, ready)
                warm = [measure(driver, url, ready)[0] for _ in range(runs)]
                b = bundles[name]
                out[name] = (cold, warm, {f.name for f in b.js + b.css} - fetched)
    return out


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--process", default="land_first_registration",
                        help="the process whose version 1 the modeller opens")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    reason = why_not()
    if reason:
        sys.exit(f"cannot run: {reason}")
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "web",
                            "bench"], capture_output=True, text=True).stdout.strip()
    build = (DIST / "version.txt").read_text(encoding="ascii").strip()
    print(f"commit {commit}{' (web/ or bench/ changed since)' if dirty else ''}, "
          f"bundle {build}; load average at start {load()}")
    with tempfile.TemporaryDirectory() as directory:
        app, tasks, accepted = app_with_dossiers(directory, args.dossiers)
        keys = {"task": tasks[0], "dossier": accepted, "process": args.process}
        urls = {name: path.format(**keys) for name, path, _ in PAGES}
        bundles = {name: bundle(shell(app, urls[name], who)) for name, _, who in PAGES}
        print(f"{args.dossiers} dossiers, {len(tasks)} open at the reception desk; "
              f"{args.runs} warm loads per timed page\n")
        print("| page | address | JS before it runs, kB (gzip) | JS imported later | "
              "CSS linked | CSS added | files |")
        print("|---|---|---|---|---|---|---|")
        for name, _, _ in PAGES:
            b = bundles[name]
            files = ", ".join(f.name for f in b.js + b.lazy_js + b.css + b.added_css)
            print(f"| {name} | `{urls[name]}` | {kb(b.js)} | {kb(b.lazy_js)} | {kb(b.css)} | "
                  f"{kb(b.added_css)} | {files} |")
        with served(app) as base:
            timed = timings(base, urls, args.runs, bundles)
    print("\n| page | cold | warm median | warm max | budget |")
    print("|---|---|---|---|---|")
    for name, (cold, warm, missing) in timed.items():
        note = f" (not fetched by then: {', '.join(sorted(missing))})" if missing else ""
        print(f"| {name} | {cold:.0f} ms | {statistics.median(warm):.0f} ms | "
              f"{max(warm):.0f} ms | {TIMED[name][1]} ms{note} |")
    print(f"\nload average at the end {load()}")


if __name__ == "__main__":
    main()
