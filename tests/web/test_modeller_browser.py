"""A designer's modeller in a real browser: sign in, draw a small diagram (start → user task
→ end, through bpmn-js's modelling API), give the task its position and, by mistake, a unit
no route can name, by typing in the properties panel; validate: the problem appears on the
task (a marker and a badge) and in the list, whose item selects the task; fix the unit in
the panel; run two scenarios (one passes, one expects another end), see the path of one
highlighted; deploy, see the new version, and find the typed properties in the stored XML.
Each stage is saved under build/screenshots/."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import screenshot, served, skip_without_browser, wait_for, wait_text

DRAW = """
const m = window.motcuaModeler;
const modeling = m.get('modeling'), factory = m.get('elementFactory'), registry = m.get('elementRegistry');
const root = m.get('canvas').getRootElement();
modeling.updateProperties(root, { id: 'browser_permit', name: 'Cấp phép thử nghiệm' });
const start = registry.get('start_received');
const task = modeling.appendShape(start, factory.createShape({ type: 'bpmn:UserTask' }),
  { x: start.x + 200, y: start.y + 18 });
modeling.updateProperties(task, { id: 'appraisal', name: 'Thẩm định hồ sơ' });
const end = modeling.appendShape(task, factory.createShape({ type: 'bpmn:EndEvent' }),
  { x: task.x + 250, y: task.y + 40 });
modeling.updateProperties(end, { id: 'end_done', name: 'Hoàn thành' });
m.get('canvas').zoom('fit-viewport', 'auto');
return [start.id, task.id, end.id];
"""
APPLICANT = {"type": "citizen", "name": "Lê Thu Hà", "id_number": "001190000001"}
SCENARIOS = [
    {"name": "thẩm định xong", "applicant": APPLICANT, "data": {},
     "steps": [{"task": "appraisal", "data": {"appraisal_decision": "approve"}}],
     "expect": {"finished": True, "end_event": "end_done"}},
    {"name": "kết thúc sai chỗ", "applicant": APPLICANT, "data": {},
     "steps": [{"task": "appraisal", "data": {}}],
     "expect": {"finished": True, "end_event": "end_refused"}},
]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Any]:
    skip_without_browser()
    from api.app import create_app
    from api.demo import load_demo
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
                        session_secret="modeller-test-" * 3)
    load_demo(settings)
    app = create_app(settings)
    install(app.extensions["motcua"], make_broker(""))
    yield app
    app.extensions["motcua"].db_engine.dispose()


def type_into(b: Any, css: str, text: str) -> None:
    from selenium.webdriver.common.keys import Keys

    field = wait_for(b, css)
    field.click()
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(text)


def click_element(b: Any, element: str) -> None:
    """Click a shape of the diagram, scrolled into the canvas's view first."""
    from selenium.webdriver.common.by import By

    b.execute_script("const m = window.motcuaModeler; "
                     "m.get('canvas').scrollToElement(m.get('elementRegistry').get(arguments[0]))",
                     element)
    b.find_element(By.CSS_SELECTOR, f"g.djs-element[data-element-id='{element}']").click()


def open_group(b: Any) -> None:
    header = wait_for(b, "[data-group-id='group-motcua'] .bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def test_a_designer_draws_validates_and_deploys(demo: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    from tests.web.browser import chromium

    scenarios = tmp_path / "browser_permit.scenarios.json"
    scenarios.write_text(json.dumps(SCENARIOS, ensure_ascii=False), encoding="utf-8")
    with served(demo) as base, chromium() as b:
        b.get(base + "/design/modeller")
        type_into(b, "#token", "demo-designer")
        b.find_element(By.CSS_SELECTOR, "#token").submit()
        wait_for(b, "#app[data-ready='true'] .djs-palette")
        assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
        assert b.execute_script(DRAW) == ["start_received", "appraisal", "end_done"]

        # The task's properties, typed in the panel: a position, and a unit no route names.
        b.find_element(By.CSS_SELECTOR, "g.djs-element[data-element-id='appraisal']").click()
        open_group(b)
        wait_text(b, "[data-group-id='group-motcua']", "Vị trí việc làm")
        type_into(b, "#bio-properties-panel-motcua-position", "specialist")
        type_into(b, "#bio-properties-panel-motcua-unit", "Phòng Tư pháp")
        type_into(b, "#bio-properties-panel-motcua-stepBudget", "ba ngày")
        wait_text(b, "[data-entry-id='motcua-stepBudget'] .bio-properties-panel-error",
                  "working_days")
        type_into(b, "#bio-properties-panel-motcua-stepBudget", "2 working_days")
        screenshot(b, "modeller-01-drawn")

        b.find_element(By.ID, "validate").click()
        badge = wait_for(b, ".motcua-problem[data-element='appraisal']")
        assert badge.is_displayed()
        marked = b.find_element(By.CSS_SELECTOR, "g.djs-element[data-element-id='appraisal']")
        assert "motcua-error" in marked.get_attribute("class")
        item = wait_for(b, "#problems button[data-element='appraisal']")
        assert "Phòng Tư pháp" in b.find_element(By.ID, "problems").text
        screenshot(b, "modeller-02-problem-on-element")
        b.find_element(By.CSS_SELECTOR, "g.djs-element[data-element-id='end_done']").click()
        item.click()  # the list's item selects the element at fault
        assert b.execute_script(
            "return window.motcuaModeler.get('selection').get().map(e => e.id)") == ["appraisal"]

        # The fix, typed in the panel; then the scenarios run and one path is shown.
        open_group(b)
        type_into(b, "#bio-properties-panel-motcua-unit", "handling_unit")
        b.find_element(By.ID, "choose-scenarios")  # the button opens this input
        b.find_element(By.CSS_SELECTOR, "input[type=file][accept^='.json']:not([multiple])") \
            .send_keys(str(scenarios))
        wait_text(b, "#scenarios-note", scenarios.name)
        b.find_element(By.ID, "run-scenarios").click()
        wait_for(b, "#scenarios li[data-scenario='thẩm định xong'] .show-path")
        assert not b.find_elements(By.CSS_SELECTOR, ".motcua-problem")
        assert "Sơ đồ hợp lệ" in b.find_element(By.ID, "problems").text
        failed = b.find_element(By.CSS_SELECTOR, "#scenarios li[data-scenario='kết thúc sai chỗ']")
        assert "failed" in failed.get_attribute("class") and "end_refused" in failed.text
        b.find_element(By.CSS_SELECTOR,
                       "#scenarios li[data-scenario='thẩm định xong'] .show-path").click()
        for element in ("start_received", "appraisal", "end_done"):
            g = b.find_element(By.CSS_SELECTOR, f"g.djs-element[data-element-id='{element}']")
            assert "motcua-path" in g.get_attribute("class"), element
        wait_text(b, "#path-caption", "thẩm định xong")
        screenshot(b, "modeller-03-scenario-path")

        # Deploying with a failing scenario is refused; without the scenarios it goes live.
        b.find_element(By.ID, "deploy").click()
        wait_text(b, "#status", "Không triển khai được")
        b.find_element(By.ID, "forget-scenarios").click()
        b.find_element(By.ID, "deploy").click()
        deployed = wait_for(b, "#deployed")
        assert deployed.get_attribute("data-version") == "1"
        assert "browser_permit" in deployed.text and "đang áp dụng" in deployed.text
        assert b.current_url.endswith("/design/modeller?key=browser_permit&version=1")
        screenshot(b, "modeller-04-deployed")

    xml = demo.test_client().get(
        "/api/v1/process-definitions/browser_permit/versions/1/bpmn",
        headers={"Authorization": "Bearer demo-designer"}).get_data(as_text=True)
    for name, value in (("position", "specialist"), ("unit", "handling_unit"),
                        ("stepBudget", "2 working_days")):
        assert f'name="{name}" value="{value}"' in xml, name


def test_a_deployed_version_opens_with_its_portal_statuses_and_runs_its_scenarios(
        demo: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from tests.web.browser import chromium

    root = Path(__file__).resolve().parents[2]
    forms = sorted((root / "forms").glob("dd-*.json")) + [
        root / "forms" / name for name in ("guidance.json", "refusal.json",
                                           "result-return.json", "supplement-request.json")]
    with served(demo) as base, chromium() as b:
        b.get(base + "/design/modeller?key=land_first_registration&version=1")
        type_into(b, "#token", "demo-designer")
        b.find_element(By.CSS_SELECTOR, "#token").submit()
        wait_for(b, "#app[data-ready='true'] .djs-palette")
        wait_text(b, "#diagram-title", "v1 (đang áp dụng)")
        wait_text(b, "#forms-note", "dd-reception.json")

        # Without its forms the version does not validate: each task says which it lacks.
        b.find_element(By.ID, "validate").click()
        wait_for(b, ".motcua-problem[data-element='reception']")
        assert "dd-reception.json" in b.find_element(By.ID, "problems").text

        # The portal status the procedure maps an element to, in the panel: changed for
        # another element there, and saved with the procedure.
        portal = "#bio-properties-panel-motcua-portal-dd-first-registration"
        click_element(b, "fee_paid_received")
        open_group(b)
        assert Select(wait_for(b, portal)).first_selected_option.text == \
            "6 · Chờ thực hiện nghĩa vụ tài chính"
        assert b.find_element(By.ID, "bio-properties-panel-motcua-pausesClock").is_selected()
        assert not b.find_element(By.ID, "save-portal").is_displayed()
        click_element(b, "approval")
        open_group(b)
        wait_for(b, portal).send_keys("9")  # the keyboard picks "9 · Đã xử lý xong"
        wait_text(b, "#save-portal", "(1)")
        b.find_element(By.ID, "save-portal").click()
        wait_text(b, "#portal-saved", "dd-first-registration")
        assert not b.find_element(By.ID, "save-portal").is_displayed()

        b.find_element(By.CSS_SELECTOR, "input[type=file][multiple]") \
            .send_keys("\n".join(str(f) for f in forms))
        b.find_element(By.CSS_SELECTOR, "input[type=file][accept^='.json']:not([multiple])") \
            .send_keys(str(root / "processes" / "land_first_registration.scenarios.json"))
        b.find_element(By.ID, "run-scenarios").click()
        wait_for(b, "#scenarios li .show-path", timeout=60)
        results = b.find_elements(By.CSS_SELECTOR, "#scenarios li")
        assert len(results) >= 5 and all("passed" in r.get_attribute("class") for r in results)
        assert not b.find_elements(By.CSS_SELECTOR, ".motcua-problem")
        results[0].find_element(By.CSS_SELECTOR, ".show-path").click()
        assert b.find_elements(By.CSS_SELECTOR, "g.djs-element.motcua-path")
        screenshot(b, "modeller-05-land-scenario-path")

    mapping = demo.test_client().get(
        "/api/v1/procedures/dd-first-registration",
        headers={"Authorization": "Bearer demo-designer"}).get_json()["status_mapping"]
    assert mapping["approval"] == 9 and mapping["fee_paid_received"] == 6


SPIFFARENA = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d">
  <bpmn:process id="arena" isExecutable="true">
    <bpmn:userTask id="review" name="Review">
      <bpmn:extensionElements>
        <spiffworkflow:instructionsForEndUser>Check the &lt;b&gt;papers&lt;/b&gt;</spiffworkflow:instructionsForEndUser>
        <spiffworkflow:preScript>fee = 10</spiffworkflow:preScript>
        <spiffworkflow:properties>
          <spiffworkflow:property name="position" value="specialist" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="pl" bpmnElement="arena">
    <bpmndi:BPMNShape id="review_di" bpmnElement="review">
      <dc:Bounds x="100" y="100" width="100" height="80" />
    </bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""


def test_spiffarena_extensions_survive_the_modeller(demo: Any) -> None:
    from selenium.webdriver.common.by import By

    from tests.web.browser import chromium

    with served(demo) as base, chromium() as b:
        b.get(base + "/design/modeller")
        type_into(b, "#token", "demo-designer")
        b.find_element(By.CSS_SELECTOR, "#token").submit()
        wait_for(b, "#app[data-ready='true'] .djs-palette")
        saved = b.execute_async_script("""
            const done = arguments[arguments.length - 1], m = window.motcuaModeler;
            m.importXML(arguments[0]).then(() => m.saveXML())
              .then(({ xml }) => done(xml), (e) => done('failed: ' + e.message));
        """, SPIFFARENA)
    assert "<spiffworkflow:preScript>fee = 10</spiffworkflow:preScript>" in saved
    assert "<spiffworkflow:instructionsForEndUser>Check the &lt;b&gt;papers&lt;/b&gt;" in saved
    assert '<spiffworkflow:property name="position" value="specialist" />' in saved
