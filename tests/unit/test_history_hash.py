"""The history hash chain's canonical form is fixed: events stored by earlier releases must
verify with this one. The expected digests were computed by the first release's code."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from engine.history import GENESIS, event_hash

AT = datetime(2026, 12, 1, 8, 30, 0, 123456, tzinfo=timezone(timedelta(hours=7)))


def test_digest_of_an_event_with_unicode_nesting_floats_and_dates_is_unchanged() -> None:
    payload = {"data": {"tên": "Hộ kinh doanh Ánh Dương", "vốn": 150000000, "ok": True,
                        "x": 1.5e16, "n": None, "list": [3, "b", {"z": 1, "a": 2}]},
               "by": "Cán bộ", "position": "officer",
               "when": datetime(2026, 1, 2, tzinfo=UTC)}  # not JSON: written as str()
    assert event_hash(GENESIS, 7, AT, "task.completed", 3, "Task_1", "abc", payload) == (
        "a9a33ac52b5d3808bead4c39c8e5147bcc95cc64f156f49fd481de2bc485087a")


def test_digest_of_an_event_without_actor_or_payload_is_unchanged() -> None:
    assert event_hash("f" * 64, 1, AT, "dossier.received", None, None, None, {}) == (
        "a8b453c3f3376bbbb14f1a805eecffdf4e8ac01c8e008570b8589340d95f81e8")


def test_every_field_is_sealed() -> None:
    base = (GENESIS, 1, AT, "task.completed", 3, "Task_1", "abc", {"a": 1})
    digest = event_hash(*base)
    for i, other in enumerate(["1" * 64, 2, AT + timedelta(microseconds=1), "task.refused", 4,
                               "Task_2", "abd", {"a": 2}]):
        changed = list(base)
        changed[i] = other
        assert event_hash(*changed) != digest, f"field {i} is not sealed"
