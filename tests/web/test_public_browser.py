"""The public pages in a real browser, without signing in: an applicant looks up their
dossier (a wrong pair first, answered like a missing dossier), downloads the receipt, is
told the dossier is not finished yet, rates it once it is (and is told when it was already
rated); anyone opens the dashboard of the demo's week, whose charts are drawn and whose
tables show the API's figures. Each page is saved under build/screenshots/public-*.png."""
from __future__ import annotations

import base64
import io
import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests.conftest import World
from tests.web.browser import (
    chromium,
    screenshot,
    served,
    skip_without_browser,
    wait_for,
    wait_text,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ID_NUMBER = "001095012345"  # the applicant's of tests/api/test_officer_day.py


def make_world(path: Path, week: bool, **overrides: Any) -> World:
    from api.app import create_app
    from api.demo import PRINCIPALS, UNIT, load_demo, load_week
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings

    settings = Settings(database_url=f"sqlite:///{path}", session_secret="public-pages-" * 3,
                        **overrides)
    load_demo(settings)
    if week:
        load_week(settings)
    app = create_app(settings)
    install(app.extensions["motcua"], make_broker(""))
    return World(app, app.test_client(), app.extensions["motcua"], "DEMO", UNIT,
                 {token: token for token, *_ in PRINCIPALS})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The demo and its week of dossiers on a database of their own (SQLite)."""
    skip_without_browser()
    w = make_world(tmp_path_factory.mktemp("public") / "demo.sqlite3", True,
                   public_lookups_per_minute=0)
    yield w
    w.ctx.db_engine.dispose()


def look_up(b: Any, base: str, code: str, proof: str, kind: str = "id_number") -> None:
    from selenium.webdriver.common.by import By

    b.get(f"{base}/public/lookup")
    wait_for(b, "#proof-form")
    b.find_element(By.ID, "code").send_keys(code)
    b.find_element(By.CSS_SELECTOR, f"input[name=proof_kind][value={kind}]").click()
    b.find_element(By.ID, "proof").send_keys(proof)
    b.find_element(By.ID, "look-up").click()


def fetched(b: Any, href: str) -> tuple[int, str, bytes]:
    status, kind, body = b.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(async r => { const bytes = new Uint8Array("
        " await r.arrayBuffer()); let s = ''; bytes.forEach(x => { s += String"
        ".fromCharCode(x); }); done([r.status, r.headers.get('content-type'), btoa(s)]); });",
        href)
    return status, kind, base64.b64decode(body)


def test_an_applicant_looks_up_and_rates_their_dossier(demo: World) -> None:
    from selenium.webdriver.common.by import By

    from tests.api.test_officer_day import call
    from tests.api.test_public_lookup import accepted_dossier, complete, secret_on_the_receipt

    w = demo
    code = accepted_dossier(w)
    with served(w.app) as base, chromium() as b:
        look_up(b, base, code, "001095099999")  # someone else's identity number
        wrong = wait_for(b, "#result .alert").text
        look_up(b, base, code[:-4] + "9999", ID_NUMBER)  # no such dossier
        missing = wait_for(b, "#result .alert").text
        assert wrong == missing and "Không tìm thấy hồ sơ" in wrong

        look_up(b, base, code, ID_NUMBER)
        wait_text(b, "#status", "Đang giải quyết")
        assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
        assert "4 · Đang xử lý" in b.find_element(By.ID, "portal-status").text
        seen = w.client.get(f"/api/v1/public/dossiers/{code}?id_number={ID_NUMBER}").get_json()
        due = datetime.fromisoformat(seen["appointment"]).astimezone(VN)
        shown = b.find_element(By.ID, "appointment").text  # the province's time, browser in UTC
        assert due.strftime("%H:%M") in shown and due.strftime("%d/%m/%Y") in shown, shown
        assert b.find_element(By.ID, "rate-later").is_displayed()
        receipt = b.find_element(By.CSS_SELECTOR, "a[data-kind='receipt']")
        status, kind, body = fetched(b, receipt.get_attribute("href"))
        assert (status, kind) == (200, "application/pdf") and body.startswith(b"%PDF")
        screenshot(b, "public-lookup")
        secret = secret_on_the_receipt(w, code, seen["documents"][0]["id"])
        look_up(b, base, code, secret, "secret")  # the secret printed on the receipt
        wait_text(b, "#status", "Đang giải quyết")

        # Not finished yet: said before anything is filled in.
        b.find_element(By.LINK_TEXT, "Đánh giá sự hài lòng").click()  # the top bar's link
        wait_text(b, "#not-finished", "chưa giải quyết xong")

        complete(w, "dept-specialist", code, "appraisal", {
            "appraisal_decision": "propose_grant", "criminal_record": "none",
            "draft_result": "Cấp Phiếu lý lịch tư pháp số 1: không có án tích"})
        complete(w, "dept-leader", code, "approval", {"approval_decision": "approve"})
        complete(w, "reception", code, "return_result", {
            "returned_to": "Trần Minh Khoa", "recipient_role": "applicant",
            "return_channel": "desk"})

        look_up(b, base, code, ID_NUMBER)
        wait_for(b, "#rate").click()
        wait_for(b, "#rating-form")
        b.find_element(By.ID, "send-rating").click()  # no level chosen: marked, nothing sent
        wait_text(b, "#error-level", "Chọn một mức")
        b.find_element(By.CSS_SELECTOR, "input[name=level][value='4']").click()
        b.find_element(By.CSS_SELECTOR, "input[name=c1][value='2']").click()
        b.find_element(By.CSS_SELECTOR, "input[name=c7][value='1']").click()
        b.find_element(By.ID, "complaint").send_keys("Cần thêm chỗ ngồi chờ")
        assert not b.find_element(By.ID, "error-level").text  # answered by the choice
        b.execute_script("window.scrollTo(0, 0)")
        screenshot(b, "public-rating")
        b.find_element(By.ID, "send-rating").click()
        wait_text(b, "#rated", "Hài lòng")

        events = call(w, "auditor", "GET", f"/dossiers/{code}/history?limit=1000")["items"]
        [rated] = [e["payload"] for e in events if e["kind"] == "dossier.rated"]
        assert (rated["level"], rated["criteria"], rated["complaint"], rated["channel"]) == (
            4, {"c1": 2, "c7": 1}, "Cần thêm chỗ ngồi chờ", "applicant")

        b.get(f"{base}/public/rating?code={code}")  # the proof kept for this tab
        wait_for(b, "#rating-form")
        b.find_element(By.CSS_SELECTOR, "input[name=level][value='1']").click()
        b.find_element(By.ID, "send-rating").click()
        wait_text(b, "#already-rated", "đã được đánh giá")

        b.get(f"{base}/lang/en?next=/public/lookup")  # the API's Vietnamese words, in English
        look_up(b, base, code, ID_NUMBER)
        wait_text(b, "#status", "Finished")
        assert b.find_element(By.ID, "portal-status").text == "10 · Result returned"
        assert b.find_element(By.CSS_SELECTOR, "a[data-kind='receipt']").text.startswith(
            "Receipt and appointment slip")


def test_the_lookup_limit_is_said_politely(tmp_path: Path) -> None:
    skip_without_browser()
    from selenium.webdriver.common.by import By

    w = make_world(tmp_path / "limit.sqlite3", False, public_lookups_per_minute=2)
    try:
        with served(w.app) as base, chromium() as b:
            for _ in range(2):
                look_up(b, base, "000.00.06.H56-260101-0001", ID_NUMBER)
                wait_text(b, "#result .alert", "Không tìm thấy")
            look_up(b, base, "000.00.06.H56-260101-0001", ID_NUMBER)
            wait_text(b, "#result .alert", "quá nhiều lần")
            assert "giây" in b.find_element(By.CSS_SELECTOR, "#result .alert").text
    finally:
        w.ctx.db_engine.dispose()


def drawn_pixels(b: Any, canvas_id: str) -> int:
    return int(b.execute_script(
        "const c = document.getElementById(arguments[0]);"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n;", canvas_id))


def cells(b: Any, css: str) -> dict[str, dict[str, str]]:
    """Each row's key (`data-month`, `data-unit`) to its cells' raw values by figure."""
    return dict(b.execute_script(
        "const out = {}; for (const tr of document.querySelectorAll(arguments[0])) {"
        " const key = tr.dataset.month || tr.dataset.unit || tr.dataset.group; out[key] = {};"
        " for (const td of tr.querySelectorAll('td[data-key]')) out[key][td.dataset.key] ="
        " td.dataset.value; } return out;", css))


def test_the_dashboard_shows_the_figures_of_the_api(demo: World) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    w = demo
    with served(w.app) as base, chromium() as b:
        # The demo's week, whatever the day of the year (no province: the one with units).
        since = (datetime.now(VN) - timedelta(days=10)).date().isoformat()
        b.get(f"{base}/public/figures?from={since}")
        wait_for(b, "#app[data-ready='true']")
        assert b.find_element(By.ID, "province").get_attribute("value") == "DEMO"
        for canvas in ("chart-timeliness", "chart-shares"):
            assert drawn_pixels(b, canvas) > 500, canvas
        period = {"from": b.find_element(By.ID, "from").get_attribute("value"),
                  "to": b.find_element(By.ID, "to").get_attribute("value")}

        def api(**query: str) -> Any:
            r = w.client.get(f"/api/v1/stats?{urlencode({'province': 'DEMO', **period, **query})}")
            assert r.status_code == 200, r.get_json()
            return r.get_json()

        months = api(group_by="month")
        assert months["total"]["finished"]["total"] > 0
        shown = cells(b, "#table-timeliness tbody tr")
        for g in months["groups"]:
            assert {k: shown[g["group"]][k] for k in ("early", "on_time", "late", "total")} == {
                k: str(g["finished"][k]) for k in ("early", "on_time", "late", "total")}
        assert sum(int(r["total"]) for r in shown.values()) == months["total"]["finished"]["total"]
        units = api(group_by="unit")
        shown_units = cells(b, "#table-units tbody tr")
        assert set(shown_units) == {g["group"] for g in units["groups"]}
        named = w.client.get("/api/v1/stats/choices?province=DEMO").get_json()["units"]
        for g in units["groups"]:
            assert shown_units[g["group"]]["received_new"] == str(g["received"]["new"])
            name = next(u["name"] for u in named if u["code"] == g["group"])
            row = b.find_element(By.CSS_SELECTOR, f"#table-units tr[data-unit='{g['group']}']")
            assert row.find_element(By.TAG_NAME, "th").text == f"{name} ({g['group']})"
            assert shown_units[g["group"]]["late"] == str(g["finished"]["late"])
        scored = w.client.get(f"/api/v1/stats/indicators?{urlencode({'province': 'DEMO', **period})}")
        total = b.find_element(By.ID, "computed-points")
        assert float(total.get_attribute("data-value")) == scored.get_json()["computed_points"]
        assert total.text == f"{scored.get_json()['computed_points']:g}".replace(".", ",")
        progress = cells(b, "#table-indicators tbody tr")["progress"]
        [expected] = [g for g in scored.get_json()["groups"] if g["group"] == "progress"]
        assert float(progress["points"]) == expected["points"]
        assert len(b.find_elements(By.CSS_SELECTOR, "#table-indicators tbody tr")) == 6
        csv = b.find_element(By.CSS_SELECTOR, "a[data-format='csv']").get_attribute("href")
        status, kind, body = fetched(b, csv)
        assert status == 200 and kind.startswith("text/csv") and body
        height = b.execute_script("return document.documentElement.scrollHeight")
        b.set_window_size(1366, height + 140)  # the whole dashboard in one picture
        screenshot(b, "public-figures")
        b.set_window_size(1366, 768)

        # One unit: the address keeps the choice, the tables follow the API's figures.
        unit = max(units["groups"], key=lambda g: g["finished"]["total"])["group"]
        Select(b.find_element(By.ID, "unit")).select_by_value(unit)
        b.find_element(By.ID, "show").click()
        wait_for(b, "#app[data-ready='true']")
        assert f"unit={unit}" in b.current_url
        one = api(group_by="month", unit=unit)
        shown = cells(b, "#table-timeliness tbody tr")
        assert sum(int(r["total"]) for r in shown.values()) == one["total"]["finished"]["total"]
        assert b.find_element(By.ID, "tile-finished").text.endswith(
            str(one["total"]["finished"]["total"]))

        # A period that ends before it starts: said in words, the choice kept to mend it.
        b.get(f"{base}/public/figures?province=DEMO&from=2026-05-01&to=2026-04-01")
        wait_text(b, "#app .alert", "Kỳ số liệu không hợp lệ")
        assert b.find_element(By.ID, "to").get_attribute("value") == "2026-04-01"
        b.back()
        wait_for(b, "#app[data-ready='true']")

        # Printed: the controls left out, the charts kept (drawn into the PDF as images).
        printed = b.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
        pdf = PdfReader(io.BytesIO(base64.b64decode(printed["data"])))
        text = re.sub(r"\s+", "", unicodedata.normalize(  # pypdf spaces out some letters
            "NFC", "".join(page.extract_text() for page in pdf.pages)))
        assert "Xemsốliệu" not in text and "Tảisốliệu" not in text  # the controls
        assert "Sớmhạn" in text and "ChỉsốtheoQuyếtđịnh766" in text
        assert sum(len(page.images) for page in pdf.pages) >= 2, "the charts did not print"
        b.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        assert not b.find_element(By.ID, "choice").is_displayed()
        assert b.find_element(By.ID, "chart-timeliness").is_displayed()
