"""An officer's day in a real browser: sign in (a demo user), find the dossier in the
inbox, claim the task, complete it through the form rendered from its JSON Schema by json-editor (the
browser's own checks first, the schema's if/then included, then a field error from the
server beside its field, in Vietnamese; no CSP violation on the way), and open the receipt on the dossier's page. Each page is saved under build/screenshots/."""
from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests.web.browser import (
    csp_violations,
    leave_valid,
    screenshot,
    served,
    skip_without_browser,
    wait_for,
    wait_text,
)

RECEPTION = "Cán bộ tiếp nhận Trung tâm tỉnh"  # the demo's demo-reception (api/demo.py)
INTAKE = {
    "process_key": "judicial_record_certificate", "channel": "online",
    "applicant": {"type": "citizen", "name": "Trần Minh Khoa", "id_number": "001095012345",
                  "address": "Thôn Đông, xã Yên Bình", "phone": "0987654321"},
    "data": {"person_name": "Trần Minh Khoa", "person_id_number": "001095012345",
             "date_of_birth": "1995-04-12", "residence": "Thôn Đông, xã Yên Bình",
             "certificate_type": "1", "purpose": "Bổ sung hồ sơ xin việc", "copies": 1,
             "documents": [{"name": "Tờ khai", "original": True}]},
}


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Any]:
    """The demo on a database of its own (SQLite): the inbox shows only this test's work,
    whatever else the test session put in the demo province."""
    skip_without_browser()
    from api.app import create_app
    from api.demo import load_demo
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
                        session_secret="browser-test-" * 3)
    load_demo(settings)
    app = create_app(settings)
    install(app.extensions["motcua"], make_broker(""))
    yield app
    app.extensions["motcua"].db_engine.dispose()


def test_an_officer_completes_a_task_in_the_browser(demo: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    api = demo.test_client()
    started = api.post("/api/v1/dossiers", json=INTAKE,
                       headers={"Authorization": "Bearer demo-client",
                                "Idempotency-Key": f"browser-{id(demo)}"})
    assert started.status_code == 201, started.get_json()
    code = started.get_json()["code"]
    task = started.get_json()["current_steps"][0]
    from tests.web.browser import chromium

    with served(demo) as base, chromium() as b:
        b.get(base + "/")
        wait_for(b, "button[data-demo='demo-reception']")
        assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
        screenshot(b, "01-signin")
        b.find_element(By.CSS_SELECTOR, "button[data-demo='demo-reception']").click()

        row_css = f"tr[data-task='{task['task_id']}']"
        row = wait_for(b, row_css)
        assert code in row.text
        # The procedure by its name in the catalogue, not its process key.
        procedure = row.find_element(By.CSS_SELECTOR, "td.procedure")
        assert procedure.text.startswith("Cấp Phiếu lý lịch tư pháp"), procedure.text
        wait_for(b, ".filters .chip .count")
        screenshot(b, "02-inbox")
        # A refusal is said in the page's language: here the server's answer to a claim
        # that another officer won a moment before (the request is answered in the page).
        b.execute_script(
            "const send = window.fetch; window.unhook = () => { window.fetch = send; };"
            "window.fetch = (url, init) => String(url).endsWith('/claim') ? Promise.resolve("
            " new Response(JSON.stringify({code: 'task-held', status: 409,"
            " detail: 'the task is held by another officer'}), {status: 409, headers:"
            " {'Content-Type': 'application/problem+json'}})) : send(url, init);")
        row.find_element(By.CSS_SELECTOR, "button.claim").click()
        wait_text(b, f"{row_css} .row-error", "Bước này đang do một cán bộ khác xử lý.")
        b.execute_script("window.unhook()")
        row.find_element(By.CSS_SELECTOR, "button.claim").click()
        wait_text(b, f"{row_css} td:nth-child(7)", RECEPTION)

        b.find_element(By.CSS_SELECTOR, f"{row_css} a.task-link").click()
        wait_for(b, "#task-form")
        wait_text(b, "#holder", RECEPTION)
        assert b.find_element(By.ID, "procedure").text.startswith("Cấp Phiếu lý lịch tư pháp")
        screenshot(b, "03-task")

        # The browser's checks: nothing chosen, the required decision is marked beside it,
        # worded in Vietnamese, and no request leaves the page.
        b.execute_script(
            "window.sent = 0; const send = window.fetch; window.fetch = (url, init) => {"
            " if (String(url).endsWith('/complete')) window.sent += 1; return send(url, init); };")
        b.find_element(By.ID, "complete").click()
        decision = b.find_element(By.CSS_SELECTOR, "select[name='root[reception_decision]']")
        field = decision.find_element(By.XPATH, "..")
        wait_text(b, ".field.invalid .field-error", "bắt buộc")
        assert field.find_element(By.CSS_SELECTOR, ".field-error").text == \
            "Trường này bắt buộc phải điền."
        assert b.switch_to.active_element == decision
        assert decision.get_attribute("aria-invalid") == "true"

        # The schema's if/then, checked in the browser too: accepting needs the handling unit.
        for value in ("request_form", "identity_papers"):
            b.find_element(By.CSS_SELECTOR, f"input[type=checkbox][value='{value}']").click()
        Select(decision).select_by_value("accept")
        WebDriverWait(b, 15).until(  # checked again as it changes
            lambda _: decision.get_attribute("aria-invalid") is None)
        b.find_element(By.ID, "complete").click()
        unit = b.find_element(By.CSS_SELECTOR, "input[name='root[handling_unit]']")
        unit_field = unit.find_element(By.XPATH, "..")
        wait_text(b, "div.field.invalid .field-error", "bắt buộc")
        assert unit_field.find_element(By.CSS_SELECTOR, ".field-error").text == \
            "Trường này bắt buộc phải điền."
        assert b.switch_to.active_element == unit
        assert b.execute_script("return window.sent") == 0
        screenshot(b, "04-task-browser-check")

        # The server's check, for a client whose own checks were skipped: the request leaves
        # without the unit typed, and the 422's field error is shown beside its field,
        # worded in the page's language from the keyword the server names, not its English.
        unit.send_keys("000.00.20.H56")
        leave_valid(b, unit, "#task-form")  # the browser's error goes: the button moves up
        b.execute_script(
            "const send = window.fetch; window.unhook = () => { window.fetch = send; };"
            "window.fetch = (url, init) => { if (!String(url).endsWith('/complete'))"
            " return send(url, init); const body = JSON.parse(init.body);"
            " delete body.data.handling_unit;"
            " return send(url, { ...init, body: JSON.stringify(body) }); };")
        b.find_element(By.ID, "complete").click()
        wait_text(b, ".form-errors", "Biểu mẫu còn lỗi")
        said = unit_field.find_element(By.CSS_SELECTOR, ".field-error").text
        assert said == "Trường này bắt buộc phải điền.", said
        assert "required" not in b.find_element(By.ID, "task-form").text
        assert unit.get_attribute("aria-invalid") == "true"
        assert b.execute_script("return window.sent") == 1
        assert api.get(f"/api/v1/tasks/{task['task_id']}", headers={
            "Authorization": "Bearer demo-reception"}).get_json()["status"] == "open"
        screenshot(b, "04-task-server-error")

        b.execute_script("window.unhook()")
        b.find_element(By.ID, "complete").click()
        wait_for(b, "#done")
        assert csp_violations(b) == []

        b.get(f"{base}/desk/dossiers/{code}")
        receipt = wait_for(b, "a[data-kind='receipt']")
        dossier = api.get(f"/api/v1/dossiers/{code}",
                          headers={"Authorization": "Bearer demo-auditor"}).get_json()
        due = datetime.fromisoformat(dossier["due_at"]).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
        shown = wait_for(b, "#due").text  # the province's time, in a browser set to UTC
        assert due.strftime("%H:%M") in shown and due.strftime("%d/%m/%Y") in shown, shown
        screenshot(b, "05-dossier")
        # Opened with the page's session, as the link does: form 01 of this dossier.
        status, kind, body = b.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0]).then(async r => { const bytes = new Uint8Array("
            " await r.arrayBuffer()); let s = ''; bytes.forEach(x => { s += String"
            ".fromCharCode(x); }); done([r.status, r.headers.get('content-type'), btoa(s)]); });",
            receipt.get_attribute("href"))
        assert (status, kind) == (200, "application/pdf")
        pdf = PdfReader(io.BytesIO(base64.b64decode(body)))
        assert code in "".join(page.extract_text() for page in pdf.pages)


def test_a_head_assigns_a_task_by_keyboard_in_english(demo: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from tests.web.browser import chromium

    api = demo.test_client()
    started = api.post("/api/v1/dossiers", json=INTAKE,
                       headers={"Authorization": "Bearer demo-client",
                                "Idempotency-Key": f"browser-assign-{id(demo)}"})
    assert started.status_code == 201, started.get_json()
    task_id = started.get_json()["current_steps"][0]["task_id"]
    found = api.get("/api/v1/principals", query_string={"q": "tiếp nhận"},
                    headers={"Authorization": "Bearer demo-admin"}).get_json()["items"]
    reception = next(p for p in found if p["name"] == RECEPTION)

    with served(demo) as base, chromium() as b:
        b.get(f"{base}/lang/en?next=/signin")
        head = wait_for(b, "button[data-demo='demo-head']")
        assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        b.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        assert b.switch_to.active_element.get_attribute("class") == "skip"
        head.send_keys(Keys.ENTER)

        row_css = f"tr[data-task='{task_id}']"
        row = wait_for(b, row_css)
        assert b.find_element(By.TAG_NAME, "h1").text == "Inbox"
        row.find_element(By.CSS_SELECTOR, "input[name='principal_id']").send_keys(
            str(reception["id"]), Keys.ENTER)
        wait_text(b, "#notice", RECEPTION)  # held by another: off this list
        b.get(f"{base}/desk?claimed=true")  # a head sees the unit's held tasks
        wait_text(b, f"{row_css} td:nth-child(7)", RECEPTION)
        screenshot(b, "07-inbox-assigned-en")
    task = api.get(f"/api/v1/tasks/{task_id}",
                   headers={"Authorization": "Bearer demo-reception"}).get_json()
    assert task["holder"]["id"] == reception["id"]
