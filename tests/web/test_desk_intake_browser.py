"""The reception desk in a real browser: an officer receives a walk-in applicant through the
intake page (the procedure's start form rendered from its JSON Schema, a paper attached, a
field error from the server shown beside its field, then the dossier's page, its reception
step, and its receipt as PDF), and works a dossier's acts on its page (the supplement brought, then withdrawal with
its form 05), the statutory clock's remaining working time shown as it runs and pauses.
Screenshots under build/screenshots/."""
from __future__ import annotations

import base64
import io
from typing import Any

from pypdf import PdfReader
from reportlab.pdfgen import canvas

from tests.web.browser import (
    csp_violations,
    leave_valid,
    screenshot,
    served,
    wait_for,
    wait_text,
)
from tests.web.test_desk_browser import INTAKE, demo  # noqa: F401 (the fixture)

DEPARTMENT = "000.00.20.H56"  # the demo's Department of Justice
FETCH_PDF = (
    "const done = arguments[arguments.length - 1];"
    "fetch(arguments[0]).then(async r => { const bytes = new Uint8Array(await r.arrayBuffer());"
    " let s = ''; bytes.forEach(x => { s += String.fromCharCode(x); });"
    " done([r.status, r.headers.get('content-type'), btoa(s)]); });")


def pdf_text(driver: Any, href: str) -> str:
    """The PDF at `href`, fetched with the page's session as its link would, as text."""
    status, kind, body = driver.execute_async_script(FETCH_PDF, href)
    assert (status, kind) == (200, "application/pdf")
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(base64.b64decode(body))).pages)


def sign_in(driver: Any, base: str, who: str) -> None:
    driver.get(base + "/signin")
    wait_for(driver, f"button[data-demo='{who}']").click()
    wait_for(driver, "h1")


def test_a_reception_officer_receives_a_walk_in_applicant(demo: Any, tmp_path: Any) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from tests.web.browser import chromium

    paper = tmp_path / "to-khai.pdf"
    sheet = canvas.Canvas(str(paper))
    sheet.drawString(72, 720, "To khai yeu cau cap Phieu ly lich tu phap")
    sheet.save()
    with served(demo) as base, chromium() as b:
        sign_in(b, base, "demo-reception")
        wait_for(b, "#new-dossier").click()
        procedure = Select(wait_for(b, "#procedure"))
        procedure.select_by_visible_text(next(
            o.text for o in procedure.options if o.text.startswith("Cấp Phiếu lý lịch tư pháp")))
        wait_for(b, "#intake-form")
        applicant, data = INTAKE["applicant"], INTAKE["data"]

        def field(name: str) -> Any:
            return b.find_element(By.CSS_SELECTOR, f"[name='root{name}']")

        for key in ("name", "id_number", "address", "phone"):
            field(f"[applicant][{key}]").send_keys(applicant[key])
        Select(field("[applicant][type]")).select_by_value("citizen")
        for key in ("person_name", "person_id_number", "residence", "purpose"):
            field(f"[data][{key}]").send_keys(data[key])
        b.execute_script("arguments[0].value = '1995-04-12';"
                         "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                         field("[data][date_of_birth]"))
        Select(field("[data][certificate_type]")).select_by_value("1")
        screenshot(b, "10-intake")

        # The server's check, for a client whose own checks were skipped: the person's name
        # is taken out of the request, and the 422 is shown beside its field, in Vietnamese.
        b.execute_script(
            "const send = window.fetch; window.unhook = () => { window.fetch = send; };"
            "window.fetch = (url, init) => { if (!String(url).endsWith('/api/v1/dossiers'))"
            " return send(url, init); const body = JSON.parse(init.body);"
            " delete body.data.person_name;"
            " return send(url, { ...init, body: JSON.stringify(body) }); };")
        b.find_element(By.ID, "receive").click()
        wait_text(b, ".form-errors", "Biểu mẫu còn lỗi")
        name = field("[data][person_name]")
        said = name.find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, ".field-error")
        assert said.text == "Trường này bắt buộc phải điền.", said.text
        assert name.get_attribute("aria-invalid") == "true"
        screenshot(b, "11-intake-server-error")

        # Fixed (the request goes whole again), with the application form attached.
        b.execute_script("window.unhook()")
        name.send_keys(" ")
        leave_valid(b, name, "#intake-form")
        b.find_element(By.CSS_SELECTOR, "input[name='file.request_form']").send_keys(str(paper))
        b.find_element(By.ID, "receive").click()
        # The dossier's page: the paper is kept; the receipt comes with the reception step,
        # where the statutory clock starts (not yet running: no time left shown).
        wait_text(b, "#notice", "Đã tạo hồ sơ")
        code = b.find_element(By.TAG_NAME, "h1").text.split()[-1]
        assert b.current_url.startswith(f"{base}/desk/dossiers/{code}")
        wait_for(b, "a[data-kind='request_form']")
        assert b.find_element(By.ID, "remaining").text == "—"
        screenshot(b, "12-intake-made")
        b.find_element(By.ID, "next-step").click()
        wait_for(b, "#task-form")
        for value in ("request_form", "identity_papers"):
            b.find_element(By.CSS_SELECTOR, f"input[type=checkbox][value='{value}']").click()
        Select(b.find_element(By.CSS_SELECTOR, "select[name='root[reception_decision]']")) \
            .select_by_value("accept")
        b.find_element(By.CSS_SELECTOR, "input[name='root[handling_unit]']").send_keys(DEPARTMENT)
        b.find_element(By.ID, "complete").click()
        wait_for(b, "#done")
        b.find_element(By.PARTIAL_LINK_TEXT, code).click()
        receipt = wait_for(b, "a[data-kind='receipt']")
        assert b.find_element(By.ID, "remaining").text.endswith("làm việc")
        screenshot(b, "13-intake-received")
        assert code in pdf_text(b, receipt.get_attribute("href"))
        assert csp_violations(b) == []
    found = demo.test_client().get(f"/api/v1/dossiers/{code}",
                                   headers={"Authorization": "Bearer demo-auditor"}).get_json()
    assert found["channel"] == "desk" and found["applicant"]["name"] == applicant["name"]
    assert found["data"]["person_name"] == data["person_name"] + " "


def complete(api: Any, code: str, element: str, who: str, data: dict[str, Any]) -> None:
    steps = api.get(f"/api/v1/dossiers/{code}",
                    headers={"Authorization": "Bearer demo-auditor"}).get_json()["current_steps"]
    task = next(s for s in steps if s["element_id"] == element)
    r = api.post(f"/api/v1/tasks/{task['task_id']}/complete", json={"data": data},
                 headers={"Authorization": f"Bearer {who}"})
    assert r.status_code == 200, r.get_json()


def test_the_desk_records_a_supplement_then_withdraws_the_dossier(demo: Any) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from tests.web.browser import chromium

    api = demo.test_client()
    r = api.post("/api/v1/dossiers", json=INTAKE, headers={
        "Authorization": "Bearer demo-client", "Idempotency-Key": f"acts-{id(demo)}"})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    complete(api, code, r.get_json()["current_steps"][0]["element_id"], "demo-reception", {
        "documents_checked": ["request_form", "identity_papers"],
        "reception_decision": "accept", "handling_unit": DEPARTMENT})
    complete(api, code, "appraisal", "demo-dept-specialist", {"appraisal_decision": "supplement"})
    complete(api, code, "request_supplement", "demo-dept-specialist", {
        "supplement_reason": "Thiếu giấy tờ chứng minh nơi cư trú",
        "missing_documents": ["Giấy xác nhận thông tin về cư trú"]})

    with served(demo) as base, chromium() as b:
        sign_in(b, base, "demo-reception")
        b.get(f"{base}/desk/dossiers/{code}")
        wait_for(b, "#acts")
        assert "tạm dừng, còn" in b.find_element(By.ID, "remaining").text
        offered = [e.get_attribute("data-act") for e in b.find_elements(By.CSS_SELECTOR, "details.act")]
        assert offered == ["supplement", "withdraw", "stop", "apology"]
        b.find_element(By.CSS_SELECTOR, "details[data-act='supplement'] > summary").click()
        Select(wait_for(b, "#act-supplement select[name='root[documents][0][kind]']")) \
            .select_by_value("residence_papers")
        b.find_element(By.CSS_SELECTOR, "#act-supplement input[name='root[documents][0][name]']") \
            .send_keys("Giấy xác nhận thông tin về cư trú")
        screenshot(b, "14-dossier-supplement")
        b.find_element(By.ID, "send-supplement").click()
        wait_for(b, "#confirm-yes").click()
        wait_text(b, "#notice", "Đã ghi nhận hồ sơ bổ sung")
        assert b.find_element(By.ID, "paused").text == "Không"
        assert b.find_element(By.ID, "remaining").text.endswith("làm việc")
        assert not b.find_elements(By.CSS_SELECTOR, "details[data-act='supplement']")

        # Withdrawal at the applicant's request: the reason is required, then confirmed.
        b.find_element(By.CSS_SELECTOR, "details[data-act='withdraw'] > summary").click()
        wait_for(b, "#send-withdraw").click()
        reason = b.find_element(By.CSS_SELECTOR, "#act-withdraw textarea[name='root[reason]'], "
                                                 "#act-withdraw input[name='root[reason]']")
        wait_text(b, "#act-withdraw .field.invalid .field-error", "bắt buộc")
        reason.send_keys("Người nộp đề nghị rút hồ sơ để bổ sung giấy tờ khác")
        leave_valid(b, reason, "#act-withdraw")
        b.find_element(By.ID, "send-withdraw").click()
        wait_for(b, "#confirm-no").click()  # cancelled: nothing sent
        assert b.find_element(By.ID, "status").text.startswith("Đang xử lý")
        b.find_element(By.ID, "send-withdraw").click()
        wait_for(b, "#confirm-yes").click()
        wait_text(b, "#notice", "Đã rút hồ sơ")
        assert b.find_element(By.ID, "status").text.startswith("Đã rút")
        notice = wait_for(b, "a[data-kind='withdrawal']")
        assert b.find_element(By.ID, "remaining").text == "—"
        assert not b.find_elements(By.CSS_SELECTOR, "details.act")
        screenshot(b, "15-dossier-withdrawn")
        assert code in pdf_text(b, notice.get_attribute("href"))
        assert csp_violations(b) == []
    ended = api.get(f"/api/v1/dossiers/{code}",
                    headers={"Authorization": "Bearer demo-auditor"}).get_json()
    assert ended["status"] == "withdrawn"
    assert ended["data"]["supplement"]["documents"] == [
        {"kind": "residence_papers", "name": "Giấy xác nhận thông tin về cư trú"}]
