"""Signing in with the province's account in a real browser: the sign-in page's button, the
provider on another site (localhost, the app on 127.0.0.1) sending the officer back, the
session cookie kept through those redirects (SameSite=Lax), and the inbox; then a refusal
shown on the sign-in page. Screenshots under build/screenshots/."""
from __future__ import annotations

from pathlib import Path

from engine.store.migrate import upgrade
from tests.api.oidc_provider import CLIENT_ID, Provider
from tests.conftest import make_world
from tests.web.browser import chromium, screenshot, served, skip_without_browser, wait_for


def test_an_officer_signs_in_with_the_provinces_account(tmp_path: Path) -> None:
    skip_without_browser()
    from selenium.webdriver.common.by import By

    url = f"sqlite:///{tmp_path / 'oidc.sqlite3'}"
    upgrade(url)
    provider = Provider(host="localhost").start()
    w = make_world(url, session_secret="browser-test-" * 3, oidc_issuer=provider.issuer,
                   oidc_jwks=provider.issuer + "/certs", oidc_client_id=CLIENT_ID,
                   oidc_client_secret=provider.client_secret or "")
    provider.claims = {"province": w.province,
                       "memberships": [{"unit": w.unit, "position": "officer"}]}
    try:
        with served(w.app) as base, chromium() as b:
            b.get(base + "/desk")
            button = wait_for(b, "#signin-oidc")
            assert button.text == "Đăng nhập bằng tài khoản của tỉnh"
            screenshot(b, "oidc-01-signin")
            button.click()
            wait_for(b, "#app .filters")  # the inbox, answered by the API for the cookie
            assert b.current_url == base + "/desk"
            assert provider.token_requests, "the code was exchanged server to server"
            screenshot(b, "oidc-02-inbox")

            b.find_element(By.CSS_SELECTOR, ".signout button").click()
            provider.audience = "another-client"
            wait_for(b, "#signin-oidc").click()
            alert = wait_for(b, "#signin-error")
            assert "Không tin cậy được" in alert.text and "aud must be" in alert.text
            assert b.current_url == base + "/signin?next=/desk"  # no code left in the bar
            screenshot(b, "oidc-03-refused")
    finally:
        provider.stop()
        w.ctx.db_engine.dispose()
