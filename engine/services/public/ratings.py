"""The applicant's rating of the service, once per dossier after its result: one of five
levels, the sheet of nine criteria and, if they wish, a complaint linked to the dossier.

Given by the applicant with the proof of the public lookup, by the portal that started the
dossier on the applicant's behalf, or at the receiving unit's desk (its tablet). Recorded in
the dossier's history too.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from engine.access import Action, Caller, actor_at, require
from engine.access.policy import at_the_desk, see_dossier
from engine.errors import InvalidInput, MotcuaError, NotFound
from engine.services.context import Context
from engine.services.flow import progress, tallies
from engine.services.public.lookup import proven_dossier
from engine.store.models import Dossier, Rating
from engine.store.uow import UnitOfWork

LEVELS = {1: "Rất không hài lòng", 2: "Không hài lòng", 3: "Bình thường", 4: "Hài lòng",
          5: "Rất hài lòng"}
# The nine criteria of the evaluation of each dossier's handling, as the platform reads
# Circular 01/2018/TT-VPCP art. 31 (not confirmed against the 2025 text); each scored
# 0 (not met), 1 (met) or 2 (good).
CRITERIA = {
    "c1": "Tổng thời gian giải quyết so với thời gian quy định",
    "c2": "Thời gian thực hiện tại từng cơ quan, đơn vị tham gia giải quyết",
    "c3": "Số lần phải liên hệ với nơi tiếp nhận để hoàn thiện hồ sơ",
    "c4": "Số cơ quan, đơn vị, tổ chức phải liên hệ để hoàn thiện hồ sơ",
    "c5": "Tiếp nhận hồ sơ, trả kết quả trực tuyến hoặc qua bưu chính",
    "c6": "Chi phí phải trả ngoài phí, lệ phí theo quy định",
    "c7": "Tinh thần, thái độ của công chức khi hướng dẫn, tiếp nhận hồ sơ",
    "c8": "Kết quả giải quyết đúng quy định",
    "c9": "Tiếp nhận, xử lý phản ánh, kiến nghị",
}
MAX_COMPLAINT = 4000
# The applicant, rating with the proof of the public lookup (no principal).
APPLICANT = {"id": None, "name": None, "role": "applicant", "unit": None, "position": None}


class AlreadyRated(MotcuaError):
    code = "already-rated"


class NotRatableYet(MotcuaError):
    """Only a dossier whose result was given (processing finished) is rated."""

    code = "not-ratable-yet"


def rate(ctx: Context, code: str, body: dict[str, Any], *, caller: Caller | None,
         id_number: str | None = None, secret: str | None = None) -> Rating:
    level, criteria, complaint = _checked(body)
    now = ctx.clock.now()
    try:
        with ctx.uow() as uow:
            if caller is None:
                dossier = proven_dossier(uow, code, id_number=id_number, secret=secret,
                                         lock=True)
                channel = "applicant"
            else:
                dossier = _on_behalf(uow, caller, code)
                channel = "portal" if caller.role == "client" else "desk"
            if dossier.status != "finished":
                raise NotRatableYet(f"dossier {code} is {dossier.status}: it is rated once its "
                                    "result is given")
            if uow.repo.rating_of(dossier.id) is not None:
                raise AlreadyRated(f"dossier {code} was already rated")
            rating = Rating(dossier_id=dossier.id, province=dossier.province, level=level,
                            criteria=criteria, complaint=complaint, channel=channel,
                            rated_by=caller.id if caller else None, rated_at=now)
            uow.repo.add(rating)
            tallies.rated(uow, dossier, level, complaint is not None, now)
            progress.record(uow, dossier, "dossier.rated", at=now,
                            actor_id=caller.id if caller else None,
                            actor=actor_at(caller, [dossier.unit]) if caller else APPLICANT,
                            payload={"level": level, "criteria": criteria,
                                     "complaint": complaint, "channel": channel})
            uow.commit()
            return rating
    except IntegrityError:  # another rating of the same dossier committed first
        raise AlreadyRated(f"dossier {code} was already rated") from None


def _on_behalf(uow: UnitOfWork, caller: Caller, code: str) -> Dossier:
    require(caller, Action.DOSSIER_RATE)
    dossier = uow.repo.dossier(caller.province, code, lock=True)
    if dossier is None:
        raise NotFound(f"no dossier {code}")
    see_dossier(caller, dossier, set(), Action.DOSSIER_RATE)
    at_the_desk(caller, dossier, "an applicant rates the service")
    return dossier


def _checked(body: dict[str, Any]) -> tuple[int, dict[str, int], str | None]:
    problems = []
    level = body.get("level")
    if not isinstance(level, int) or isinstance(level, bool) or level not in LEVELS:
        problems.append({"field": "level", "message": "1 (very dissatisfied) to 5 (very "
                                                      "satisfied)"})
    criteria = body.get("criteria") or {}
    if not isinstance(criteria, dict):
        problems.append({"field": "criteria", "message": "an object of c1..c9 -> 0, 1 or 2"})
        criteria = {}
    for key, value in criteria.items():
        if key not in CRITERIA:
            problems.append({"field": f"criteria.{key}", "message": "not a criterion: c1..c9"})
        elif not isinstance(value, int) or isinstance(value, bool) or value not in (0, 1, 2):
            problems.append({"field": f"criteria.{key}", "message": "0, 1 or 2"})
    complaint = body.get("complaint")
    if complaint is not None and (not isinstance(complaint, str)
                                  or len(complaint) > MAX_COMPLAINT):
        problems.append({"field": "complaint",
                         "message": f"text of at most {MAX_COMPLAINT} characters"})
    if problems:
        raise InvalidInput("the rating is not valid", errors=problems)
    text = complaint.strip() if isinstance(complaint, str) and complaint.strip() else None
    return int(level), dict(criteria), text  # type: ignore[arg-type]
