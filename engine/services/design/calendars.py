"""Working calendars as stored data: read, replace, import override rows, and add time limits.

Calendar ids live in their province's namespace: two provinces may each have a calendar
`hcm-office` and neither sees the other's. The national calendar `vn` is built in
(`engine.calendar.national_calendar`); only the platform operator may replace it (from the
command line: `motcua calendar import --id vn`), as the row of province "" (OPERATOR).
A calendar whose week has no working time is refused: every deadline on it would be
unreachable.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from engine.access import Action, Caller, require
from engine.calendar import (
    NATIONAL_ID,
    YEARS,
    Calendar,
    Override,
    add_calendar_days,
    add_months,
    add_working_days,
    add_working_hours,
    in_years,
    national_calendar,
    parse_overrides_csv,
    resolve,
)
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.services.context import Context
from engine.store.models import StoredCalendar
from engine.store.repository import Repository
from engine.store.uow import IntegrityError

OPERATOR = ""  # the province of the operator's rows: the national calendar
MAX_ID_LENGTH = 50
MAX_CHAIN = 16
AMOUNTS = ("working_days", "working_hours", "calendar_days", "months")

# Resolved calendars per process, keyed by the (id, updated_at) of every link of the chain, so
# an edit anywhere in the chain is a new key. Keeping the Calendar object also keeps its
# compiled working-time tables, which is where the time goes.
_RESOLVED: dict[tuple[Any, ...], Calendar] = {}
_RESOLVED_LOCK = threading.Lock()
_RESOLVED_MAX = 256


def get_calendar(ctx: Context, caller: Caller, calendar_id: str) -> Calendar:
    """The calendar as stored (not merged with its parents); `vn` is always there."""
    require(caller, Action.CALENDAR_READ)
    with ctx.uow(readonly=True) as uow:
        return _visible(uow.repo, caller.province, calendar_id)


def get_resolved(ctx: Context, caller: Caller, calendar_id: str) -> Calendar:
    """The calendar merged with its parent chain, as deadlines see it."""
    require(caller, Action.CALENDAR_READ)
    return resolved_calendar(ctx, caller.province, calendar_id)


def put_calendar(ctx: Context, caller: Caller, calendar_id: str, body: Any) -> Calendar:
    """Create or replace a calendar of the caller's province (designer or admin).

    `body` is a `Calendar.to_dict()`; its `id` may be left out but must otherwise equal
    `calendar_id`; a missing `parent` means `vn`. `vn` is the operator's, not a province's.
    """
    require(caller, Action.CALENDAR_WRITE)
    if calendar_id == NATIONAL_ID:
        raise Forbidden("the national calendar vn is maintained by the platform operator "
                        "(motcua calendar import --id vn), not by a province")
    _check_id(calendar_id)
    if not isinstance(body, dict):
        raise InvalidInput("expected a calendar object",
                           errors=[{"field": "$", "message": "expected an object"}])
    if body.get("id", calendar_id) != calendar_id:
        raise InvalidInput("the body's id differs from the id in the path",
                           errors=[{"field": "id", "message": f"must be {calendar_id!r}"}])
    data = {**body, "id": calendar_id}
    data.setdefault("parent", NATIONAL_ID)
    calendar = _with_working_time(Calendar.from_dict(data))
    province = caller.province
    for _attempt in range(3):
        with ctx.uow() as uow:
            row = uow.repo.calendar(province, calendar_id, lock=True)
            # Reject an unknown parent or a cycle now, not when a deadline is computed.
            _resolve_chain(uow.repo, caller.province, calendar)
            if row is None:
                row = StoredCalendar(id=calendar_id, province=province)
                uow.repo.add(row)
            row.data = calendar.to_dict()
            row.updated_at = ctx.clock.now()
            row.updated_by = caller.id
            try:
                uow.commit()
            except IntegrityError:
                continue  # a concurrent first PUT of this id; look again
            return calendar
    raise InvalidInput("concurrent updates of this calendar; retry")


def resolved_calendar(ctx: Context, province: str, calendar_id: str, *,
                      repo: Repository | None = None) -> Calendar:
    """The calendar `calendar_id` as seen from `province`, merged with its parent chain
    (`parent=None`), ready for the arithmetic of `engine.calendar`. Raises NotFound.

    Cached per process: repeated calls for an unchanged chain return the same object, with
    its compiled working-time tables, and parse nothing. Inside an open unit of work pass its
    `repo`, to read what that unit of work sees (a read-only one of its own would see only
    what is committed).
    """
    if repo is not None:
        links = _links(repo, province, calendar_id)
    else:
        with ctx.uow(readonly=True) as uow:
            links = _links(uow.repo, province, calendar_id)
    key = (province, *((link.id, link.updated_at) for link in links))
    found = _RESOLVED.get(key)
    if found is not None:
        return found
    head, *parents = [link.calendar() for link in links]
    resolved = resolve(head, {c.id: c for c in parents})
    with _RESOLVED_LOCK:
        if len(_RESOLVED) >= _RESOLVED_MAX:
            _RESOLVED.clear()
        _RESOLVED[key] = resolved
    return resolved


def add(ctx: Context, caller: Caller, calendar_id: str, start: datetime, *,
        working_days: float | None = None, working_hours: float | None = None,
        calendar_days: int | None = None, months: int | None = None,
        as_of: date | None = None) -> datetime:
    """The due instant (UTC) of a time limit counted from `start` on a calendar the caller
    sees. Exactly one of the four amounts must be given."""
    require(caller, Action.CALENDAR_READ)
    return due_instant(ctx, caller.province, calendar_id, start, working_days=working_days,
                       working_hours=working_hours, calendar_days=calendar_days, months=months,
                       as_of=as_of)


def due_instant(ctx: Context, province: str, calendar_id: str, start: datetime, *,
                working_days: float | None = None, working_hours: float | None = None,
                calendar_days: int | None = None, months: int | None = None,
                as_of: date | None = None) -> datetime:
    """`add` for a province rather than a caller (the CLI, jobs)."""
    amounts = {"working_days": working_days, "working_hours": working_hours,
               "calendar_days": calendar_days, "months": months}
    given = [name for name, value in amounts.items() if value is not None]
    if len(given) != 1:
        message = "give exactly one of " + ", ".join(AMOUNTS)
        raise InvalidInput(message, errors=[{"field": name, "message": message}
                                            for name in (given or AMOUNTS)])
    if start.tzinfo is None or start.utcoffset() is None:
        raise InvalidInput("start needs a UTC offset",
                           errors=[{"field": "start", "message": _NEEDS_OFFSET}])
    name = given[0]
    value = amounts[name]
    assert value is not None
    whole = name in ("calendar_days", "months")
    if isinstance(value, bool) or value < 0 or (whole and value != int(value)):
        raise InvalidInput(f"invalid {name}", errors=[{
            "field": name,
            "message": "expected a whole number >= 0" if whole else "expected a number >= 0"}])
    cal = resolved_calendar(ctx, province, calendar_id)
    try:
        if name == "working_days":
            return add_working_days(cal, start, value, as_of=as_of)
        if name == "working_hours":
            return add_working_hours(cal, start, value, as_of=as_of)
        if name == "calendar_days":
            return add_calendar_days(cal, start, int(value), as_of=as_of)
        return add_months(cal, start, int(value), as_of=as_of)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=[{"field": name, "message": str(exc)}]) from exc


_NEEDS_OFFSET = "expected an instant with a UTC offset, e.g. 2026-02-13T16:30:00+07:00"


def parse_instant(text: str, field: str = "start") -> datetime:
    """An ISO 8601 instant with its offset; InvalidInput naming `field` otherwise."""
    # An unencoded `+` in a query string arrives as a space: `...T16:30:00 07:00`.
    cleaned = text.strip()
    if len(cleaned) > 10 and " " in cleaned[10:]:
        cleaned = cleaned[:10] + cleaned[10:].replace(" ", "+")
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(f"invalid {field}", errors=[{
            "field": field, "message": "expected an ISO 8601 instant, "
            "e.g. 2026-02-13T16:30:00+07:00"}]) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{field} needs a UTC offset",
                           errors=[{"field": field, "message": _NEEDS_OFFSET}])
    if not in_years(value):
        raise InvalidInput(f"invalid {field}", errors=[{"field": field, "message": YEARS}])
    return value


def import_overrides_csv(ctx: Context, calendar_id: str, text: str, province: str | None,
                         *, by: int | None = None) -> int:
    """Merge the override rows of a CSV into a calendar of `province`; return how many.
    The command line's (the operator's) way, and the only way to change `vn`.

    A row replaces a stored row with the same date and effective_from; others are added. A
    calendar that does not exist yet is created deriving from `vn` (for `vn` itself, from the
    built-in one, stored as the operator's).
    """
    _check_id(calendar_id)
    rows = parse_overrides_csv(text)
    national = calendar_id == NATIONAL_ID
    owner = OPERATOR if national else (province or "")
    if not national and not owner.strip():
        raise InvalidInput("a province is needed",
                           errors=[{"field": "province", "message": "must not be empty"}])
    for _attempt in range(3):
        with ctx.uow() as uow:
            row = uow.repo.calendar(owner, calendar_id, lock=True)
            if row is not None:
                base = Calendar.from_dict(row.data)
            elif national:
                base = national_calendar()
            else:
                base = Calendar(id=calendar_id, parent=NATIONAL_ID)
            merged = _with_working_time(replace(base, overrides=_merge(base.overrides, rows)))
            if row is None:
                row = StoredCalendar(id=calendar_id, province=owner)
                uow.repo.add(row)
            row.data = merged.to_dict()
            row.updated_at = ctx.clock.now()
            row.updated_by = by
            try:
                uow.commit()
            except IntegrityError:
                continue
            return len(rows)
    raise InvalidInput("concurrent updates of this calendar; retry")


# -- helpers ----------------------------------------------------------------------------

def _check_id(calendar_id: str) -> None:
    if not calendar_id or len(calendar_id) > MAX_ID_LENGTH or not calendar_id.strip():
        raise InvalidInput("invalid calendar id", errors=[{
            "field": "id", "message": f"expected 1 to {MAX_ID_LENGTH} characters"}])


def _merge(old: tuple[Override, ...], new: list[Override]) -> tuple[Override, ...]:
    incoming = {(o.date, o.effective_from): o for o in new}
    kept = [o for o in old if (o.date, o.effective_from) not in incoming]
    merged = kept + list(incoming.values())
    merged.sort(key=lambda o: (o.date, o.effective_from))  # stable: ties keep their order
    return tuple(merged)


@dataclass(frozen=True)
class _Link:
    """One calendar of a parent chain as stored (`data` None: the built-in `vn`)."""

    id: str
    data: dict[str, Any] | None
    updated_at: datetime | None

    @property
    def parent(self) -> str | None:
        if self.data is None:
            return national_calendar().parent
        parent = self.data.get("parent")
        return parent if isinstance(parent, str) else None

    def calendar(self) -> Calendar:
        return national_calendar() if self.data is None else Calendar.from_dict(self.data)


def _load(repo: Repository, province: str, calendar_id: str) -> _Link | None:
    """The calendar `calendar_id` as `province` sees it: its own, or the national one."""
    if calendar_id == NATIONAL_ID:
        row = repo.calendar(OPERATOR, NATIONAL_ID)
        return _Link(NATIONAL_ID, row.data if row else None, row.updated_at if row else None)
    row = repo.calendar(province, calendar_id)
    return _Link(row.id, row.data, row.updated_at) if row is not None else None


def _with_working_time(calendar: Calendar) -> Calendar:
    """`calendar`, refused if its week has no working time at all."""
    if not any(calendar.weekly.days):
        raise InvalidInput(f"calendar {calendar.id} has no working time in its week",
                           errors=[{"field": "weekly",
                                    "message": "at least one day needs opening hours"}])
    return calendar


def _visible(repo: Repository, province: str, calendar_id: str) -> Calendar:
    found = _load(repo, province, calendar_id)
    if found is None:
        raise NotFound(f"no calendar {calendar_id}")
    return found.calendar()


def _links(repo: Repository, province: str, calendar_id: str) -> list[_Link]:
    found = _load(repo, province, calendar_id)
    if found is None:
        raise NotFound(f"no calendar {calendar_id}")
    return [found, *_parents(repo, province, calendar_id, found.parent)]


def _parents(repo: Repository, province: str, child: str, parent: str | None) -> list[_Link]:
    """The ancestors of `child`, nearest first; InvalidInput on `parent` if unknown or a cycle."""
    out: list[_Link] = []
    seen = {child}
    while parent is not None:
        if parent in seen or len(out) >= MAX_CHAIN:
            raise InvalidInput(f"calendar parent cycle at {parent!r}",
                               errors=[{"field": "parent", "message": "cycle in parent chain"}])
        found = _load(repo, province, parent)
        if found is None:
            raise InvalidInput(f"unknown parent calendar {parent!r}",
                               errors=[{"field": "parent", "message": "unknown calendar"}])
        seen.add(parent)
        out.append(found)
        parent = found.parent
    return out


def _resolve_chain(repo: Repository, province: str, calendar: Calendar) -> Calendar:
    parents = [link.calendar() for link in _parents(repo, province, calendar.id, calendar.parent)]
    return resolve(calendar, {c.id: c for c in parents})
