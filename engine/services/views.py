"""What a command or query hands back to its caller: the dossier as it now stands."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.store.records import DossierRow, TaskRow
from engine.store.uow import UnitOfWork


@dataclass(frozen=True)
class DossierView:
    dossier: DossierRow
    version: int
    open_tasks: list[TaskRow]
    data: dict[str, Any]
    # The messages the process waits for (only a query that loads the instance says).
    waiting: tuple[str, ...] = ()
    # The procedure's name in the province's catalogue (a query of one dossier says).
    procedure_name: str | None = None


def view_of(uow: UnitOfWork, dossier: DossierRow, version: int, data: dict[str, Any]
            ) -> DossierView:
    """A view for queries: the open tasks read in the query's transaction."""
    return DossierView(dossier, version, list(uow.repo.open_tasks_of(dossier.id)), data)
