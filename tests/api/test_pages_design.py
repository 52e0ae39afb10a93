"""The modeller's page (/design/modeller): signed in or sent to sign in (and back), the
deployed version it names checked, its own CSP (inline style attributes, never inline
scripts), and a 503 naming the fix while the pages are not built."""
from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.test_pages_session import csrf_of, sign_in
from tests.conftest import World, make_world


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    # A bundle of our own: the page's shell needs only that its script exists.
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "modeller.js").write_text("", encoding="utf-8")
    (dist / "version.txt").write_text("abc123", encoding="ascii")
    monkeypatch.setattr("api.page_shell.DIST", dist)
    w = make_world(db_url, session_secret="s" * 32)
    yield w
    w.ctx.db_engine.dispose()


def test_signing_in_leads_back_to_the_modeller(site: World) -> None:
    resp = site.client.get("/design/modeller?key=permit&version=2")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/signin?next=/design/modeller%3Fkey%3Dpermit%26version%3D2"
    form = site.client.get(resp.headers["Location"]).get_data(as_text=True)
    signed = site.client.post("/signin", data={
        "csrf_token": csrf_of(form), "token": site.tokens["designer"],
        "next": "/design/modeller?key=permit&version=2"})
    assert signed.headers["Location"] == "/design/modeller?key=permit&version=2"
    assert 'name="next" value="/design/modeller?key=permit&amp;version=2"' in form
    page = site.client.get("/design/modeller?key=permit&version=2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="vi">' in html
    assert 'data-key="permit" data-version="2"' in html
    assert "/assets/modeller.js?v=abc123" in html and "/assets/modeller.css?v=abc123" in html
    assert 'href="/design"' in html and "Thiết kế quy trình" in html


def test_a_new_diagram_and_english(site: World) -> None:
    sign_in(site, "designer")
    site.client.get("/lang/en")
    html = site.client.get("/design/modeller").get_data(as_text=True)
    assert 'data-key="" data-version=""' in html and "Process modeller" in html


def test_its_csp_allows_inline_style_attributes_only(site: World) -> None:
    sign_in(site, "designer")
    csp = site.client.get("/design/modeller").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "style-src 'self'" in csp
    assert "style-src-attr 'unsafe-inline'" in csp
    assert "script-src" not in csp and "style-src 'self' 'unsafe-inline'" not in csp
    desk = site.client.get("/signin").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in desk  # the other pages keep the strict policy


@pytest.mark.parametrize(("query", "field"), [
    ("?key=permit", "version"), ("?key=permit&version=0", "version"),
    ("?key=permit&version=two", "version"), ("?version=3", "key"),
    ("?key=" + "k" * 201 + "&version=1", "key"), ("?file=x.bpmn", "'file'"),
])
def test_a_wrong_address_is_a_400_naming_the_parameter(site: World, query: str,
                                                       field: str) -> None:
    sign_in(site, "designer")
    resp = site.client.get("/design/modeller" + query)
    assert resp.status_code == 400
    assert field in resp.get_json()["detail"]


def test_the_page_is_a_shell_for_anyone_signed_in_the_api_decides(site: World) -> None:
    sign_in(site, "officer")
    assert site.client.get("/design/modeller").status_code == 200
    csrf = site.client.get("/design/modeller").get_data(as_text=True)
    token = csrf.split('name="csrf-token" content="')[1].split('"')[0]
    resp = site.client.post("/api/v1/process-definitions/validate",
                            headers={"X-CSRF-Token": token},
                            data={"bpmn": (io.BytesIO(b"<x/>"), "p.bpmn")})
    assert resp.status_code == 403, resp.get_json()


def test_unbuilt_pages_are_a_503_naming_the_fix(site: World, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(site, "designer")
    monkeypatch.setattr("api.page_shell.DIST", tmp_path / "nothing")
    resp = site.client.get("/design/modeller")
    assert resp.status_code == 503 and "make install" in resp.get_json()["detail"]
