"""The organisation's tables: units (with their province, kind and parent), the kinds of
unit and the positions officers hold. Re-exported by engine.store.models."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base


class Unit(Base):
    """A receiving unit and the one province it belongs to. Until units are registered by
    administrators, a unit belongs to the province of the first principal or dossier that
    named it."""

    __tablename__ = "units"
    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    province: Mapped[str] = mapped_column(String(50), index=True)
    created_at: Mapped[datetime]
    # Set when an administrator registers the unit (official code, name, kind, parent).
    name: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(50))
    parent: Mapped[str | None] = mapped_column(String(100))
    registered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))


class UnitKind(Base):
    """A kind of unit (provincial centre, department, commune People's Committee...) and the
    level of government it sits at. Province `""` holds the platform's kinds, which every
    province sees; a province may add its own."""

    __tablename__ = "unit_kinds"
    province: Mapped[str] = mapped_column(String(50), primary_key=True)
    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(50))


class Position(Base):
    """A position officers hold in a unit (reception, specialist, head_of_department...).
    Province `""` holds the platform's, which every province sees; a province may add its
    own (a lane of its diagrams names one)."""

    __tablename__ = "positions"
    province: Mapped[str] = mapped_column(String(50), primary_key=True)
    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
