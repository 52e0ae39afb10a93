"""Posting one webhook: bounded time, no redirects followed, no proxy from the environment,
at most an excerpt of the answer read."""
from __future__ import annotations

import time
from dataclasses import dataclass

import requests

EXCERPT = 1000  # characters of the receiver's answer kept in the delivery log


@dataclass(frozen=True)
class Answer:
    """What the receiver said: its status code and the start of its body, or the error
    that left no answer (status None)."""

    status_code: int | None
    excerpt: str | None
    error: str | None
    duration_ms: int


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    started = time.monotonic()
    try:
        with requests.Session() as session:
            session.trust_env = False  # a proxy named in the environment is not the receiver
            with session.post(url, data=body, headers=headers, timeout=(timeout, timeout),
                              allow_redirects=False, stream=True) as response:
                raw = response.raw.read(EXCERPT * 4, decode_content=True) or b""
                text = raw.decode(response.encoding or "utf-8", "replace")[:EXCERPT]
                return Answer(response.status_code, text, None, _ms(started))
    except requests.RequestException as exc:
        return Answer(None, None, f"{type(exc).__name__}: {exc}"[:500], _ms(started))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
