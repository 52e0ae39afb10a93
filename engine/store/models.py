"""Tables (SQLAlchemy 2 typed models). The schema itself is created only by alembic."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.search import ID_NUMBER_LENGTH, NAME_LENGTH
from engine.store.base import Base as Base
from engine.store.base import IndexedTextArray as IndexedTextArray
from engine.store.base import UTCDateTime as UTCDateTime
from engine.store.base import max_length as max_length
from engine.store.models_org import Position as Position
from engine.store.models_org import Unit as Unit
from engine.store.models_org import UnitKind as UnitKind


class Principal(Base):
    __tablename__ = "principals"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(50), index=True)
    unit: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    # When the current token was issued (None: at creation); revoking stores a hash no
    # token has. A disabled principal's token no longer authenticates.
    token_issued_at: Mapped[datetime | None]
    token_expires_at: Mapped[datetime | None]  # None: the token does not expire
    disabled_at: Mapped[datetime | None]
    # "issuer subject" of a principal that signs in through the province's OIDC provider
    # (None: a principal with an opaque token of ours).
    subject: Mapped[str | None] = mapped_column(String(400), unique=True)


class Membership(Base):
    """A further (unit, position) a principal holds beside its own `unit` and `position`:
    an officer seconded to another unit's desk works the tasks of both."""

    __tablename__ = "memberships"
    principal_id: Mapped[int] = mapped_column(ForeignKey("principals.id"), primary_key=True)
    unit: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[str] = mapped_column(String(100), primary_key=True)


class ProcessDefinition(Base):
    __tablename__ = "process_definitions"
    __table_args__ = (
        UniqueConstraint("province", "key", "version", name="uq_definition_version"),
        UniqueConstraint("province", "key", "content_hash", name="uq_definition_content"),
        # Exactly one version of a process is the one new dossiers start on (migration 0024).
        Index("uq_definition_active", "province", "key", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]]
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    # draft, active or retired (engine.services.design.versions)
    status: Mapped[str] = mapped_column(String(20), server_default="active")


# The open dossiers whose clock runs (a partial index's predicate: queries name it as is).
RUNNING = text("status IN ('in_process', 'error') AND paused_since IS NULL")


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key", name="uq_dossier_idempotency"),
        Index("ix_dossier_province_status", "province", "status"),
        # The name search on PostgreSQL: `name_prefixes @> ARRAY[words]` (migration 0014).
        # On SQLite the column is NULL and the search scans `search_name`.
        Index("ix_dossier_name_prefixes", "name_prefixes", postgresql_using="gin"),
        # An officer's scope in a search on PostgreSQL: `task_units && ARRAY[units]`
        # (migration 0035). On SQLite the column is NULL and the scope reads the tasks.
        Index("ix_dossier_task_units", "task_units", postgresql_using="gin"),
        Index("ix_dossier_search_id", "search_id"),
        Index("ix_dossier_unit_received", "unit", "received_at"),  # the tracking book
        # The open dossiers due or warned today, split at the moment of a figure
        # (engine.stats.open_parts): only open, running dossiers are in them.
        Index("ix_dossier_open_due", "province", "due_at", postgresql_where=RUNNING,
              sqlite_where=RUNNING),
        Index("ix_dossier_open_warn", "province", "warn_at", postgresql_where=RUNNING,
              sqlite_where=RUNNING),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(50))
    code: Mapped[str] = mapped_column(String(100), unique=True)
    unit: Mapped[str] = mapped_column(String(100))  # the receiving unit
    # The unit in charge of deciding (liên thông; reception regardless of territory): the
    # default unit of the dossier's tasks. None: the receiving unit.
    handling_unit: Mapped[str | None] = mapped_column(String(100))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    process_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(20))
    applicant: Mapped[dict[str, Any]]
    # The applicant's name and identity number as the search compares them (engine.search),
    # written with the applicant.
    search_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    search_id: Mapped[str | None] = mapped_column(String(ID_NUMBER_LENGTH))
    # Written at intake with `search_name`, read by no one (only searched): never loaded.
    name_prefixes: Mapped[list[str] | None] = mapped_column(IndexedTextArray, deferred=True)
    # Every unit that has held a task of the dossier, written with its new tasks by the
    # hot path (engine.store.hot_path), read by no one (only searched): never loaded.
    task_units: Mapped[list[str] | None] = mapped_column(IndexedTextArray, deferred=True)
    state: Mapped[dict[str, Any]]
    error: Mapped[str | None] = mapped_column(Text)
    end_event: Mapped[str | None] = mapped_column(String(200))
    next_wakeup: Mapped[datetime | None] = mapped_column(index=True)
    # Set when a sweep queues a wake, cleared when the dossier is saved: the sweep does not
    # queue the same dossier again while that wake is on its way.
    wake_queued_at: Mapped[datetime | None]
    client_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    # What the portal says the applicant submitted (online, post); received_at is when the
    # unit received (accepted) it; the same instant at the desk. None: stored before 0019.
    submitted_at: Mapped[datetime | None]
    received_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # Messages kept until the process waits for them (models_dossiers.PendingMessage): read
    # with the row, so a command asks for them only when there are some.
    pending_messages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    history_seq: Mapped[int] = mapped_column(Integer, default=0)
    history_head: Mapped[str] = mapped_column(String(64), default="")
    # The statutory clock (DOMAIN.md §4): due moves by the working time spent paused.
    procedure_code: Mapped[str | None] = mapped_column(String(100))
    calendar_id: Mapped[str | None] = mapped_column(String(50))
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    warn_at: Mapped[datetime | None]
    timeliness: Mapped[str | None] = mapped_column(String(20))
    paused_since: Mapped[datetime | None]
    paused_hours: Mapped[float] = mapped_column(Double, default=0.0)
    pause_count: Mapped[int] = mapped_column(Integer, default=0)
    new_appointment_at: Mapped[datetime | None]
    apology_count: Mapped[int] = mapped_column(Integer, default=0)
    # What the dossier holds as files (engine.stats.counters: 1 the applicant's papers, 2 a
    # result), so the figures count each dossier once and finishing needs no query.
    files_kept: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # The National Public Service Portal's status code (engine/deadlines/portal.py).
    portal_status: Mapped[int | None] = mapped_column(SmallInteger)
    # Printed on the receipt: with the code, the applicant's proof for the public lookup.
    lookup_secret: Mapped[str | None] = mapped_column(String(16))
    # An open incident of the dossier (engine.services.flow.incidents), shown with it; while
    # one opened by a timer is open, the dossier is not woken (None: no open incident).
    incident_id: Mapped[int | None] = mapped_column(Integer)
    # Optimistic guard: an UPDATE that finds another version raises StaleDataError.
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": row_version}


_OPEN = text("status = 'open'")
_LANE = ("position", "holder_id", "warn_at", "id")


class Task(Base):
    """Projection of the user tasks waiting in each dossier, for inboxes."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_task_inbox", "province", "status", "unit", "position"),
        Index("ix_task_holder", "holder_id", "status"),
        # A unit's tasks by creation (the tracking book), with their dossiers (the
        # officers' scope of dossiers, index-only on PostgreSQL).
        Index("ix_task_unit_created", "unit", "created_at", postgresql_include=("dossier_id",)),
        # A dossier's tasks, with their units: whether an officer's units hold a task of a
        # dossier a search found is one index-only probe (engine.store.repository).
        Index("ix_task_dossier_unit", "dossier_id", "unit"),
        # The inbox's lanes (engine.store.inbox_reads): a unit's open tasks by step due, and
        # the province's, carrying what the lanes filter on, so that a lane is counted and
        # its first page found from the index alone (PostgreSQL: an index-only scan).
        Index("ix_task_open_lane", "province", "unit", "due_at", postgresql_include=_LANE,
              postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_task_open_due", "province", "due_at", postgresql_include=("unit", *_LANE),
              postgresql_where=_OPEN, sqlite_where=_OPEN))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    province: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(100))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(500))
    form: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    due_at: Mapped[datetime | None]
    warn_at: Mapped[datetime | None]
    # Who holds the task (claimed it, or was assigned it by a head of department or leader
    # of the unit): only the holder may complete it. None: any officer of its lane may.
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    held_since: Mapped[datetime | None]
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))


class HistoryEvent(Base):
    """Append-only, hash-chained record of everything that happened to a dossier."""

    __tablename__ = "history_events"
    __table_args__ = (UniqueConstraint("dossier_id", "seq", name="uq_history_seq"),
                      Index("ix_history_at", "at"))  # a day's anchor reads that day's events
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    seq: Mapped[int]
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(50))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    element_id: Mapped[str | None] = mapped_column(String(200))
    task_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Rating(Base):
    """The applicant's rating of the service for one dossier (five levels and the sheet of
    criteria), given once, after the result."""

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_province_rated_at", "province", "rated_at"),)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    province: Mapped[str] = mapped_column(String(50))
    level: Mapped[int] = mapped_column(SmallInteger)
    criteria: Mapped[dict[str, Any]]
    complaint: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20))  # applicant, portal or desk
    rated_by: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    rated_at: Mapped[datetime]


class HistoryAnchor(Base):
    """Per province and day: a digest over chain heads at the end of the day
    (`engine.history.anchor_digest`), chained to the province's anchor before it. Scheme 2
    (every anchor written now) covers the heads of the dossiers that had events that day;
    scheme 1 (anchors written before it) covers every dossier's head."""

    __tablename__ = "history_anchors"
    province: Mapped[str] = mapped_column(String(50), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    prev_digest: Mapped[str] = mapped_column(String(64))
    dossiers: Mapped[int]
    created_at: Mapped[datetime]
    scheme: Mapped[int] = mapped_column(Integer, default=2, server_default="1")


class StoredProcedure(Base):
    """A procedure's metadata and statutory rule sets (`engine.deadlines.Procedure`)."""

    __tablename__ = "procedures"
    __table_args__ = (UniqueConstraint("province", "code", name="uq_procedure_code"),
                      Index("ix_procedure_process", "province", "process_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(50))
    code: Mapped[str] = mapped_column(String(100))
    process_key: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))


class CodeCounter(Base):
    """Last dossier sequence number issued per receiving unit per local day."""

    __tablename__ = "code_counters"
    unit: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[str] = mapped_column(String(6), primary_key=True)
    last: Mapped[int]


class OutboxMessage(Base):
    """A job to enqueue once the transaction that wrote it has committed."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class ProcessedMessage(Base):
    """Message ids already delivered to a dossier, so a repeated delivery is ignored."""

    __tablename__ = "processed_messages"
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime]


class StoredCalendar(Base):
    """A working-time calendar (`engine.calendar.Calendar.to_dict()`) of one province: ids
    live in their province's namespace. Province `""` is the platform operator's: a row
    `("", "vn")` replaces the built-in national calendar."""

    __tablename__ = "calendars"
    province: Mapped[str] = mapped_column(String(50), primary_key=True)
    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))


class Document(Base):
    """A document of a dossier: issued by the platform (form 01, the receipt and
    appointment slip, first), or submitted as a file (the applicant's papers, an officer's
    result).

    An issued document's `fields` are what it says, fixed when it is issued; the PDF
    rendered from them is stored in `content` the first time it is asked for
    (`rendered_at`). A submitted one is kept in the file store under `file_key`. Either way
    its size and SHA-256 are checked again every time it is served."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_document_dossier", "dossier_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(50))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    kind: Mapped[str] = mapped_column(String(50))
    form: Mapped[str | None] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    fields: Mapped[dict[str, Any]]
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    rendered_at: Mapped[datetime | None]
    file_key: Mapped[str | None] = mapped_column(String(100))


class CompletionKey(Base):
    """The first answer to a task completion sent with an Idempotency-Key, written in the
    completion's own transaction: a retry with the same key and request gets it again.
    Keys belong to the principal that sent them."""

    __tablename__ = "completion_keys"
    __table_args__ = (Index("ix_completion_key_created", "created_at"),)  # the purge
    principal_id: Mapped[int] = mapped_column(ForeignKey("principals.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    province: Mapped[str] = mapped_column(String(50))
    task_id: Mapped[str] = mapped_column(String(36))
    request_hash: Mapped[str] = mapped_column(String(64))
    answer: Mapped[dict[str, Any]]  # {"status": 200, "body": the JSON answered}
    created_at: Mapped[datetime]


# Tables kept in modules of their own join the same metadata (alembic compares all of it).
from engine.store import models_dossiers as _dossier_tables  # noqa: E402,F401
from engine.store import (  # noqa: E402,F401
    models_incidents,
    models_migrations,
    models_stats,
    models_versions,
    models_webhooks,
)
