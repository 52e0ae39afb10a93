"""Repeated failed authentications from one address are slowed down.

Each request whose bearer token is refused (unknown, revoked, expired, disabled) counts
against its client address for `WINDOW` seconds. Past `auth_failures_per_minute` failures,
a request from that address is answered 429 `too-many-attempts` with `Retry-After` before
its token is looked up, unless the token is one this process has already accepted (so the
colleagues behind the same office NAT keep working). With Redis (the production shape) the
count is shared by every API process; without it, each process counts its own. If Redis
cannot be reached the process's own count is used: authentication never fails on it.

Behind a reverse proxy every request comes from the proxy's address: run the API where it
sees client addresses, or set the limit high.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from engine.errors import MotcuaError

WINDOW = 60  # seconds


class TooManyAttempts(MotcuaError):
    code = "too-many-attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FailureCounter:
    """Failures per address over the current window: Redis's when given, else local."""

    def __init__(self, redis_url: str = "", prefix: str = "auth-failures") -> None:
        self._prefix = prefix
        self._redis: Any = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=0.5,
                                               socket_connect_timeout=0.5)
        self._local: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def failures(self, address: str) -> tuple[int, int]:
        """(failures in the window, seconds until it ends)."""
        if self._redis is not None:
            try:
                pipe = self._redis.pipeline()
                pipe.get(self._key(address))
                pipe.ttl(self._key(address))
                count, ttl = pipe.execute()
                return int(count or 0), max(int(ttl), 1)
            except Exception:  # noqa: BLE001 - Redis down: count locally instead
                pass
        with self._lock:
            count, ends = self._local.get(address, (0, 0.0))
            left = ends - time.monotonic()
            return (count, max(int(left) + 1, 1)) if left > 0 else (0, WINDOW)

    def add(self, address: str) -> None:
        if self._redis is not None:
            try:
                pipe = self._redis.pipeline()
                pipe.incr(self._key(address))
                pipe.expire(self._key(address), WINDOW, nx=True)
                pipe.execute()
                return
            except Exception:  # noqa: BLE001 - Redis down: count locally instead
                pass
        with self._lock:
            if len(self._local) > 100_000:
                self._local.clear()
            count, ends = self._local.get(address, (0, 0.0))
            now = time.monotonic()
            self._local[address] = (count + 1, ends) if ends > now else (1, now + WINDOW)

    def _key(self, address: str) -> str:
        return f"motcua:{self._prefix}:{address}"
