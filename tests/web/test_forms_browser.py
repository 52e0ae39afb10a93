"""Every form of the catalogue (forms/*.json) drawn by json-editor in the form editor's
preview, in chromium under the pages' CSP: each shows its fields, with no error in the
console and no style refused; trying the empty form marks a required field beside it."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import World, make_world
from tests.web.browser import csp_violations, served, skip_without_browser, wait_for

FORMS = sorted((Path(__file__).resolve().parents[2] / "forms").glob("*.json"))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    skip_without_browser()
    from engine.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'forms.sqlite3'}"
    upgrade(url)
    w = make_world(url, session_secret="f" * 32)
    yield w
    w.ctx.db_engine.dispose()


def test_every_catalogue_form_is_drawn_under_the_csp(world: World) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.web.browser import chromium

    with served(world.app) as base, chromium() as b:
        b.get(f"{base}/signin?next=/design/forms")
        wait_for(b, "#token").send_keys(world.tokens["designer"])
        b.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()
        area = wait_for(b, "#schema")
        wait_for(b, "#preview .je-ready")
        assert len(FORMS) > 20
        for path in FORMS:
            schema = json.loads(path.read_text(encoding="utf-8"))
            b.execute_script("document.getElementById('preview').replaceChildren();"
                             "arguments[0].value = arguments[1];"
                             "arguments[0].dispatchEvent(new Event('input'));",
                             area, json.dumps(schema))
            wait_for(b, "#preview .je-ready")
            fields = b.find_elements(By.CSS_SELECTOR, "#preview [data-schemapath^='root.']")
            assert len(fields) >= len(schema["properties"]), path.name
            assert not b.find_elements(By.CSS_SELECTOR, "#preview.stale"), path.name
            b.find_element(By.ID, "try-form").click()
            WebDriverWait(b, 10).until(lambda d: d.find_elements(By.ID, "try-result"))
            # An empty list meets "required": the first required field of another kind.
            required = [k for k in schema.get("required", [])
                        if schema["properties"][k].get("type") != "array"]
            if required:
                first = required[0]
                marked = b.find_elements(
                    By.CSS_SELECTOR, f"#preview [data-schemapath='root.{first}'] .field-error")
                assert any(m.text for m in marked), (path.name, first)
            errors = [e["message"] for e in b.get_log("browser")
                      if e["level"] == "SEVERE" and "favicon" not in e["message"]]
            assert errors == [], (path.name, errors)
        assert csp_violations(b) == []
