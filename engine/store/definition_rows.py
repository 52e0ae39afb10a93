"""Process versions: found by number, content or state, their life-cycle state changed, the
record of those changes, and how many dossiers are still under way on each."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update

from engine.store.hot_path import HotPath
from engine.store.models import Dossier, ProcessDefinition
from engine.store.models_versions import DefinitionTransition


class DefinitionRows(HotPath):
    def definition(self, definition_id: int) -> ProcessDefinition | None:
        return self.session.get(ProcessDefinition, definition_id)

    def definition_by_hash(self, province: str, key: str, content_hash: str
                           ) -> ProcessDefinition | None:
        return self.session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.province == province, ProcessDefinition.key == key,
            ProcessDefinition.content_hash == content_hash))

    def latest_definition(self, province: str, key: str) -> ProcessDefinition | None:
        return self.session.scalar(
            select(ProcessDefinition)
            .where(ProcessDefinition.province == province, ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version.desc()).limit(1))

    def active_definition(self, province: str, key: str) -> ProcessDefinition | None:
        return self.session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.province == province, ProcessDefinition.key == key,
            ProcessDefinition.status == "active"))

    def definition_version(self, province: str, key: str, version: int
                           ) -> ProcessDefinition | None:
        return self.session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.province == province, ProcessDefinition.key == key,
            ProcessDefinition.version == version))

    def definitions(self, province: str, key: str | None = None) -> Sequence[ProcessDefinition]:
        q = select(ProcessDefinition).where(ProcessDefinition.province == province)
        if key is not None:
            q = q.where(ProcessDefinition.key == key)
        return self.session.scalars(
            q.order_by(ProcessDefinition.key, ProcessDefinition.version)).all()

    def lock_versions(self, province: str, key: str) -> Sequence[ProcessDefinition]:
        """Every version of the process, oldest first, read afresh and (PostgreSQL) locked
        to commit in that order: changes of one process's states take turns, and each sees
        the states the one before it left. SQLite's BEGIN IMMEDIATE already serialises
        writers."""
        q = (select(ProcessDefinition)
             .where(ProcessDefinition.province == province, ProcessDefinition.key == key)
             .order_by(ProcessDefinition.version)
             .execution_options(populate_existing=True))
        if self.postgresql:
            q = q.with_for_update()
        return self.session.scalars(q).all()

    def step_down_active(self, province: str, key: str, to_status: str) -> list[int]:
        """Move the process's active version (if any) to `to_status`; the ids moved. On
        PostgreSQL the row stays locked to commit, so two activations take turns."""
        moved = self.session.scalars(
            update(ProcessDefinition)
            .where(ProcessDefinition.province == province, ProcessDefinition.key == key,
                   ProcessDefinition.status == "active")
            .values(status=to_status).returning(ProcessDefinition.id)
            .execution_options(synchronize_session="fetch"))
        return list(moved)

    def transitions(self, definition_ids: Sequence[int]
                    ) -> dict[int, list[DefinitionTransition]]:
        """The changes of state of these versions, oldest first."""
        out: dict[int, list[DefinitionTransition]] = {i: [] for i in definition_ids}
        if not out:
            return out
        for t in self.session.scalars(select(DefinitionTransition).where(
                DefinitionTransition.definition_id.in_(list(out)))
                .order_by(DefinitionTransition.definition_id, DefinitionTransition.id)):
            out[t.definition_id].append(t)
        return out

    def running_counts(self, province: str, definition_ids: Sequence[int]) -> dict[int, int]:
        """How many dossiers of the province are still under way (in process, or stopped by
        an incident) on each of these versions: one read of its open dossiers, by the
        (province, status) index."""
        out = dict.fromkeys(definition_ids, 0)
        if not out:
            return out
        rows = self.session.execute(
            select(Dossier.definition_id, func.count())
            .where(Dossier.province == province, Dossier.status.in_(("in_process", "error")),
                   Dossier.definition_id.in_(list(out)))
            .group_by(Dossier.definition_id)).all()
        out.update({definition_id: count for definition_id, count in rows})
        return out
