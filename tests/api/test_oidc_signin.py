"""Signing in to the pages with the province's account: the authorization code flow with
PKCE against a provider served on 127.0.0.1 (tests/api/oidc_provider.py), the ID token
verified as the API verifies JWTs plus the nonce, a session naming the principal, and every
refusal shown on the sign-in page."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

from api.page_text import text_for
from tests.api.oidc_provider import CLIENT_ID, Provider
from tests.api.test_pages_session import csrf_of, session_cookie
from tests.conftest import World, make_world

VI = text_for("vi")


@pytest.fixture
def provider() -> Iterator[Provider]:
    p = Provider().start()
    yield p
    p.stop()


def world_for(db_url: str, provider: Provider, **settings: Any) -> World:
    options: dict[str, Any] = {
        "session_secret": "s" * 32, "oidc_issuer": provider.issuer,
        "oidc_jwks": provider.issuer + "/certs", "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": provider.client_secret or ""}
    options.update(settings)
    w = make_world(db_url, **options)
    provider.claims = {"province": w.province,
                       "memberships": [{"unit": w.unit, "position": "officer"}]}
    return w


@pytest.fixture
def site(db_url: str, provider: Provider) -> Iterator[World]:
    w = world_for(db_url, provider)
    yield w
    w.ctx.db_engine.dispose()


def to_provider(w: World, next_path: str = "/desk", client: Any = None) -> str:
    """Click the sign-in page's button: the provider's address the browser is sent to."""
    client = client or w.client
    start = client.get("/signin/oidc?next=" + quote(next_path, safe=""))
    assert start.status_code == 303, start.get_data(as_text=True)
    return str(start.headers["Location"])


def back_from(address: str) -> str:
    """Let the provider sign the person in: where it sends them back to (path and query)."""
    answer = requests.get(address, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.netloc == "localhost" and back.path == "/signin/oidc/callback"
    return f"{back.path}?{back.query}"


def sign_in(w: World, next_path: str = "/desk", client: Any = None) -> Any:
    client = client or w.client
    return client.get(back_from(to_provider(w, next_path, client)))


def alert_of(resp: Any) -> str:
    html = resp.get_data(as_text=True)
    assert 'role="alert"' in html, html
    return html


def told(w: World, resp: Any, status: int, client: Any = None) -> str:
    """The sign-in page a refused sign-in leads back to (once): its status and its alert."""
    client = client or w.client
    assert resp.status_code == 303, resp.get_data(as_text=True)
    assert resp.headers["Location"].startswith("/signin?next=/")
    page = client.get(resp.headers["Location"])
    assert page.status_code == status, page.get_data(as_text=True)
    html = alert_of(page)
    assert 'role="alert"' not in client.get("/signin").get_data(as_text=True)
    return html


def test_the_province_account_signs_an_officer_in(site: World, provider: Provider) -> None:
    page = site.client.get("/signin?next=/desk/tasks/t-1").get_data(as_text=True)
    assert VI["signin_oidc"] in page and 'href="/signin/oidc?next=/desk/tasks/t-1"' in page
    address = to_provider(site, "/desk/tasks/t-1")
    sent = parse_qs(urlsplit(address).query)
    assert address.startswith(provider.issuer + "/auth?")
    assert sent["client_id"] == [CLIENT_ID] and sent["response_type"] == ["code"]
    assert sent["redirect_uri"] == ["http://localhost/signin/oidc/callback"]
    assert sent["code_challenge_method"] == ["S256"] and "openid" in sent["scope"][0].split()
    assert len(sent["state"][0]) >= 32 and len(sent["nonce"][0]) >= 32

    done = site.client.get(back_from(address))
    assert done.status_code == 303 and done.headers["Location"] == "/desk/tasks/t-1"
    cookie = session_cookie(done)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The code went to the token endpoint with the PKCE verifier and the client's secret.
    exchange = provider.token_requests[-1]
    assert exchange["form"]["code_verifier"] and exchange["authorization"].startswith("Basic ")
    # The session names the principal the claims describe; the API answers it by cookie.
    me = site.client.get("/api/v1/tasks")
    assert me.status_code == 200, me.get_json()
    listed = site.client.get("/api/v1/principals?limit=200", headers=site.headers("admin"))
    subject = f"{provider.issuer} {provider.subject}"
    made = [p for p in listed.get_json()["items"] if p["subject"] == subject]
    assert [(p["name"], p["unit"], p["position"]) for p in made] == [
        ("Nguyễn Thị Hồng Nhung", site.unit, "officer")]
    desk = site.client.get("/desk")
    assert desk.status_code == 200 and 'data-page="inbox"' in desk.get_data(as_text=True)
    # Changes by cookie still need the page's CSRF token.
    csrf = csrf_of(desk.get_data(as_text=True))
    assert site.client.post("/api/v1/tasks/none/claim").status_code == 403
    assert site.client.post("/api/v1/tasks/none/claim",
                            headers={"X-CSRF-Token": csrf}).status_code == 404
    out = site.client.post("/signout", data={"csrf_token": csrf})
    assert out.status_code == 303 and site.client.get("/api/v1/tasks").status_code == 401


def test_without_a_client_id_the_page_offers_no_province_account(world: World) -> None:
    page = world.client.get("/signin").get_data(as_text=True)
    assert VI["signin_oidc"] not in page and "/signin/oidc" not in page
    assert world.client.get("/signin/oidc").status_code == 404
    assert world.client.get("/signin/oidc/callback?code=x&state=y").status_code == 404


def test_a_wrong_or_replayed_state_is_refused(site: World) -> None:
    address = to_provider(site)
    back = back_from(address)
    forged = site.client.get(back.replace("state=", "state=x"))
    assert VI["oidc_state"] in told(site, forged, 400)
    # The forged attempt did not use up the real one, which still works once ...
    assert site.client.get(back).status_code == 303
    # ... and only once.
    again = site.client.get(back)
    assert VI["oidc_state"] in told(site, again, 400)
    # A callback in another browser (no sign-in started there) is refused and signs no one in.
    stranger = site.app.test_client()
    r = stranger.get(back_from(to_provider(site)))
    assert "not started in this browser" in told(site, r, 400, stranger)
    assert stranger.get("/api/v1/tasks").status_code == 401


def test_a_replayed_code_is_refused_by_the_provider(site: World) -> None:
    first = back_from(to_provider(site))
    assert site.client.get(first).status_code == 303
    code = parse_qs(urlsplit(first).query)["code"][0]
    # The same code brought back with the state of a new sign-in of this browser.
    state = parse_qs(urlsplit(to_provider(site)).query)["state"][0]
    replay = site.client.get(f"/signin/oidc/callback?code={code}&state={state}")
    html = told(site, replay, 400)
    assert VI["oidc_code"] in html and "invalid_grant" in html


def test_an_id_token_with_another_nonce_is_refused(site: World, provider: Provider) -> None:
    provider.nonce = "the nonce of another sign-in"
    html = told(site, sign_in(site), 401)
    assert "nonce" in html and VI["oidc_token"] in html
    assert site.client.get("/api/v1/tasks").status_code == 401


def test_an_id_token_for_another_client_is_refused(site: World, provider: Provider) -> None:
    provider.audience = "another-client"
    html = told(site, sign_in(site), 401)
    assert "not for this service" in html and CLIENT_ID in html
    assert site.client.get("/api/v1/tasks").status_code == 401


def test_an_expired_id_token_is_refused(site: World, provider: Provider) -> None:
    provider.claims["exp"] = 1_000_000_000
    assert "expired" in told(site, sign_in(site), 401)


def test_a_refusal_at_the_provider_is_told(site: World, provider: Provider) -> None:
    provider.deny = True
    html = told(site, sign_in(site), 401)
    assert VI["oidc_denied"] in html and "access_denied: User cancelled" in html


def test_a_unit_not_registered_in_the_province_is_refused(site: World,
                                                          provider: Provider) -> None:
    provider.claims["memberships"] = [{"unit": "999.99.99.H99", "position": "officer"}]
    html = told(site, sign_in(site), 403)
    assert VI["oidc_claims"] in html and "999.99.99.H99" in html and "Traceback" not in html


def test_a_principal_disabled_later_is_signed_out(site: World, provider: Provider) -> None:
    assert sign_in(site).status_code == 303
    assert site.client.get("/api/v1/tasks").status_code == 200
    listed = site.client.get("/api/v1/principals?limit=200", headers=site.headers("admin"))
    pid = next(p["id"] for p in listed.get_json()["items"]
               if p["subject"] == f"{provider.issuer} {provider.subject}")
    r = site.client.patch(f"/api/v1/principals/{pid}", headers=site.headers("admin"),
                          json={"disabled": True})
    assert r.status_code == 200, r.get_json()
    refused = site.client.get("/api/v1/tasks")
    assert refused.status_code == 401 and "disabled" in refused.get_json()["detail"]
    assert site.client.get("/desk").headers["Location"] == "/signin?next=/desk"
    # Signing in again through the provider is refused, in words.
    assert VI["oidc_disabled"] in told(site, sign_in(site), 403)


@pytest.mark.parametrize("next_path", ["//evil.example/x", "https://evil.example/x",
                                       "/\\evil.example", "desk"])
def test_next_never_leads_to_another_site(site: World, next_path: str) -> None:
    r = sign_in(site, next_path)
    assert r.status_code == 303 and r.headers["Location"] == "/desk"


def test_a_very_long_next_is_not_kept(site: World) -> None:
    r = sign_in(site, "/desk/tasks/" + "x" * 600)
    assert r.status_code == 303 and r.headers["Location"] == "/desk"


def test_a_discovery_document_of_another_issuer_is_refused(db_url: str,
                                                           provider: Provider) -> None:
    w = world_for(db_url, provider, oidc_issuer=provider.issuer + "/")
    try:
        r = w.client.get("/signin/oidc?next=/desk")
        assert r.status_code == 303 and r.headers["Location"] == "/signin?next=/desk"
        html = told(w, r, 503)
        assert "names another issuer" in html and "MOTCUA_OIDC_ISSUER" in html
    finally:
        w.ctx.db_engine.dispose()


def test_a_sign_in_left_at_the_provider_too_long_is_stale(site: World) -> None:
    back = back_from(to_provider(site))
    with site.client.session_transaction() as kept:
        kept["oidc"] = [dict(p, started=p["started"] - 601) for p in kept["oidc"]]
    assert "10 minutes" in told(site, site.client.get(back), 400)


def test_a_few_sign_ins_may_be_under_way_in_one_browser(site: World) -> None:
    first = to_provider(site, "/desk/tasks/a")
    to_provider(site, "/desk/tasks/b")  # another tab
    r = site.client.get(back_from(first))
    assert r.status_code == 303 and r.headers["Location"] == "/desk/tasks/a"


def test_configured_endpoints_and_a_public_client(db_url: str, provider: Provider) -> None:
    provider.client_secret = None
    w = world_for(db_url, provider, oidc_authorization_endpoint=provider.issuer + "/auth",
                  oidc_token_endpoint=provider.issuer + "/token",
                  oidc_redirect_uri="http://localhost/signin/oidc/callback")
    try:
        r = sign_in(w)
        assert r.status_code == 303, r.get_data(as_text=True)
        exchange = provider.token_requests[-1]
        assert exchange["authorization"] is None and exchange["form"]["client_id"] == CLIENT_ID
        assert "client_secret" not in exchange["form"] and provider.discovery_hits == 0
    finally:
        w.ctx.db_engine.dispose()


def test_a_wrong_client_secret_is_told_as_such(db_url: str, provider: Provider) -> None:
    w = world_for(db_url, provider, oidc_client_secret="not-the-secret")
    try:
        assert "invalid_client" in told(w, sign_in(w), 502)
    finally:
        w.ctx.db_engine.dispose()


def test_a_provider_that_cannot_be_reached(db_url: str, provider: Provider) -> None:
    gone = Provider().start()
    gone.stop()
    w = world_for(db_url, provider, oidc_issuer=gone.issuer)
    try:
        r = w.client.get("/signin/oidc")
        assert r.headers["Location"] == "/signin?next=/desk"
        page = w.client.get("/signin?next=/desk")
        assert page.status_code == 503 and page.headers["Retry-After"] == "30"
        assert VI["oidc_unavailable"] in alert_of(page) and "openid-configuration" in alert_of(page)
    finally:
        w.ctx.db_engine.dispose()
    # Reached at the start, gone when the code comes back: 503 with Retry-After.
    w = world_for(db_url, provider, oidc_token_endpoint="http://127.0.0.1:9/token")
    try:
        assert "token endpoint cannot be reached" in told(w, sign_in(w), 503)
    finally:
        w.ctx.db_engine.dispose()


def test_the_page_is_in_english_when_chosen(site: World, provider: Provider) -> None:
    site.client.get("/lang/en")
    assert "Sign in with the province&#39;s account" in site.client.get("/signin").get_data(
        as_text=True)
    provider.deny = True
    assert "The sign-in was cancelled or refused" in told(site, sign_in(site), 401)


def test_refused_codes_are_throttled_as_wrong_tokens_are(db_url: str,
                                                         provider: Provider) -> None:
    w = world_for(db_url, provider, auth_failures_per_minute=2)
    try:
        shown = []
        for _ in range(3):
            state = parse_qs(urlsplit(to_provider(w)).query)["state"][0]
            shown.append(told(w, w.client.get(f"/signin/oidc/callback?code=made-up&state="
                                              f"{state}"), 429 if len(shown) == 2 else 400))
        assert VI["oidc_code"] in shown[0] and VI["signin_throttled"] in shown[2]
        assert len(provider.token_requests) == 2  # the third never reached the provider
    finally:
        w.ctx.db_engine.dispose()
