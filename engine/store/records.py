"""Rows the hot path reads straight from the driver, and writes back with one UPDATE.

The ORM costs about a millisecond per statement here (identity map, change tracking,
flush ordering); completing a task runs a handful of statements, so that one command
works on plain records instead. A record exposes its columns as attributes and remembers
which ones were assigned.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Record:
    # Columns live in the instance dict, so reading one is a plain attribute lookup (the
    # hot path reads dozens per command); only assignments go through __setattr__.
    __slots__ = ("_changed", "_was", "__dict__")

    def __init__(self, values: Mapping[str, Any]) -> None:
        if _METHODS & values.keys():
            raise ValueError(f"column names clash with Record: {_METHODS & values.keys()}")
        self.__dict__.update(values)
        object.__setattr__(self, "_changed", set())
        object.__setattr__(self, "_was", {})

    def __getattr__(self, name: str) -> Any:  # only reached for a name that is no column
        raise AttributeError(f"no column {name}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self.__dict__:
            raise AttributeError(f"no column {name}")
        if name not in self._was:
            self._was[name] = self.__dict__[name]
        self.__dict__[name] = value
        self._changed.add(name)

    def changes(self) -> dict[str, Any]:
        """Assigned columns and their values, since the record was read or saved."""
        return {name: self.__dict__[name] for name in self._changed}

    def values(self) -> dict[str, Any]:
        """Every column and its value."""
        return dict(self.__dict__)

    def before(self) -> dict[str, Any]:
        """Every column as it was read or last saved."""
        return {**self.__dict__, **self._was}

    def saved(self, row_version: int) -> None:
        """The changes are stored, under this row version."""
        self.__dict__["row_version"] = row_version
        self._changed.clear()
        self._was.clear()

    def __repr__(self) -> str:
        return f"Record(id={self.__dict__.get('id')!r})"


_METHODS = {"changes", "values", "saved", "before"}


# A dossier or task as the use cases handle it: an ORM object or a hot-path record.
DossierRow = Any
TaskRow = Any


_DEFAULTS: dict[str, dict[str, Any]] = {}


def _new(table: Any, values: dict[str, Any]) -> Record:
    """A record for a row not yet stored: every column of `table`, with its defaults."""
    defaults = _DEFAULTS.get(table.name)
    if defaults is None:
        defaults = _DEFAULTS[table.name] = {
            c.name: c.default.arg if c.default is not None and c.default.is_scalar else None
            for c in table.columns}
    row = dict(defaults)
    row.update(values)
    return Record(row)


def new_dossier(**values: Any) -> Record:
    """A dossier not yet stored (written by the repository's `insert_record`)."""
    from engine.store.models import Dossier

    return _new(Dossier.__table__, values)


def new_task(**values: Any) -> Record:
    """An inbox row not yet stored (written by the repository's `insert_tasks`)."""
    from engine.store.models import Task

    return _new(Task.__table__, values)
