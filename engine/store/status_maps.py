"""Each procedure's national portal status mapping, read once per half minute per process.

Every step of a dossier updates its portal status, so the mapping is read on the hot path;
it changes only when an administrator stores the procedure again. This process forgets its
copy at once then (`forget`); other processes within `TTL_SECONDS`.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from typing import Any

TTL_SECONDS = 30.0
_EMPTY: Mapping[str, int] = {}
# (database, province, code) -> (mapping, monotonic expiry)
_cache: dict[tuple[Hashable, str, str], tuple[Mapping[str, int], float]] = {}
_lock = threading.Lock()


def status_mapping(database: Hashable, province: str, code: str | None,
                   load: Callable[[], Any]) -> Mapping[str, int]:
    """The mapping of procedure `code` of `province` in `database` (empty for none or an
    unknown one); `load` reads the procedure's stored data, on a miss only."""
    if not code:
        return _EMPTY
    key = (database, province, code)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[1] > now:
        return hit[0]
    data = load()
    if isinstance(data, str | bytes):
        data = json.loads(data)
    raw = data.get("status_mapping") if isinstance(data, dict) else None
    mapping = {str(k): int(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    with _lock:
        _cache[key] = (mapping, now + TTL_SECONDS)
    return mapping


def forget(province: str, code: str) -> None:
    with _lock:
        for key in [k for k in _cache if k[1:] == (province, code)]:
            del _cache[key]
