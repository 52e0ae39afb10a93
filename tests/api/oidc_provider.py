"""A tiny OpenID Connect provider for tests, served on 127.0.0.1 by a thread (werkzeug):
discovery, an authorization endpoint that signs everyone in at once (or refuses, when told
to), a token endpoint that checks what a real one checks (the client, the redirect URI, the
PKCE verifier, each code once), and its keys. Its own RSA key signs the ID tokens; what the
token says can be changed per test (`claims`, `nonce`, `audience`)."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from engine.services.org import oidc_signin

CLIENT_ID = "motcua-pages"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWK = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
JWK.update(kid="test-key", use="sig", alg="RS256")


@dataclass
class Provider:
    """The provider's behaviour (change it between steps of a test) and what it saw."""

    client_secret: str | None = "provider-secret"
    claims: dict[str, Any] = field(default_factory=dict)
    nonce: str | None = None  # None: the nonce the authorization request sent
    audience: str = CLIENT_ID
    deny: bool = False
    host: str = "127.0.0.1"  # the name in its addresses ("localhost": another site than the app)
    issuer: str = ""
    # The person's id at the provider: one of its own, since a later provider may be served
    # on the same port (the same issuer) while the principals of earlier tests remain.
    subject: str = field(default_factory=lambda: "nhung-" + secrets.token_hex(4))
    discovery_hits: int = 0
    authorizations: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    _codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    _server: Any = None

    def start(self) -> Provider:
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.issuer = f"http://{self.host}:{self._server.server_port}/realms/province"
        # A provider that served on this port before (an earlier test's, its port given out
        # again) left its discovered endpoints in the process's cache under the same issuer:
        # this is another provider.
        oidc_signin._discovered.pop(self.issuer, None)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- the endpoints ------------------------------------------------------------------

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        path = request.path.removeprefix("/realms/province")
        handler = {"/.well-known/openid-configuration": self._discovery, "/auth": self._auth,
                   "/token": self._token, "/certs": self._certs}.get(path)
        resp = handler(request) if handler else Response("not found", 404)
        return resp(environ, start_response)

    def _discovery(self, request: Request) -> Response:
        self.discovery_hits += 1
        return _json({"issuer": self.issuer, "authorization_endpoint": self.issuer + "/auth",
                      "token_endpoint": self.issuer + "/token",
                      "jwks_uri": self.issuer + "/certs",
                      "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                                "client_secret_post"]})

    def _certs(self, request: Request) -> Response:
        return _json({"keys": [JWK]})

    def _auth(self, request: Request) -> Response:
        args = request.args.to_dict()
        self.authorizations.append(args)
        if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code" \
                or args.get("code_challenge_method") != "S256":
            return Response("bad authorization request", 400)
        back = args["redirect_uri"] + "?"
        if self.deny:
            return _redirect(back + urlencode({"error": "access_denied", "state": args["state"],
                                               "error_description": "User cancelled"}))
        code = secrets.token_urlsafe(16)
        self._codes[code] = {"redirect_uri": args["redirect_uri"], "used": False,
                             "challenge": args["code_challenge"], "nonce": args.get("nonce")}
        return _redirect(back + urlencode({"code": code, "state": args["state"],
                                           "iss": self.issuer}))

    def _token(self, request: Request) -> Response:
        form = request.form.to_dict()
        self.token_requests.append({"form": form,
                                    "authorization": request.headers.get("Authorization")})
        if self.client_secret is not None:
            expected = base64.b64encode(f"{CLIENT_ID}:{self.client_secret}".encode()).decode()
            if request.headers.get("Authorization") != f"Basic {expected}":
                return _json({"error": "invalid_client"}, 401)
        elif form.get("client_id") != CLIENT_ID:
            return _json({"error": "invalid_client"}, 401)
        grant = self._codes.get(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or grant is None or grant["used"] \
                or grant["redirect_uri"] != form.get("redirect_uri"):
            return _json({"error": "invalid_grant"}, 400)
        grant["used"] = True
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != grant["challenge"]:
            return _json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        return _json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                      "expires_in": 300, "id_token": self.id_token(grant["nonce"])})

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        body: dict[str, Any] = {"iss": self.issuer, "aud": self.audience, "sub": self.subject,
                                "iat": now, "exp": now + 300,
                                "nonce": self.nonce if self.nonce is not None else nonce,
                                "name": "Nguyễn Thị Hồng Nhung", "role": "officer"}
        body.update(self.claims)
        return jwt.encode({k: v for k, v in body.items() if v is not None}, KEY,
                          algorithm="RS256", headers={"kid": "test-key"})


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def _redirect(location: str) -> Response:
    return Response("", 302, headers={"Location": location})
