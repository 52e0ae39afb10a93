"""Queries of the organisation registry: units, kinds of unit, principals (admin views)."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from engine.search import fold
from engine.store.models import Membership, Position, Principal, Unit, UnitKind

PLATFORM = ""  # the province of the platform's own rows


def kinds(session: Session, province: str) -> Sequence[UnitKind]:
    """The platform's kinds and the province's own (a province's row wins over the
    platform's of the same code)."""
    rows = session.scalars(select(UnitKind).where(UnitKind.province.in_((PLATFORM, province)))
                           .order_by(UnitKind.code, UnitKind.province.desc())).all()
    chosen: dict[str, UnitKind] = {}
    for row in rows:
        chosen.setdefault(row.code, row)
    return list(chosen.values())


def kind(session: Session, province: str, code: str) -> UnitKind | None:
    return session.get(UnitKind, (province, code))


def positions(session: Session, province: str) -> Sequence[Position]:
    """The platform's positions and the province's own (its row wins over the platform's)."""
    rows = session.scalars(select(Position).where(Position.province.in_((PLATFORM, province)))
                           .order_by(Position.code, Position.province.desc())).all()
    chosen: dict[str, Position] = {}
    for row in rows:
        chosen.setdefault(row.code, row)
    return list(chosen.values())


def position(session: Session, province: str, code: str) -> Position | None:
    return session.get(Position, (province, code))


def unknown_positions(session: Session, province: str, codes: Sequence[str]) -> set[str]:
    """Those of `codes` that are neither the platform's positions nor the province's."""
    wanted = set(codes)
    if not wanted:
        return set()
    known = set(session.scalars(select(Position.code).where(
        Position.province.in_((PLATFORM, province)), Position.code.in_(wanted))))
    return wanted - known


def provinces(session: Session) -> Sequence[str]:
    """The provinces that have registered units (those that receive dossiers)."""
    return session.scalars(select(Unit.province).where(Unit.registered_at.is_not(None))
                           .distinct().order_by(Unit.province)).all()


def unit(session: Session, code: str, *, lock: bool = False) -> Unit | None:
    query = select(Unit).where(Unit.code == code)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def units(session: Session, province: str, *, kind: str | None = None,
          parent: str | None = None, registered: bool | None = None, q: str | None = None,
          limit: int,
          offset: int) -> tuple[int, Sequence[Unit]]:
    query = select(Unit).where(Unit.province == province)
    if kind is not None:
        query = query.where(Unit.kind == kind)
    if parent is not None:
        query = query.where(Unit.parent == parent)
    if registered is not None:
        query = query.where(Unit.registered_at.is_not(None) if registered
                            else Unit.registered_at.is_(None))
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Unit.code).like(pattern),
                                func.lower(Unit.name).like(pattern)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Unit.code).limit(limit).offset(offset)).all()
    return total, rows


def principal(session: Session, province: str, principal_id: int, *,
              lock: bool = False) -> Principal | None:
    query = select(Principal).where(Principal.id == principal_id,
                                    Principal.province == province)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def memberships(session: Session, principal_id: int) -> list[tuple[str, str]]:
    """The further (unit, position) pairs a principal holds."""
    return [(m.unit, m.position) for m in session.scalars(
        select(Membership).where(Membership.principal_id == principal_id)
        .order_by(Membership.unit, Membership.position))]


def set_memberships(session: Session, principal_id: int,
                    pairs: list[tuple[str, str]]) -> None:
    session.execute(delete(Membership).where(Membership.principal_id == principal_id))
    for unit, position in dict.fromkeys(pairs):
        session.add(Membership(principal_id=principal_id, unit=unit, position=position))
    session.flush()


def principals(session: Session, province: str, *, role: str | None = None,
               unit: str | None = None, disabled: bool | None = None, q: str | None = None,
               limit: int,
               offset: int) -> tuple[int, Sequence[Principal]]:
    query = select(Principal).where(Principal.province == province)
    if role is not None:
        query = query.where(Principal.role == role)
    if unit is not None:
        query = query.where(Principal.unit == unit)
    if disabled is not None:
        query = query.where(Principal.disabled_at.is_not(None) if disabled
                            else Principal.disabled_at.is_(None))
    if q:
        # Names are matched folded (case and diacritics: `tiep nhan` finds `Cán bộ tiếp
        # nhận`), which SQL's lower() does not do; a province's principals are few enough
        # to fold their names here.
        wanted = fold(q)
        ids = [i for i, name in session.execute(
            query.with_only_columns(Principal.id, Principal.name).order_by(Principal.id))
            if wanted in fold(name)]
        page = ids[offset:offset + limit]
        rows = session.scalars(select(Principal).where(Principal.id.in_(page))
                               .order_by(Principal.id)).all() if page else []
        return len(ids), rows
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Principal.id).limit(limit).offset(offset)).all()
    return total, rows
