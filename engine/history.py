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


def first_break(events: list[Any], head: str, count: int) -> dict[str, Any] | None:
    """Where a dossier's stored chain stops proving itself, or None if it is intact.

    `events` are its history rows in order (objects with the columns of `history_events`);
    `head` and `count` are what the dossier row says the chain ends with. Each event must
    follow the one before it (seq 1, 2, ...; `prev_hash` the previous `hash`), its `hash`
    must be the hash of its content, and the last must be the dossier's head: so an event
    altered, removed, inserted or cut from the end is found, at the first one out of place.
    """
    prev = GENESIS
    for expected_seq, event in enumerate(events, 1):
        if event.seq != expected_seq:
            return {"seq": expected_seq, "code": "event_missing", "reason": "missing",
                    "expected": f"event {expected_seq}",
                    "found": f"event {event.seq}"}
        if event.prev_hash != prev:
            return {"seq": event.seq, "code": "event_unlinked",
                    "reason": "not linked to the event before it",
                    "expected": prev, "found": event.prev_hash}
        digest = event_hash(event.prev_hash, event.seq, event.at, event.kind, event.actor_id,
                            event.element_id, event.task_id, event.payload)
        if digest != event.hash:
            return {"seq": event.seq, "code": "event_altered",
                    "reason": "its content does not match its hash",
                    "expected": event.hash, "found": digest}
        prev = event.hash
    if len(events) != count or prev != (head or GENESIS):
        return {"seq": len(events) + 1 if len(events) < count else len(events),
                "code": "chain_end",
                "reason": "the chain does not end where the dossier says it does",
                "expected": f"{count} events ending {head or GENESIS}",
                "found": f"{len(events)} events ending {prev}"}
    return None


def anchor_digest(prev_digest: str, heads: list[tuple[str, int, str]]) -> str:
    """A day's anchor: SHA-256 over the previous anchor's digest and every dossier's chain
    head at the end of the day, (code, seq, hash) in code order. Deleting a whole dossier or
    rewinding its chain changes it, though each remaining chain still proves itself."""
    body = _CANONICAL.encode(sorted(heads))
    return hashlib.sha256((prev_digest + body).encode("utf-8")).hexdigest()
