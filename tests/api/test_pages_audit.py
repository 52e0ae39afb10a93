"""The auditors' pages: the dossier search at /audit and the replay viewer at
/audit/dossiers/<code>, shells that need a session and take their data from the API (which
alone decides what the caller may read); an auditor's sign-in leads there."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api import page_shell
from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS, started
from tests.api.test_pages_session import csrf_of, sign_in
from tests.conftest import World, make_world


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """A province with two_steps deployed; the pages' bundle stands in tmp_path."""
    for name in ("audit.js", "replay.js", "inbox.js"):
        (tmp_path / name).write_text("", encoding="ascii")
    (tmp_path / "version.txt").write_text("abc123", encoding="ascii")
    monkeypatch.setattr(page_shell, "DIST", tmp_path)
    w = make_world(db_url, session_secret="s" * 32)
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    yield w
    w.ctx.db_engine.dispose()


def test_the_pages_need_a_session_and_come_back_after_sign_in(site: World) -> None:
    assert site.client.get("/audit").headers["Location"] == "/signin?next=/audit"
    assert site.client.get("/audit/dossiers/X-1?seq=3").headers["Location"] == \
        "/signin?next=/audit/dossiers/X-1%3Fseq%3D3"
    csrf = csrf_of(site.client.get("/signin?next=/audit/dossiers/X-1").get_data(as_text=True))
    resp = site.client.post("/signin", data={"csrf_token": csrf, "token": site.tokens["auditor"],
                                             "next": "/audit/dossiers/X-1"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/audit/dossiers/X-1"


def test_an_auditor_signed_in_without_a_page_to_return_to_starts_at_the_search(
        site: World) -> None:
    csrf = csrf_of(site.client.get("/signin").get_data(as_text=True))
    resp = site.client.post("/signin", data={"csrf_token": csrf, "token": site.tokens["auditor"],
                                             "next": ""})
    assert resp.headers["Location"] == "/audit"
    assert site.client.get("/").headers["Location"] == "/audit"
    officer = site.app.test_client()
    sign_in(site, "officer", client=officer)
    assert officer.get("/").headers["Location"] == "/desk"
    designer = site.app.test_client()
    sign_in(site, "designer", client=designer)
    assert designer.get("/").headers["Location"] == "/design"


def test_the_search_and_the_replay_are_shells_of_their_own_script(site: World) -> None:
    code = started(site)["code"]
    sign_in(site, "auditor")
    search = site.client.get("/audit?q=abc&status=finished")
    html = search.get_data(as_text=True)
    assert search.status_code == 200 and 'data-page="audit"' in html
    assert '<script type="module" src="/assets/audit.js?v=abc123">' in html
    assert '/assets/audit.css?v=abc123' in html and "Kiểm tra hồ sơ" in html
    assert "default-src 'self'" in search.headers["Content-Security-Policy"]
    viewer = site.client.get(f"/audit/dossiers/{code}")
    html = viewer.get_data(as_text=True)
    assert viewer.status_code == 200 and 'data-page="replay"' in html
    assert f'data-key="{code}"' in html and "/assets/replay.js?v=abc123" in html
    # A code is only ever text in the shell: its data comes from the API.
    odd = site.client.get('/audit/dossiers/"><script>x</script>').get_data(as_text=True)
    assert "<script>x</script>" not in odd


def test_the_shell_decides_nothing_the_api_refuses(site: World) -> None:
    code = started(site)["code"]
    designer = site.app.test_client()
    sign_in(site, "designer", client=designer)
    assert designer.get(f"/audit/dossiers/{code}").status_code == 200  # only a shell
    assert designer.get(f"/api/v1/dossiers/{code}/replay?seq=1").status_code == 403
    assert designer.get(f"/api/v1/dossiers/{code}/history/verify").status_code == 403


def test_an_unbuilt_page_says_how_to_build_it(site: World, tmp_path: Path) -> None:
    (tmp_path / "replay.js").unlink()
    sign_in(site, "auditor")
    resp = site.client.get("/audit/dossiers/X-1")
    assert resp.status_code == 503 and "make install" in resp.get_data(as_text=True)
