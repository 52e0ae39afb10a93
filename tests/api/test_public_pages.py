"""The public pages are served without sign-in, Vietnamese first: an index, the lookup, the
rating and the figures dashboard, each a shell whose data comes from the public API (no
dossier, no figure in the page itself), under the same strict headers as every page."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import World, make_world

PAGES = {"/public/lookup": "lookup", "/public/rating": "rating", "/public/figures": "figures"}


@pytest.fixture
def site(db_url: str) -> Iterator[World]:
    w = make_world(db_url, session_secret="p" * 32)
    yield w
    w.ctx.db_engine.dispose()


@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_page_is_served_without_sign_in_in_vietnamese(site: World, path: str) -> None:
    page = site.client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert '<html lang="vi">' in html
    assert f'src="/assets/{PAGES[path]}.js?v=' in html and "/assets/public.css?v=" in html
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in html and "style=" not in html  # nothing inline under the CSP
    assert page.headers["Cache-Control"] == "no-store"
    assert re.search(rf'<a href="{path}" aria-current="page">', html)
    assert "/signout" not in html  # nobody is signed in here


def test_the_index_links_the_three_pages(site: World) -> None:
    html = site.client.get("/public").get_data(as_text=True)
    for path, title in (("/public/lookup", "Tra cứu hồ sơ"),
                        ("/public/rating", "Đánh giá sự hài lòng"),
                        ("/public/figures", "Số liệu giải quyết")):
        assert f'<a href="{path}">{title}</a>' in html


def test_english_is_selectable(site: World) -> None:
    chosen = site.client.get("/lang/en?next=/public/figures%3Fprovince%3DX")
    assert chosen.headers["Location"] == "/public/figures?province=X"
    html = site.client.get("/public/figures?province=X").get_data(as_text=True)
    assert '<html lang="en">' in html and "<title>Figures · motcua</title>" in html


def test_the_dashboard_offers_the_provinces_with_registered_units(site: World) -> None:
    html = site.client.get("/public/figures").get_data(as_text=True)
    provinces = re.search(r'data-provinces="([^"]*)"', html)
    assert provinces and site.province in provinces.group(1).split(",")
    lookup = site.client.get("/public/lookup").get_data(as_text=True)
    assert 'data-provinces=""' in lookup  # only the dashboard asks


def test_a_page_whose_script_was_never_built_says_how_to_build_it(
        site: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("api.page_shell.DIST", tmp_path)
    page = site.client.get("/public/figures")
    assert page.status_code == 503 and "make install" in page.get_data(as_text=True)


def test_the_dashboard_names_the_units_and_procedures_it_may_show(site: World) -> None:
    w = site
    w.register_unit("000.00.99.H56")
    w.register_unit("000.00.98.H56", province="ANOTHER")
    r = w.client.put("/api/v1/procedures/p-public", headers=w.headers("designer"), json={
        "name": "Thủ tục công khai", "process_key": "anything", "level": "province",
        "rules": [{"effective_from": "2025-07-01", "calendar": "vn",
                   "limits": {"default": {"value": 5, "unit": "working_days"}}}]})
    assert r.status_code in (200, 201), r.get_json()
    found = w.client.get(f"/api/v1/stats/choices?province={w.province}")  # no token
    assert found.status_code == 200, found.get_json()
    body = found.get_json()
    units = {u["code"]: u["name"] for u in body["units"]}
    assert "000.00.99.H56" in units and "000.00.98.H56" not in units
    assert {"code": "p-public", "name": "Thủ tục công khai", "level": "province"} in body[
        "procedures"]
    assert w.client.get("/api/v1/stats/choices").status_code == 422  # the province is asked
    assert w.client.get(f"/api/v1/stats/choices?province={w.province}&unit=x").status_code == 422
