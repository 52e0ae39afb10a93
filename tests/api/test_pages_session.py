"""Sign-in to the pages: a signed, expiring, HttpOnly cookie that keeps no token, CSRF on
every form and on every change the pages send to the API, sign-out, and the language."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.helpers import assert_problem
from tests.conftest import World, make_world


@pytest.fixture
def site(db_url: str) -> Iterator[World]:
    w = make_world(db_url, session_secret="s" * 32)
    yield w
    w.ctx.db_engine.dispose()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_in(w: World, who: str, *, client: Any = None) -> Any:
    client = client or w.client
    csrf = csrf_of(client.get("/signin").get_data(as_text=True))
    return client.post("/signin", data={"csrf_token": csrf, "token": w.tokens[who],
                                        "next": "/desk"})


def session_cookie(resp: Any) -> str:
    found = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith("motcua_session=")]
    assert found, resp.headers
    return found[0]


def test_home_leads_to_sign_in_in_vietnamese(site: World) -> None:
    assert site.client.get("/").headers["Location"] == "/signin"
    page = site.client.get("/signin")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="vi">' in html and "Đăng nhập" in html
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert site.client.get("/desk").headers["Location"] == "/signin?next=/desk"


def test_english_is_selectable_and_next_stays_on_this_site(site: World) -> None:
    resp = site.client.get("/lang/en?next=//evil.example/x")
    assert resp.headers["Location"] == "/"
    html = site.client.get("/signin").get_data(as_text=True)
    assert '<html lang="en">' in html and "Sign in" in html
    assert site.client.get("/lang/fr").status_code == 404


def test_sign_in_sets_a_safe_cookie_without_the_token(site: World) -> None:
    resp = sign_in(site, "officer")
    assert resp.status_code == 303 and resp.headers["Location"] == "/desk"
    cookie = session_cookie(resp)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Expires=" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert site.tokens["officer"] not in value
    import base64
    payload = value.split(".")[0].lstrip(".")
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert site.tokens["officer"].encode() not in decoded
    page = site.client.get("/desk")
    assert page.status_code == 200 and 'data-page="inbox"' in page.get_data(as_text=True)
    assert site.client.get("/api/v1/tasks").status_code == 200


def test_the_cookie_is_secure_behind_https(site: World) -> None:
    client = site.app.test_client()
    csrf = csrf_of(client.get("/signin", base_url="https://localhost").get_data(as_text=True))
    resp = client.post("/signin", base_url="https://localhost",
                       data={"csrf_token": csrf, "token": site.tokens["officer"]})
    assert "Secure" in session_cookie(resp)


@pytest.mark.parametrize("proxies, secure", [(0, False), (1, True)])
def test_behind_a_trusted_https_proxy_the_cookie_is_secure(db_url: str, proxies: int,
                                                           secure: bool) -> None:
    w = make_world(db_url, proxy_count=proxies)
    try:
        https = {"X-Forwarded-Proto": "https"}
        csrf = csrf_of(w.client.get("/signin", headers=https).get_data(as_text=True))
        resp = w.client.post("/signin", headers=https,
                             data={"csrf_token": csrf, "token": w.tokens["officer"]})
        assert ("Secure" in session_cookie(resp)) is secure
    finally:
        w.ctx.db_engine.dispose()


def test_sign_in_needs_the_forms_csrf_token_and_a_known_token(site: World) -> None:
    site.client.get("/signin")
    refused = site.client.post("/signin", data={"token": site.tokens["officer"]})
    assert refused.status_code == 403 and 'role="alert"' in refused.get_data(as_text=True)
    assert site.client.get("/api/v1/tasks").status_code == 401
    csrf = csrf_of(site.client.get("/signin").get_data(as_text=True))
    wrong = site.client.post("/signin", data={"csrf_token": csrf, "token": "nope"})
    assert wrong.status_code == 401 and 'role="alert"' in wrong.get_data(as_text=True)
    assert site.client.get("/api/v1/tasks").status_code == 401


def test_changes_by_cookie_need_the_csrf_header(site: World) -> None:
    sign_in(site, "officer")
    csrf = csrf_of(site.client.get("/desk").get_data(as_text=True))
    bare = site.client.post("/api/v1/tasks/no-such-task/claim")
    assert_problem(bare, 403, "csrf-refused")
    forged = site.client.post("/api/v1/tasks/no-such-task/claim",
                              headers={"X-CSRF-Token": "x" * 43})
    assert_problem(forged, 403, "csrf-refused")
    sent = site.client.post("/api/v1/tasks/no-such-task/claim", headers={"X-CSRF-Token": csrf})
    assert_problem(sent, 404, "not-found")


def test_the_session_decides_nothing_the_policy_would_not(site: World) -> None:
    """A designer signed in gets the same refusal from the inbox as with their token."""
    sign_in(site, "designer")
    by_cookie = site.client.get("/api/v1/tasks")
    by_token = site.app.test_client().get("/api/v1/tasks", headers=site.headers("designer"))
    assert by_cookie.status_code == by_token.status_code == 403


def test_the_intake_page_is_for_those_signed_in_and_names_their_units(site: World) -> None:
    """The intake page is a shell: signed out it leads to sign in; signed in it names the
    officer's units to receive at, and its intake by cookie is refused as by the token."""
    assert site.client.get("/desk/new").headers["Location"] == "/signin?next=/desk/new"
    sign_in(site, "officer")
    page = site.client.get("/desk/new")
    assert page.status_code == 200
    assert f'data-units="{site.unit}"' in page.get_data(as_text=True)
    sign_in(site, "designer")
    html = site.client.get("/desk/new").get_data(as_text=True)
    assert "data-units" not in html
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert csrf
    refused = site.client.post("/api/v1/dossiers", headers={"X-CSRF-Token": csrf.group(1)},
                               json={"process_key": "any", "applicant": {"name": "A"},
                                     "channel": "desk"})
    assert_problem(refused, 403, "forbidden")


def test_sign_out_ends_the_session(site: World) -> None:
    sign_in(site, "officer")
    csrf = csrf_of(site.client.get("/desk").get_data(as_text=True))
    assert_problem(site.client.post("/signout"), 403, "csrf-refused")
    out = site.client.post("/signout", data={"csrf_token": csrf})
    assert out.status_code == 303 and out.headers["Location"] == "/signin"
    assert site.client.get("/api/v1/tasks").status_code == 401
    assert site.client.get("/desk").status_code == 302


def test_a_session_ends_when_its_token_is_revoked(site: World) -> None:
    from engine.store.models import Principal

    sign_in(site, "officer")
    assert site.client.get("/api/v1/tasks").status_code == 200
    with site.ctx.uow() as uow:
        for p in uow.session.query(Principal).filter_by(province=site.province, role="officer"):
            p.token_hash = "revoked"
        uow.commit()
    site.ctx.callers.clear()
    assert site.client.get("/api/v1/tasks").status_code == 401


def test_an_expired_session_is_refused(site: World) -> None:
    """A cookie signed by the app whose session_hours have passed opens nothing."""
    from engine.services.org.auth import hash_token

    serializer = site.app.session_interface.get_signing_serializer(site.app)
    for until, status in ((9e9, 200), (1.0, 401)):
        client = site.app.test_client()
        client.set_cookie("motcua_session", serializer.dumps(
            {"who": hash_token(site.tokens["officer"]), "until": until, "csrf": "c" * 43}))
        assert client.get("/api/v1/tasks").status_code == status


def test_wrong_tokens_at_sign_in_are_throttled_as_at_the_api(db_url: str) -> None:
    w = make_world(db_url, auth_failures_per_minute=2)
    try:
        csrf = csrf_of(w.client.get("/signin").get_data(as_text=True))
        answers = [w.client.post("/signin", data={"csrf_token": csrf, "token": f"wrong-{i}"})
                   for i in range(3)]
        assert [a.status_code for a in answers] == [401, 401, 429]
        assert 'role="alert"' in answers[-1].get_data(as_text=True)
    finally:
        w.ctx.db_engine.dispose()
