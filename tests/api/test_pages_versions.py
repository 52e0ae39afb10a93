"""The designers' pages: /design (procedures and versions) and /design/forms (the form
editor) are shells behind the sign-in, in Vietnamese first, with the bundle they name; what
they show and do comes from the API (the data they read is checked here as the pages read
it, with the session cookie)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS, assert_problem
from tests.api.test_pages_session import csrf_of
from tests.conftest import World, make_world


@pytest.fixture
def site(db_url: str) -> Iterator[World]:
    w = make_world(db_url, session_secret="s" * 32)
    yield w
    w.ctx.db_engine.dispose()


def sign_in(w: World, who: str, next_page: str) -> str:
    csrf = csrf_of(w.client.get("/signin").get_data(as_text=True))
    r = w.client.post("/signin", data={"csrf_token": csrf, "token": w.tokens[who],
                                       "next": next_page})
    assert r.status_code == 303 and r.headers["Location"] == next_page
    page = w.client.get(next_page).get_data(as_text=True)
    return csrf_of(page.replace('name="csrf-token" content=', 'name="csrf_token" value='))


@pytest.mark.parametrize("path", ["/design", "/design/forms"])
def test_the_pages_need_a_sign_in(site: World, path: str) -> None:
    r = site.client.get(path)
    assert r.status_code == 302 and r.headers["Location"] == f"/signin?next={path}"
    r = site.client.get(path + "?key=two_steps&version=1&form=receive.json")
    assert r.headers["Location"] == \
        f"/signin?next={path}%3Fkey%3Dtwo_steps%26version%3D1%26form%3Dreceive.json"


@pytest.mark.parametrize(("path", "script", "title"), [
    ("/design", "versions", "Quy trình và phiên bản"),
    ("/design/forms", "form-editor", "Soạn biểu mẫu")])
def test_a_designer_gets_the_page_in_vietnamese(site: World, path: str, script: str,
                                                title: str) -> None:
    sign_in(site, "designer", path)
    r = site.client.get(path)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and '<html lang="vi">' in html
    assert f"<title>{title} · motcua</title>" in html
    assert f'data-page="{script}"' in html
    assert f'<script type="module" src="/assets/{script}.js?v=' in html
    assert '<link rel="stylesheet" href="/assets/versions.css?v=' in html
    for link in ('href="/design"', 'href="/design/forms"', 'href="/design/modeller"'):
        assert link in html
    assert 'aria-current="page"' in html
    assert "script-src" not in r.headers["Content-Security-Policy"]  # default-src 'self' only
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert site.client.get(f"/assets/{script}.js").status_code == 200
    assert site.client.get("/assets/versions.css").status_code == 200


def test_english_is_selectable(site: World) -> None:
    sign_in(site, "designer", "/design/forms")
    site.client.get("/lang/en?next=/design/forms")
    html = site.client.get("/design/forms").get_data(as_text=True)
    assert '<html lang="en">' in html and "<title>Form editor · motcua</title>" in html
    assert "Processes and versions" in html


def test_an_unbuilt_bundle_is_a_503_naming_the_fix(site: World, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(site, "designer", "/design")
    monkeypatch.setattr("api.page_shell.DIST", tmp_path)
    r = site.client.get("/design/forms")
    assert r.status_code == 503 and "make install" in r.get_data(as_text=True)


def test_the_data_the_pages_read_and_the_changes_they_send(site: World) -> None:
    """As the pages call the API: the session cookie for reads, the CSRF header for changes;
    the officer reads the versions but is refused their activation (the page shows the
    API's 403)."""
    assert site.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    csrf = sign_in(site, "designer", "/design")
    api = "/api/v1/process-definitions/two_steps/versions/1"
    assert site.client.get("/api/v1/process-definitions").get_json()[0]["status"] == "active"
    assert site.client.get("/api/v1/procedures").status_code == 200
    assert set(site.client.get(f"{api}/forms").get_json()["forms"]) == \
        {p.name for p in TWO_STEPS_FORMS}
    assert site.client.get(f"{api}/bpmn").mimetype == "application/xml"
    assert site.client.get(f"{api}/diff/1").get_json()["changed"] == []
    assert_problem(site.client.post(f"{api}/retire"), 403, "csrf-refused")
    r = site.client.post(f"{api}/retire", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.get_json()["status"] == "retired"

    officer = site.app.test_client()
    csrf = csrf_of(officer.get("/signin").get_data(as_text=True))
    officer.post("/signin", data={"csrf_token": csrf, "token": site.tokens["officer"],
                                  "next": "/design"})
    assert officer.get("/design").status_code == 200  # the page; the API decides
    page = officer.get("/design").get_data(as_text=True)
    csrf = csrf_of(page.replace('name="csrf-token" content=', 'name="csrf_token" value='))
    refused = assert_problem(officer.post(f"{api}/activate", headers={"X-CSRF-Token": csrf}),
                             403, "forbidden")
    assert "admin or designer" in refused["detail"]
