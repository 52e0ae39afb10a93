"""Sign-in through a province's OIDC provider: bearer JWTs verified against its JWKS (a key
pair made here, its public half served from a file or from a server on 127.0.0.1), claims
mapped to province, role and memberships, on SQLite and PostgreSQL."""
from __future__ import annotations

import http.server
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.api.helpers import official
from tests.conftest import World, make_world

ISSUER = "https://sso.example.gov.vn/realms/province"
AUDIENCE = "motcua"


def key_pair() -> tuple[Any, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    return private, public


PROVIDER_KEY, PROVIDER_JWK = key_pair()
PROVIDER_JWK.update(kid="k1", use="sig", alg="RS256")
STRANGER_KEY, _ = key_pair()


@pytest.fixture
def sso(db_url: str, tmp_path: Path) -> Iterator[World]:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [PROVIDER_JWK]}), encoding="utf-8")
    w = make_world(db_url, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks=str(jwks))
    yield w
    w.ctx.db_engine.dispose()


def token(world: World, *, key: Any = PROVIDER_KEY, kid: str = "k1", alg: str = "RS256",
          **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-" + uuid.uuid4().hex[:8], "iat": now,
            "exp": now + 300, "province": world.province, "role": "officer",
            "name": "Nguyễn Thị Hồng Nhung",
            "memberships": [{"unit": world.unit, "position": "officer"}]}
    body.update(claims)
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm=alg,
                      headers={"kid": kid})


def as_bearer(world: World, bearer: str, path: str = "/api/v1/tasks") -> Any:
    return world.client.get(path, headers={"Authorization": f"Bearer {bearer}"})


def principal_named(world: World, subject: str) -> dict[str, Any]:
    listed = world.client.get("/api/v1/principals?limit=200", headers=world.headers("admin"))
    return next(p for p in listed.get_json()["items"] if p["subject"] == f"{ISSUER} {subject}")


def test_a_provider_token_signs_an_officer_in_as_its_claims_say(sso: World) -> None:
    seconded = official()
    sso.register_unit(seconded)
    bearer = token(sso, sub="nhung", memberships=[
        {"unit": sso.unit, "position": "officer"}, {"unit": seconded, "position": "reception"}])
    r = as_bearer(sso, bearer)
    assert r.status_code == 200, r.get_json()
    made = principal_named(sso, "nhung")
    assert (made["name"], made["role"], made["unit"], made["position"]) == (
        "Nguyễn Thị Hồng Nhung", "officer", sso.unit, "officer")
    assert made["memberships"] == [{"unit": seconded, "position": "reception"}]
    # The next sign-in brings the principal up to date; it is the same principal.
    again = token(sso, sub="nhung", memberships=[{"unit": seconded, "position": "leader"}])
    assert as_bearer(sso, again).status_code == 200
    now = principal_named(sso, "nhung")
    assert now["id"] == made["id"]
    assert (now["unit"], now["position"], now["memberships"]) == (seconded, "leader", [])
    # A client's dossier started with a provider token names that principal in its history.
    client = token(sso, sub="portal", role="client",
                   memberships=[{"unit": sso.unit}])
    assert as_bearer(sso, client, "/api/v1/dossiers").status_code == 200


@pytest.mark.parametrize("why, claims, words", [
    ("expired", {"exp": int(time.time()) - 120}, "expired"),
    ("audience", {"aud": "another-service"}, "not for this service"),
    ("issuer", {"iss": "https://evil.example/realms/x"}, "another provider"),
    ("no province", {"province": None}, "no province"),
    ("role", {"role": "superuser"}, "role must be"),
    ("memberships", {"memberships": ["000.00.06.H56/reception"]}, "memberships/0"),
    ("no sub", {"sub": None}, "sub"),
])
def test_a_token_that_cannot_be_trusted_is_refused(sso: World, why: str,
                                                   claims: dict[str, Any], words: str) -> None:
    r = as_bearer(sso, token(sso, **claims))
    assert r.status_code == 401, (why, r.get_json())
    assert words in r.get_json()["detail"], (why, r.get_json())


def test_only_the_providers_keys_and_asymmetric_algorithms_are_accepted(sso: World) -> None:
    r = as_bearer(sso, token(sso, key=STRANGER_KEY))
    assert r.status_code == 401 and "invalid token" in r.get_json()["detail"]
    r = as_bearer(sso, token(sso, kid="k2"))
    assert r.status_code == 401 and "k2" in r.get_json()["detail"]
    # The public key as an HMAC secret (the classic confusion), and no signature at all.
    forged = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": time.time() + 60,
                         "province": sso.province, "role": "admin"},
                        "a shared secret of thirty-two bytes or more", algorithm="HS256", headers={"kid": "k1"})
    assert as_bearer(sso, forged).status_code == 401
    unsigned = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": time.time() + 60,
                           "province": sso.province, "role": "admin"}, None, algorithm="none")
    assert as_bearer(sso, unsigned).status_code == 401


def test_memberships_name_registered_units_of_the_province(sso: World) -> None:
    r = as_bearer(sso, token(sso, memberships=[{"unit": official(), "position": "reception"}]))
    assert r.status_code == 401 and "not a registered unit" in r.get_json()["detail"]
    other = "Q" + uuid.uuid4().hex[:6]
    elsewhere = official()
    sso.register_unit(elsewhere, province=other)
    r = as_bearer(sso, token(sso, memberships=[{"unit": elsewhere, "position": "reception"}]))
    assert r.status_code == 401


def test_an_administrator_disables_a_provider_principal(sso: World) -> None:
    assert as_bearer(sso, token(sso, sub="leaver")).status_code == 200
    pid = principal_named(sso, "leaver")["id"]
    r = sso.client.patch(f"/api/v1/principals/{pid}", headers=sso.headers("admin"),
                         json={"disabled": True})
    assert r.status_code == 200, r.get_json()
    r = as_bearer(sso, token(sso, sub="leaver"))
    assert r.status_code == 401 and "disabled" in r.get_json()["detail"]


def test_a_fixed_province_refuses_tokens_of_another(db_url: str, tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [PROVIDER_JWK]}), encoding="utf-8")
    w = make_world(db_url, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks=str(jwks))
    try:
        fixed = make_world(db_url, oidc_issuer=ISSUER, oidc_audience=AUDIENCE,
                           oidc_jwks=str(jwks), oidc_province=w.province)
        try:
            assert as_bearer(fixed, token(w, province=None)).status_code == 200
            r = as_bearer(fixed, token(w, province="HCM"))
            assert r.status_code == 401 and w.province in r.get_json()["detail"]
        finally:
            fixed.ctx.db_engine.dispose()
    finally:
        w.ctx.db_engine.dispose()


class _Keys(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        body = json.dumps({"keys": [PROVIDER_JWK]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_keys_from_the_providers_address_and_a_provider_that_is_down(db_url: str) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://127.0.0.1:{server.server_address[1]}/certs"
    w = make_world(db_url, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks=address)
    try:
        assert as_bearer(w, token(w)).status_code == 200
        server.shutdown()
        server.server_close()
        down = make_world(db_url, oidc_issuer=ISSUER, oidc_audience=AUDIENCE,
                          oidc_jwks=address.replace("/certs", "/other"))
        try:
            r = as_bearer(down, token(down))
            assert r.status_code == 503, r.get_json()
            assert r.get_json()["code"] == "identity-provider-unavailable"
            assert r.headers["Retry-After"] == "30"
        finally:
            down.ctx.db_engine.dispose()
    finally:
        w.ctx.db_engine.dispose()


def test_without_a_provider_a_jwt_is_an_unknown_token(world: World) -> None:
    r = as_bearer(world, token(world))
    assert r.status_code == 401 and r.get_json()["detail"] == "unknown bearer token"
