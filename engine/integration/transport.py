"""Posting one webhook: bounded time, no redirects followed, no proxy from the environment,
at most an excerpt of the answer read, and connected to the address the receiver check
approved (pinned: a name that resolves elsewhere a moment later is not followed there;
the Host header and TLS still name the host)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

EXCERPT = 1000  # characters of the receiver's answer kept in the delivery log


@dataclass(frozen=True)
class Answer:
    """What the receiver said: its status code and the start of its body, or the error
    that left no answer (status None)."""

    status_code: int | None
    excerpt: str | None
    error: str | None
    duration_ms: int


class _Pinned(HTTPAdapter):
    """Connections to `address` whatever the URL's host resolves to now."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        address = self._address

        def pinned(base: Any) -> Any:
            def new_conn(conn: Any) -> Any:
                conn._dns_host = address  # what urllib3 connects to; host stays for TLS
                return base._new_conn(conn)
            return type(f"Pinned{base.__name__}", (base,), {"_new_conn": new_conn})

        def pool(base: Any, conn: Any) -> Any:
            return type(f"Pinned{base.__name__}", (base,), {"ConnectionCls": pinned(conn)})

        self.poolmanager.pool_classes_by_scheme = {
            "http": pool(HTTPConnectionPool, HTTPConnection),
            "https": pool(HTTPSConnectionPool, HTTPSConnection)}


def post(url: str, body: bytes, headers: dict[str, str], timeout: float,
         address: str | None = None, method: str = "POST") -> Answer:
    """Send `body` (POST, or `method`); with `address`, connect there (the checked address
    of the host)."""
    started = time.monotonic()
    try:
        with requests.Session() as session:
            session.trust_env = False  # a proxy named in the environment is not the receiver
            if address is not None:
                adapter = _Pinned(address)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
            with session.request(method, url, data=body, headers=headers,
                                 timeout=(timeout, timeout), allow_redirects=False,
                                 stream=True) as response:
                raw = response.raw.read(EXCERPT * 4, decode_content=True) or b""
                text = raw.decode(response.encoding or "utf-8", "replace")[:EXCERPT]
                return Answer(response.status_code, text, None, _ms(started))
    except requests.RequestException as exc:
        return Answer(None, None, f"{type(exc).__name__}: {exc}"[:500], _ms(started))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
