"""Hot-path records: columns read as attributes, assignments tracked, nothing else allowed."""
from __future__ import annotations

import pytest

from engine.store.records import Record, new_task


def test_a_record_tracks_what_was_assigned() -> None:
    r = Record({"id": 7, "status": "in_process", "row_version": 3})
    assert (r.id, r.status) == (7, "in_process")
    assert r.changes() == {}
    r.status = "finished"
    assert r.changes() == {"status": "finished"}
    assert r.values() == {"id": 7, "status": "finished", "row_version": 3}
    r.saved(4)
    assert r.changes() == {} and r.row_version == 4


def test_a_record_refuses_names_that_are_not_columns() -> None:
    r = Record({"id": 7})
    with pytest.raises(AttributeError, match="no column state"):
        r.state = {}
    with pytest.raises(AttributeError, match="no column state"):
        _ = r.state
    with pytest.raises(ValueError, match="clash"):
        Record({"id": 1, "values": 2})


def test_a_new_inbox_row_has_every_column() -> None:
    t = new_task(id="t1", status="open")
    assert t.id == "t1" and t.completed_at is None and t.due_at is None
