"""The declarative base of every table and the column types the store adds: instants kept as
UTC on every backend, and lists of strings kept for PostgreSQL's GIN indexes (text[])."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import JSON, DateTime, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator, TypeEngine


def max_length(column: Any) -> int:
    """How many characters a String column keeps (PostgreSQL refuses longer values)."""
    length = getattr(column.type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{column} has no length")
    return length


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC instants on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        # SQLite keeps no offset: store every instant as UTC so it reads back the same.
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None


class IndexedTextArray(TypeDecorator[list[str]]):
    """A list of strings kept where a GIN index can answer for it: a `text[]` on PostgreSQL;
    on SQLite nothing is kept (always NULL), and the query reads what the list is made from.
    A dossier's name's word prefixes (engine.search.word_prefixes; SQLite scans
    `search_name`) and the units that have held one of its tasks (SQLite reads the tasks)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        impl: TypeEngine[Any] = postgresql.ARRAY(Text) if dialect.name == "postgresql" \
            else Text()
        return cast(TypeEngine[Any], dialect.type_descriptor(impl))

    def process_bind_param(self, value: list[str] | None, dialect: Any) -> list[str] | None:
        return value if dialect.name == "postgresql" else None


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime}
