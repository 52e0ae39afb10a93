"""Queries and ORM writes, one method each, used inside a unit of work."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased, defer

from engine.search import LIKE_ESCAPE, Search
from engine.store.backlog_reads import BacklogReads
from engine.store.definition_rows import DefinitionRows
from engine.store.document_rows import DocumentRows
from engine.store.dossier_links import DossierLinks
from engine.store.history_reads import HistoryReads
from engine.store.inbox_reads import InboxReads, timeliness_filter
from engine.store.incident_rows import IncidentRows
from engine.store.models import (
    Dossier,
    OutboxMessage,
    Principal,
    ProcessDefinition,
    Rating,
    StoredCalendar,
    StoredProcedure,
    Task,
    Unit,
)
from engine.store.models_dossiers import DossierGrant
from engine.store.stats_reads import StatsReads
from engine.store.webhook_rows import WebhookRows

_DOSSIERS = cast(Table, Dossier.__table__)
_PARENT = aliased(Unit)

_PROCEDURE_OF_PROCESS = (
    select(StoredProcedure.code, StoredProcedure.data)
    .where(StoredProcedure.province == bindparam("province"),
           StoredProcedure.process_key == bindparam("process_key"))
    .order_by(StoredProcedure.id).limit(1).subquery())
_INTAKE_LOOKUP = select(
    select(ProcessDefinition.id)
    .where(ProcessDefinition.province == bindparam("province"),
           ProcessDefinition.key == bindparam("process_key"),
           ProcessDefinition.status == "active")
    .scalar_subquery().label("definition_id"),
    exists().where(ProcessDefinition.province == bindparam("province"),
                   ProcessDefinition.key == bindparam("process_key"))
    .label("deployed"),
    select(_PROCEDURE_OF_PROCESS.c.code).scalar_subquery().label("procedure_code"),
    select(_PROCEDURE_OF_PROCESS.c.data).scalar_subquery().label("procedure_data"),
    select(StoredCalendar.id).where(StoredCalendar.province == bindparam("province"),
                                    StoredCalendar.id == bindparam("unit"))
    .scalar_subquery().label("unit_calendar"),
    select(Unit.province).where(Unit.code == bindparam("unit"), Unit.registered_at.is_not(None))
    .scalar_subquery().label("unit_province"),
    select(Unit.name).where(Unit.code == bindparam("unit"))
    .scalar_subquery().label("unit_name"),
    select(_PARENT.name).join(Unit, Unit.parent == _PARENT.code)
    .where(Unit.code == bindparam("unit")).scalar_subquery().label("agency_name"),
    select(Dossier.id).where(Dossier.client_id == bindparam("client_id"),
                             Dossier.idempotency_key == bindparam("key"))
    .scalar_subquery().label("first_dossier_id"))


def _matches(search: Search, prefixes: bool) -> Any:
    """SQL for `search`: the code, the identity number, or every word beginning a word of
    the name. With `prefixes` (PostgreSQL) the name is one GIN lookup per word in its
    prefixes (engine.search.word_prefixes), so the three are index scans (unique code,
    search_id, name_prefixes); otherwise one LIKE per word on the folded name."""
    name: ColumnElement[bool]
    if prefixes:
        name = Dossier.name_prefixes.op("@>", return_type=Boolean)(
            bindparam(None, list(search.words), type_=postgresql.ARRAY(Text)))
        repeated = search.repeated_patterns()
        if repeated:
            name = and_(name, *(Dossier.search_name.like(p, escape=LIKE_ESCAPE)
                                for p in repeated))
    else:
        name = and_(*(Dossier.search_name.like(p, escape=LIKE_ESCAPE)
                      for p in search.name_patterns()))
    codes = {search.code, search.code.upper()}
    found: list[ColumnElement[bool]] = [Dossier.code.in_(sorted(codes)), name]
    if search.id_number is not None:
        found.append(Dossier.search_id == search.id_number)
    return or_(*found)


# The orders of a list of dossiers, on the table or on a selection of its id and due_at.
_ORDER: dict[str, Any] = {
    "-received_at": lambda c: (c.id.desc(),),
    "received_at": lambda c: (c.id,),
    "due_at": lambda c: (c.due_at.is_(None), c.due_at, c.id),
}


class Repository(DefinitionRows, HistoryReads, DocumentRows, InboxReads, IncidentRows,
                 DossierLinks, BacklogReads, WebhookRows, StatsReads):
    """Reads run at once; the hot-path writes (see `HotPath`) are buffered until commit."""

    def add(self, obj: Any) -> None:
        if isinstance(obj, OutboxMessage):
            self.session.info["outbox_written"] = True
        self.session.add(obj)

    def flush(self) -> None:
        self.session.flush()

    # -- principals ---------------------------------------------------------------------
    def principal_by_token_hash(self, token_hash: str) -> Principal | None:
        return self.session.scalar(select(Principal).where(Principal.token_hash == token_hash))

    def principals(self, province: str | None = None) -> Sequence[Principal]:
        q = select(Principal).order_by(Principal.id)
        if province is not None:
            q = q.where(Principal.province == province)
        return self.session.scalars(q).all()

    # -- dossiers -----------------------------------------------------------------------
    def dossier(self, province: str, code: str, *, lock: bool = False) -> Dossier | None:
        q = select(Dossier).where(Dossier.province == province, Dossier.code == code)
        return self.session.scalar(self._locked(q) if lock else q)

    def dossier_by_code(self, code: str, *, lock: bool = False) -> Dossier | None:
        """Any province's dossier by its code (codes are unique): for the public lookup,
        which knows no province until the applicant's proof is checked."""
        q = select(Dossier).where(Dossier.code == code)
        return self.session.scalar(self._locked(q) if lock else q)

    def rating_of(self, dossier_id: int) -> Rating | None:
        return self.session.get(Rating, dossier_id)

    def dossier_by_id(self, dossier_id: int, *, lock: bool = False) -> Dossier | None:
        q = select(Dossier).where(Dossier.id == dossier_id)
        return self.session.scalar(self._locked(q) if lock else q)

    def dossier_by_idempotency(self, client_id: int, key: str) -> Dossier | None:
        return self.session.scalar(select(Dossier).where(
            Dossier.client_id == client_id, Dossier.idempotency_key == key))

    def dossiers(self, province: str, *, status: str | None, process_key: str | None,
                 unit: str | None, limit: int, offset: int, timeliness: str | None = None,
                 now: datetime | None = None, sort: str = "-received_at",
                 handling_unit: str | None = None,
                 client_id: int | None = None, scope_units: Sequence[str] | None = None,
                 search: Search | None = None, channel: str | None = None,
                 received_from: datetime | None = None, received_before: datetime | None = None
                 ) -> tuple[Sequence[Dossier], int]:
        """`client_id`: only the dossiers that principal started or was granted;
        `scope_units`: only those one of the units received or holds a task of (an access
        scope, see engine.access).
        `search`: by code, identity number or name (engine.search); received in
        [`received_from`, `received_before`)."""
        q = select(Dossier.id, Dossier.due_at).where(Dossier.province == province)
        if client_id is not None:
            granted = select(DossierGrant.dossier_id).where(DossierGrant.client_id == client_id)
            q = q.where(or_(Dossier.client_id == client_id, Dossier.id.in_(granted)))
        if scope_units is not None:
            # A task is of its dossier's province: the units alone, read from the
            # units' index with the dossier ids it carries.
            tasks_of_units = (Task.unit.in_(scope_units),)
            # A search on PostgreSQL asks the units kept on the dossier (their GIN index: the
            # name's bitmap and the scope's meet before any row is read); on SQLite one
            # probe of the tasks' (dossier_id, unit) index per dossier found. A list of all
            # the units' dossiers reads their tasks' ids from the units' index.
            held: ColumnElement[bool]
            if search is not None and self.postgresql:
                held = Dossier.task_units.op("&&", return_type=Boolean)(
                    bindparam(None, sorted(scope_units), type_=postgresql.ARRAY(Text)))
            elif search is not None:
                held = exists().where(Task.dossier_id == Dossier.id, *tasks_of_units)
            else:
                held = Dossier.id.in_(select(Task.dossier_id).where(*tasks_of_units))
            q = q.where(or_(Dossier.unit.in_(scope_units), held))
        if search is not None:
            q = q.where(_matches(search, self.postgresql))
        if status:
            q = q.where(Dossier.status == status)
        if process_key:
            q = q.where(Dossier.process_key == process_key)
        if unit:
            q = q.where(Dossier.unit == unit)
        if handling_unit:  # the receiving unit handles a dossier that names no other
            q = q.where(func.coalesce(Dossier.handling_unit, Dossier.unit) == handling_unit)
        if channel:
            q = q.where(Dossier.channel == channel)
        if received_from is not None:
            q = q.where(Dossier.received_at >= received_from)
        if received_before is not None:
            q = q.where(Dossier.received_at < received_before)
        if timeliness and now is not None:
            q = q.where(timeliness_filter(Dossier, timeliness, now))
        if search is None:
            return self._dossier_page(q, sort, limit, offset)
        # A search finds a few thousand dossiers at most: they are found once (by the
        # indexes, as a bitmap), then counted and paged. Planned with the LIMIT, PostgreSQL
        # 15 would walk the primary key backwards from the newest dossier instead, through
        # most of the table for a common name (its count(*) OVER () costs as if it stopped
        # at the 50th row).
        found = q.cte("found").prefix_with("MATERIALIZED", dialect="postgresql")
        page = select(found.c.id).order_by(*_ORDER[sort](found.c)).limit(limit).offset(offset)
        total = select(func.count()).select_from(found).scalar_subquery()
        rows = self.session.execute(
            select(Dossier, total).options(defer(Dossier.state, raiseload=True))
            .where(Dossier.id.in_(page)).order_by(*_ORDER[sort](Dossier))).all()
        if rows:
            return [row[0] for row in rows], int(rows[0][1])
        return [], int(self.session.scalar(select(total)) or 0)

    def _dossier_page(self, q: Select[Any, Any], sort: str, limit: int, offset: int
                      ) -> tuple[Sequence[Dossier], int]:
        """A page of the dossiers `q` selects and how many it selects in all."""
        total = self.session.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = self.session.scalars(
            q.with_only_columns(Dossier).options(defer(Dossier.state, raiseload=True))
            .order_by(*_ORDER[sort](Dossier)).limit(limit).offset(offset)).all()
        return rows, total

    def due_dossier_ids(self, now: datetime, limit: int) -> Sequence[int]:
        return self.session.scalars(
            select(Dossier.id).where(Dossier.next_wakeup <= now).order_by(Dossier.next_wakeup)
            .limit(limit)).all()

    def claim_due_dossiers(self, due_before: datetime, requeue_before: datetime, now: datetime,
                           limit: int) -> Sequence[int]:
        """Ids of dossiers due before `due_before` and not queued since `requeue_before`,
        marked as queued now. Rows locked by another sweep or a command are skipped."""
        q = (select(Dossier.id)
             .where(Dossier.next_wakeup <= due_before,
                    or_(Dossier.wake_queued_at.is_(None),
                        Dossier.wake_queued_at < requeue_before))
             .order_by(Dossier.next_wakeup).limit(limit))
        if self.postgresql:
            q = q.with_for_update(skip_locked=True)
        ids = list(self.session.scalars(q).all())
        if ids:
            self._core(update(_DOSSIERS).where(_DOSSIERS.c.id.in_(ids))
                       .values(wake_queued_at=now))
        return ids

    def intake_lookup(self, province: str, process_key: str, unit: str, client_id: int,
                      idempotency_key: str | None) -> dict[str, Any]:
        """What starting a dossier needs to know, in one query: the active version's id
        (None: none is active; `deployed` says whether the process has any version),
        the procedure's code and rules, the province's calendar named after the unit (if
        any), the province the unit belongs to (None: not yet known), the names of the unit
        and of its parent (None: not registered) and the id of a dossier already started
        with this idempotency key."""
        row = self.session.connection().execute(_INTAKE_LOOKUP, {
            "province": province, "process_key": process_key, "unit": unit,
            "client_id": client_id, "key": idempotency_key or ""}).one()
        return dict(row._mapping)

    # -- procedures ---------------------------------------------------------------------
    def procedure(self, province: str, code: str) -> StoredProcedure | None:
        return self.session.scalar(select(StoredProcedure).where(
            StoredProcedure.province == province, StoredProcedure.code == code))

    def procedure_names(self, province: str, codes: Collection[str]) -> dict[str, str]:
        """The registered names of these procedures of `province`, by code (one read)."""
        if not codes:
            return {}
        rows = self.session.execute(select(StoredProcedure.code, StoredProcedure.data).where(
            StoredProcedure.province == province, StoredProcedure.code.in_(sorted(codes))))
        return {code: data["name"] for code, data in rows
                if isinstance(data, dict) and isinstance(data.get("name"), str) and data["name"]}

    def procedures(self, province: str) -> Sequence[StoredProcedure]:
        return self.session.scalars(select(StoredProcedure).where(
            StoredProcedure.province == province).order_by(StoredProcedure.code)).all()

    # -- tasks --------------------------------------------------------------------------
    def task(self, province: str, task_id: str) -> Task | None:
        self.flush_writes()
        return self.session.scalar(select(Task).where(Task.province == province, Task.id == task_id))

    def tasks_of(self, dossier_id: int) -> Sequence[Task]:
        """Every inbox row the dossier ever had, in the order they were made."""
        self.flush_writes()
        return self.session.scalars(select(Task).where(Task.dossier_id == dossier_id)
                                    .order_by(Task.created_at, Task.id)).all()

    def open_tasks_of(self, dossier_id: int) -> Sequence[Task]:
        self.flush_writes()
        return self.session.scalars(select(Task).where(
            Task.dossier_id == dossier_id, Task.status == "open")).all()

    def principal_names(self, ids: Sequence[int | None]) -> dict[int, str]:
        """The names of these principals (ids of none are left out)."""
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        self._flush_orm()
        rows = self.session.execute(select(Principal.id, Principal.name)
                                    .where(Principal.id.in_(wanted))).all()
        return {principal_id: name for principal_id, name in rows}

    def task_units(self, dossier_id: int) -> set[str]:
        """The units holding a task (open or done) of the dossier."""
        self.flush_writes()
        return {u for u in self.session.scalars(select(Task.unit).distinct().where(
            Task.dossier_id == dossier_id)) if u is not None}

    # -- outbox -------------------------------------------------------------------------
    def claim_outbox(self, now: datetime, limit: int) -> Sequence[OutboxMessage]:
        """Unsent messages, locked so that two relays never send the same row."""
        q = (select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
             .order_by(OutboxMessage.id).limit(limit))
        if self.postgresql:
            q = q.with_for_update(skip_locked=True)
        return self.session.scalars(q).all()

    def mark_sent(self, ids: Sequence[int], now: datetime) -> None:
        if ids:
            self.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                 .values(sent_at=now))

    def _locked(self, q: Select[Any]) -> Select[Any]:
        # SQLite has no row locks; its BEGIN IMMEDIATE already serialises writers.
        if self.postgresql:
            return q.with_for_update()
        return q

    def message_seen(self, dossier_id: int, message_id: str) -> bool:
        from engine.store.models import ProcessedMessage

        return self.session.get(ProcessedMessage, (dossier_id, message_id)) is not None

    # -- calendars ----------------------------------------------------------------------
    def calendar(self, province: str, calendar_id: str, *, lock: bool = False) -> Any:
        """The province's stored calendar with this id (a `StoredCalendar`), or None;
        province "" holds the operator's national row."""
        q = select(StoredCalendar).where(StoredCalendar.province == province,
                                         StoredCalendar.id == calendar_id)
        return self.session.scalar(self._locked(q) if lock else q)

    def principal_name(self, principal_id: int) -> str:
        return self.session.scalar(select(Principal.name).where(
            Principal.id == principal_id)) or ""

    # -- units --------------------------------------------------------------------------
    def unit_names(self, code: str) -> tuple[str | None, str | None]:
        """The registered names of a unit and of its parent (None where not registered)."""
        row = self.session.execute(
            select(Unit.name, _PARENT.name).outerjoin(_PARENT, Unit.parent == _PARENT.code)
            .where(Unit.code == code)).first()
        return (row[0], row[1]) if row is not None else (None, None)

    def unit_province(self, code: str) -> str | None:
        """The province `code` is registered in (None: not registered; a unit only known
        from before the registry counts as not registered until an administrator does it)."""
        return self.session.scalar(select(Unit.province).where(
            Unit.code == code, Unit.registered_at.is_not(None)))

