"""The hash chain over a dossier's history: each event seals the one before it."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
# The canonical form: what json.dumps with these options writes (the encoder holds no state
# between calls, so one serves every thread, without building one per event).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              default=str)


def event_hash(prev_hash: str, seq: int, at: datetime, kind: str, actor_id: int | None,
               element_id: str | None, task_id: str | None, payload: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and a canonical JSON form of the event."""
    body = _CANONICAL.encode(
        [seq, at.isoformat(timespec="microseconds"), kind, actor_id, element_id, task_id, payload])
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()
