"""An auditor in a real browser: signs in (a demo user), finds a dossier that went through a
loop (reception, guidance, reception again), opens its replay, sees the record verified and
the path on the diagram (the loop's passes counted), and moves the slider back by keyboard
to an earlier event, where the dossier stood elsewhere. An officer's dossier page shows the
diagram with the current step marked. Each page is saved under build/screenshots/."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.web.browser import screenshot, served, wait_for, wait_text
from tests.web.test_desk_browser import INTAKE, demo  # noqa: F401 (the demo fixture)

ROOT_PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def _guidance_steps() -> list[dict[str, Any]]:
    scenarios = json.loads((ROOT_PROCESSES / "judicial_record_certificate.scenarios.json")
                           .read_text(encoding="utf-8"))
    found = scenarios["scenarios"] if isinstance(scenarios, dict) else scenarios
    return next(s for s in found if s["name"] == "guidance_then_granted")["steps"][:3]


def _through_the_loop(app: Any, key: str) -> str:
    """A dossier received, sent back for guidance, received again: now at the appraisal."""
    api = app.test_client()
    r = api.post("/api/v1/dossiers", json=INTAKE, headers={
        "Authorization": "Bearer demo-client", "Idempotency-Key": key})
    assert r.status_code == 201, r.get_json()
    d = r.get_json()
    for s in _guidance_steps():
        [task] = [t for t in d["current_steps"] if t["element_id"] == s["task"]]
        r = api.post(f"/api/v1/tasks/{task['task_id']}/complete", json={"data": s["data"]},
                     headers={"Authorization": "Bearer demo-reception"})
        assert r.status_code == 200, r.get_json()
        d = r.get_json()
    assert [t["element_id"] for t in d["current_steps"]] == ["appraisal"], d["current_steps"]
    return str(d["code"])


def _fetched(b: Any, href: str) -> Any:
    return b.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => done([r.status, r.headers.get('content-type')]));", href)


def _marked(b: Any, element: str, marker: str) -> bool:
    from selenium.webdriver.common.by import By

    return bool(b.find_elements(
        By.CSS_SELECTOR, f"g.djs-element.{marker}[data-element-id='{element}']"))


def test_an_auditor_replays_a_dossier_to_an_earlier_event(demo: Any) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    from tests.web.browser import chromium

    code = _through_the_loop(demo, f"audit-{id(demo)}")
    events = demo.test_client().get(f"/api/v1/dossiers/{code}/history?limit=1000", headers={
        "Authorization": "Bearer demo-auditor"}).get_json()["items"]
    first_done = next(e["seq"] for e in events if e["kind"] == "task.completed")

    with served(demo) as base, chromium() as b:
        b.get(base + "/audit")  # signed out: to the sign-in, and back here after it
        wait_for(b, "button[data-demo='demo-auditor']").click()
        query = wait_for(b, "#f-q")
        assert b.current_url == base + "/audit"
        query.send_keys("tran minh khoa")  # the applicant's name, without diacritics
        Select(b.find_element(By.ID, "f-status")).select_by_value("finished")
        query.send_keys(Keys.ENTER)
        wait_text(b, "#results", "Không có hồ sơ nào phù hợp.")
        assert "status=finished" in b.current_url  # the search is in the address
        Select(b.find_element(By.ID, "f-status")).select_by_value("in_process")
        b.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
        row = wait_for(b, f"tr[data-code='{code}']")
        assert "Trần Minh Khoa" in row.text and "Đang xử lý" in row.text
        screenshot(b, "11-audit-search")

        row.find_element(By.CSS_SELECTOR, "a.dossier-link").click()
        wait_text(b, "#verdict-overall", "Nguyên vẹn")
        assert b.find_element(By.ID, "verdict-overall").get_attribute("data-intact") == "true"
        assert "Chạy lại quy trình" in b.find_element(By.ID, "verdict-reexecution").text
        wait_for(b, ".diagram[data-state='ready']")
        wait_for(b, f".replay[data-seq='{len(events)}']")
        assert _marked(b, "appraisal", "motcua-active")
        assert _marked(b, "reception", "motcua-done") and _marked(b, "guidance", "motcua-done")
        count = wait_for(b, ".pass-count[data-element='reception']")
        assert count.text == "×2"
        assert "Đang xử lý" in b.find_element(By.ID, "moment-status").text
        sheet = b.find_element(By.ID, "control-sheet").get_attribute("href")
        assert sheet.endswith(f"/api/v1/dossiers/{code}/control-sheet?format=pdf")
        book = b.find_element(By.ID, "tracking-book").get_attribute("href")
        for href in (sheet, book):  # opened with the page's session, as the links are
            assert _fetched(b, href) == [200, "application/pdf"], href
        b.execute_script("document.getElementById('replay-title').scrollIntoView()")
        screenshot(b, "12-audit-replay")

        # Back to the first reception's completion, by keyboard only.
        slider = b.find_element(By.ID, "seq")
        slider.send_keys(Keys.HOME)
        wait_for(b, ".replay[data-seq='1']")
        wait_text(b, "#event-kind", "Tiếp nhận hồ sơ")
        assert _marked(b, "reception", "motcua-active")
        assert not b.find_elements(By.CSS_SELECTOR, ".pass-count[data-element]")
        for _ in range(first_done - 1):
            slider.send_keys(Keys.ARROW_RIGHT)
        wait_for(b, f".replay[data-seq='{first_done}']")
        wait_text(b, "#event-kind", "Hoàn thành bước")
        # Who acted: the position and the unit by their registered names, not their codes.
        wait_text(b, "#event-actor", "Cán bộ tiếp nhận Trung tâm tỉnh · Công chức tiếp nhận và "
                                     "trả kết quả · Trung tâm Phục vụ hành chính công tỉnh")
        wait_text(b, "#moment-steps", "Hướng dẫn")  # the guidance step waits
        assert _marked(b, "guidance", "motcua-active")
        assert _marked(b, "reception", "motcua-done")
        assert _marked(b, "reception", "motcua-focus")  # the step this event completed
        assert not _marked(b, "appraisal", "motcua-active")
        assert not b.find_elements(By.CSS_SELECTOR, ".pass-count[data-element]")
        assert f"seq={first_done}" in b.current_url  # the moment has an address
        assert b.find_element(By.ID, "seq-position").text.startswith(f"Sự kiện {first_done} /")
        b.execute_script("document.getElementById('replay-title').scrollIntoView()")
        screenshot(b, "13-audit-replay-earlier")


def test_the_dossier_page_shows_the_diagram_with_the_current_step(demo: Any) -> None:  # noqa: F811
    from tests.web.browser import chromium

    code = _through_the_loop(demo, f"desk-diagram-{id(demo)}")
    with served(demo) as base, chromium() as b:
        b.get(f"{base}/signin?next=/desk/dossiers/{code}")
        wait_for(b, "button[data-demo='demo-dept-specialist']").click()
        wait_for(b, ".diagram[data-state='ready']")
        wait_for(b, "g.djs-element.motcua-active[data-element-id='appraisal']")
        assert _marked(b, "reception", "motcua-done")
        assert wait_for(b, ".pass-count[data-element='reception']").text == "×2"
        screenshot(b, "06-dossier-diagram")


def _rewrite_first_completion(app: Any, code: str) -> int:
    """The attacker with the database file: sets the trigger aside, rewrites what an officer
    submitted, puts the trigger back (the chain is not re-sealed)."""
    from sqlalchemy import text

    with app.extensions["motcua"].db_engine.begin() as conn:
        guard = conn.execute(text("SELECT sql FROM sqlite_master "
                                  "WHERE name = 'history_events_no_update'")).scalar_one()
        conn.execute(text("DROP TRIGGER history_events_no_update"))
        seq, payload = conn.execute(text(
            "SELECT e.seq, e.payload FROM history_events e JOIN dossiers d ON d.id = "
            "e.dossier_id WHERE d.code = :c AND e.kind = 'task.completed' ORDER BY e.seq "
            "LIMIT 1"), {"c": code}).one()
        changed = json.loads(payload) if isinstance(payload, str) else dict(payload)
        changed["data"]["comment"] = "written afterwards"
        conn.execute(text("UPDATE history_events SET payload = :p WHERE seq = :s AND "
                          "dossier_id = (SELECT id FROM dossiers WHERE code = :c)"),
                     {"p": json.dumps(changed, ensure_ascii=False), "s": seq, "c": code})
        conn.execute(text(guard))
    return int(seq)


def test_a_rewritten_record_is_shown_not_intact_and_its_event_replayed(
        demo: Any) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    from tests.web.browser import chromium

    code = _through_the_loop(demo, f"audit-tampered-{id(demo)}")
    seq = _rewrite_first_completion(demo, code)
    with served(demo) as base, chromium() as b:
        b.get(f"{base}/audit/dossiers/{code}")
        wait_for(b, "button[data-demo='demo-auditor']").click()
        wait_text(b, "#verdict-overall", "KHÔNG nguyên vẹn")
        chain = b.find_element(By.ID, "verdict-chain")
        assert "check-failed" in chain.get_attribute("class")
        assert f"sự kiện {seq}" in chain.text, chain.text
        # Said in Vietnamese by the divergence's code, not in the API's English.
        assert "không khớp với mã băm" in chain.text and "does not match" not in chain.text
        screenshot(b, "14-audit-not-intact")
        chain.find_element(By.CSS_SELECTOR, f"button[data-seq='{seq}']").click()
        wait_for(b, f".replay[data-seq='{seq}']")
        wait_text(b, "#event-kind", f"{seq} · Hoàn thành bước")
        assert b.switch_to.active_element.get_attribute("id") == "seq"
