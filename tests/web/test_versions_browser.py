"""A designer's versions and forms in a real browser: sign in, compare two versions of a
process (the changed condition, the form's new required field), activate the draft and
retire it after confirming (Escape cancels), then edit a form: the preview follows the typed
schema, a syntax error is shown at its line and column, the server refuses an invalid
schema. An officer who tries to activate a version is shown the API's refusal. Each page is
saved under build/screenshots/."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.deployments import two_steps_xml, upload, versions_of
from tests.api.helpers import TWO_STEPS, started, two_steps_forms
from tests.conftest import World, make_world
from tests.web.browser import (
    csp_violations,
    leave_valid,
    screenshot,
    served,
    skip_without_browser,
    wait_for,
    wait_text,
)

PROCEDURE = {"name": "Cấp bản sao trích lục", "process_key": "two_steps", "sector": "Tư pháp",
             "level": "commune", "rules": [{"effective_from": "2025-07-01", "calendar": "vn",
                                            "limits": {"default": {"value": 3,
                                                                   "unit": "working_days"}}}]}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[World]:
    """A province of its own on SQLite: two_steps version 1 active, version 2 a draft (the
    fee doubled, the receiving form's note now required); a dossier under way on version 1."""
    skip_without_browser()
    from engine.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'versions.sqlite3'}"
    upgrade(url)
    w = make_world(url, session_secret="b" * 32)
    assert upload(w, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    started(w)  # a dossier under way on version 1
    forms = two_steps_forms()
    receive = json.loads(forms["receive.json"])
    receive["required"].append("note")
    forms["receive.json"] = json.dumps(receive).encode()
    xml = two_steps_xml(**{"100000 * copies": "200000 * copies"})
    r = upload(w, xml, forms, form={"activate": "false"})
    assert r.status_code == 201 and r.get_json()["status"] == "draft", r.get_json()
    r = w.client.put("/api/v1/procedures/CT-01", json=PROCEDURE, headers=w.headers("designer"))
    assert r.status_code == 201, r.get_json()
    yield w
    w.ctx.db_engine.dispose()


def sign_in(b: Any, base: str, token: str, page: str) -> None:
    from selenium.webdriver.common.by import By

    b.get(f"{base}/signin?next={page}")
    wait_for(b, "#token").send_keys(token)
    b.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()


def row(b: Any, version: int) -> Any:
    return wait_for(b, f"#process-two_steps tr[data-version='{version}']")


def status_of(b: Any, version: int) -> str:
    from selenium.webdriver.common.by import By

    return str(row(b, version).find_element(By.CSS_SELECTOR, "[data-status]")
               .get_attribute("data-status"))


def test_a_designer_compares_activates_retires_and_edits_a_form(site: World) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from tests.web.browser import chromium

    with served(site.app) as base, chromium() as b:
        sign_in(b, base, site.tokens["designer"], "/design")
        wait_for(b, "#process-two_steps")
        assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
        assert "Cấp bản sao trích lục" in wait_for(b, "#procedures").text
        assert (status_of(b, 1), status_of(b, 2)) == ("active", "draft")
        assert row(b, 1).find_element(By.CSS_SELECTOR, "td[data-running]").text == "1"
        assert row(b, 2).find_element(By.CSS_SELECTOR, "td[data-running]").text == "0"
        modeller = row(b, 2).find_element(By.CSS_SELECTOR, "a.modeller")
        assert modeller.get_attribute("href").endswith("/design/modeller?key=two_steps&version=2")
        screenshot(b, "versions-01-list")

        # Compare: version 1 to version 2, the defaults.
        b.find_element(By.CSS_SELECTOR, "form.compare[data-key='two_steps'] button").click()
        diff = wait_for(b, "#diff")
        compute = diff.find_element(By.CSS_SELECTOR, "tr.diff-changed[data-element]")
        assert "100000 * copies" in compute.text and "200000 * copies" in compute.text
        form = diff.find_element(By.CSS_SELECTOR, "[data-form='receive.json']")
        assert "note" in form.text and "Thành bắt buộc" in form.text
        screenshot(b, "versions-02-diff")

        # Activate the draft, after confirming.
        row(b, 2).find_element(By.CSS_SELECTOR, "button.activate").click()
        dialog = wait_for(b, "dialog#confirm")
        assert "phiên bản 2" in dialog.text and "phiên bản 1" in dialog.text
        screenshot(b, "versions-03-confirm")
        b.find_element(By.ID, "confirm-yes").click()
        wait_text(b, "#notice", "Đã kích hoạt phiên bản 2")
        assert (status_of(b, 1), status_of(b, 2)) == ("retired", "active")

        # Retiring the active version warns; Escape cancels, confirming retires it.
        row(b, 2).find_element(By.CSS_SELECTOR, "button.retire").click()
        assert "không còn phiên bản nào" in wait_for(b, "dialog#confirm").text
        b.switch_to.active_element.send_keys(Keys.ESCAPE)
        WebDriverWait(b, 5).until(lambda d: not d.find_elements(By.ID, "confirm"))
        assert status_of(b, 2) == "active"
        row(b, 2).find_element(By.CSS_SELECTOR, "button.retire").click()
        wait_for(b, "#confirm-yes").click()
        wait_text(b, "#notice", "Đã ngừng áp dụng phiên bản 2")
        assert status_of(b, 2) == "retired"
        assert [v["status"] for v in versions_of(site, "two_steps")] == ["retired", "retired"]
        screenshot(b, "versions-04-retired")

        # The form editor, opened on version 2's receiving form.
        row(b, 2).find_element(By.CSS_SELECTOR, "a.form-link[href$='receive.json']").click()
        # (json-editor's chunk is the largest the pages load: a loaded machine takes a while)
        wait_for(b, "#preview input[name='root[copies]']", timeout=45.0)
        schema = wait_for(b, "#schema")
        assert json.loads(schema.get_attribute("value"))["required"] == ["copies", "note"]
        screenshot(b, "versions-05-form")

        # Type a schema: the preview follows it.
        schema.send_keys(Keys.CONTROL, "a")
        schema.send_keys(Keys.DELETE)
        schema.send_keys('{"title": "Thẩm định", "type": "object", "required": ["tuoi"],\n'
                         '"properties": {"tuoi": {"type": "integer", "title": "Tuổi"}}}')
        wait_text(b, "#preview", "Tuổi")
        assert b.find_elements(By.CSS_SELECTOR, "#preview input[type=number][name='root[tuoi]']")
        assert not b.find_elements(By.CSS_SELECTOR, "#preview input[name='root[copies]']")
        screenshot(b, "versions-06-typed")

        # Trying the preview checks it as the task page would: the required age is marked.
        b.find_element(By.ID, "try-form").click()
        wait_text(b, "#preview .field.invalid .field-error", "bắt buộc")
        assert "alert" in b.find_element(By.ID, "try-result").get_attribute("class")
        age = b.find_element(By.CSS_SELECTOR, "#preview input[name='root[tuoi]']")
        age.send_keys("42")
        leave_valid(b, age, "#preview")
        b.find_element(By.ID, "try-form").click()
        wait_text(b, "#preview-data", '"tuoi": 42')
        assert not b.find_elements(By.CSS_SELECTOR, "#preview .field.invalid")
        screenshot(b, "versions-06-tried")

        # A syntax error: its line and column, and the way to it.
        schema.send_keys(Keys.END, ",")
        wait_text(b, "#json-error", "dòng 2, cột 62")
        assert schema.get_attribute("aria-invalid") == "true"
        b.find_element(By.ID, "go-to-error").click()
        assert b.switch_to.active_element == schema
        screenshot(b, "versions-07-syntax-error")

        # Valid JSON but no valid schema: a key given twice and a misspelt type are flagged
        # here, and the server refuses the type.
        schema.send_keys(Keys.BACKSPACE)
        wait_for(b, "#json-ok")
        schema.send_keys(Keys.CONTROL, Keys.HOME)
        schema.send_keys(Keys.DELETE)
        schema.send_keys('{"type": "objekt",')
        wait_text(b, "#schema-problems", 'khoá "type" xuất hiện hai lần')
        schema.send_keys(Keys.CONTROL, "a")
        schema.send_keys(Keys.DELETE)
        schema.send_keys('{"type": "objekt", "properties": {"tuoi": {"type": "integer"}}}')
        wait_text(b, "#schema-problems", 'kiểu "objekt" không có')
        b.find_element(By.ID, "check-server").click()
        problems = wait_for(b, "#server-problems")
        assert "objekt" in problems.text and "is not valid" in problems.text
        screenshot(b, "versions-08-server-check")

        # Fixed, the server accepts it with the version's diagram, and names its step.
        schema.send_keys(Keys.CONTROL, "a")
        schema.send_keys(Keys.DELETE)
        schema.send_keys('{"type": "object", "properties": {"copies": {"type": "integer"}}}')
        wait_for(b, "#json-ok")
        b.find_element(By.ID, "check-server").click()
        wait_for(b, "#server-ok")
        assert "receive" in b.find_element(By.ID, "used-by").text

        # A blank form: leaving the edited one is confirmed first; checked in a one-step
        # diagram made for the check.
        Select(b.find_element(By.ID, "open-form")).select_by_value("")
        wait_for(b, "#confirm-yes").click()
        wait_text(b, "#preview", "Họ và tên")
        assert b.find_element(By.ID, "file-name").get_attribute("value") == "new-form.json"
        b.find_element(By.ID, "check-server").click()
        wait_text(b, "#server-result", "sơ đồ tạm")
        assert b.find_elements(By.ID, "server-ok")
        assert b.current_url.endswith("/design/forms")
        assert csp_violations(b) == []


def test_an_officer_is_shown_the_refusal(site: World) -> None:
    from selenium.webdriver.common.by import By

    from tests.web.browser import chromium

    with served(site.app) as base, chromium() as b:
        b.get(f"{base}/lang/en?next=/signin")
        sign_in(b, base, site.tokens["officer"], "/design")
        row(b, 2).find_element(By.CSS_SELECTOR, "button.activate").click()
        wait_for(b, "#confirm-yes").click()
        wait_text(b, "#notice", "You may not do this.")
        assert "admin or designer" in b.find_element(By.ID, "notice").text
        assert status_of(b, 2) == "draft"
        screenshot(b, "versions-09-officer-refused")


def test_a_form_s_date_time_is_the_province_s_time_in_english(site: World) -> None:
    """A date-time is shown and typed in Asia/Ho_Chi_Minh (the browser runs in UTC) and sent
    with its +07:00; the renderer's own checks speak English when the page does."""
    from selenium.webdriver.common.by import By

    from tests.web.browser import chromium

    schema = {"type": "object", "required": ["note"], "properties": {
        "note": {"type": "string", "title": "Note"},
        "returned_at": {"type": "string", "format": "date-time", "title": "Returned at",
                        "default": "2026-12-03T02:30:00Z"}}}
    with served(site.app) as base, chromium() as b:
        b.get(f"{base}/lang/en?next=/signin")
        sign_in(b, base, site.tokens["designer"], "/design/forms")
        area = wait_for(b, "#schema")
        wait_for(b, "#preview input[name='root[full_name]']")
        b.execute_script("arguments[0].value = arguments[1];"
                         "arguments[0].dispatchEvent(new Event('input'));", area, json.dumps(schema))
        at = wait_for(b, "#preview input[type=datetime-local][name='root[returned_at]']")
        assert at.get_attribute("value") == "2026-12-03T09:30"
        b.find_element(By.ID, "try-form").click()
        wait_text(b, "#preview .field.invalid .field-error", "This field is required.")
        b.execute_script("arguments[0].value = '2026-12-04T08:15';"
                         "arguments[0].dispatchEvent(new Event('change'));", at)
        note = b.find_element(By.CSS_SELECTOR, "#preview input[name='root[note]']")
        note.send_keys("ok")
        leave_valid(b, note, "#preview")
        b.find_element(By.ID, "try-form").click()
        wait_text(b, "#preview-data", '"returned_at": "2026-12-04T08:15:00+07:00"')
        assert csp_violations(b) == []
