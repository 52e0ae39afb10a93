"""Merge a province calendar with its parent chain into one self-contained calendar."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from engine.calendar.model import Calendar, Override
from engine.calendar.national import NATIONAL_ID, national_calendar
from engine.errors import InvalidInput


def resolve(calendar: Calendar, parents: Mapping[str, Calendar] | Iterable[Calendar] = ()) -> Calendar:
    """Return `calendar` with its ancestors' override rows folded in and `parent=None`.

    The child's own fields (weekly hours, time zone, national holidays) are kept; only override
    rows are inherited. The child wins on a date it has rows for: an ancestor row for that date
    survives only if it takes effect strictly before the child's first row for that date, so it
    still governs dossiers received before the child's rule existed. `vn` is known built in.
    """
    known = dict(parents) if isinstance(parents, Mapping) else {c.id: c for c in parents}
    known.setdefault(NATIONAL_ID, national_calendar())
    chain = [calendar]
    seen = {calendar.id}
    while chain[-1].parent is not None:
        parent_id = chain[-1].parent
        if parent_id in seen:
            raise InvalidInput(f"calendar parent cycle at {parent_id!r}",
                               errors=[{"field": "parent", "message": "cycle in parent chain"}])
        if parent_id not in known:
            raise InvalidInput(f"unknown parent calendar {parent_id!r}",
                               errors=[{"field": "parent", "message": "unknown calendar"}])
        seen.add(parent_id)
        chain.append(known[parent_id])
    rows: list[Override] = []
    for level in chain:  # child first, then each ancestor
        first: dict[date, date] = {}
        for row in rows:
            if row.date not in first or row.effective_from < first[row.date]:
                first[row.date] = row.effective_from
        rows += [o for o in level.overrides
                 if o.date not in first or o.effective_from < first[o.date]]
    # Kept ancestor rows always take effect before any descendant row for the same date, so
    # "latest effective_from wins" gives the child precedence. The sort is stable: ties within
    # one level keep their order ("the later row wins").
    rows.sort(key=lambda o: (o.date, o.effective_from))
    return replace(calendar, parent=None, overrides=tuple(rows))

