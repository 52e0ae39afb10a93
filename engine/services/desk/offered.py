"""The desk's acts on a dossier that the caller may perform on it as it stands: what the
dossier page offers. Each is asked of the same policy and rules its command asks; the
command still decides when it is sent (the dossier may have moved meanwhile).

- `supplement`: the process waits for the applicant's supplement, brought through the
  client that started the dossier or at the receiving unit's desk;
- `withdraw`: at the applicant's request (form 05), through the same;
- `stop`: processing stopped by an officer of a unit handling it (form 05);
- `apology`: an officer of the receiving unit, in a position the procedure names, apologises
  and gives a new appointment (form 04) while the rules allow one more.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

from engine.access import Action, Caller
from engine.access.policy import allow, at_the_desk, may_end_dossier
from engine.errors import Forbidden
from engine.services.context import Context
from engine.services.desk.apology import apologies_allowed
from engine.services.desk.supplement import MESSAGE
from engine.services.views import DossierView
from engine.store.records import DossierRow

ACTS = ("supplement", "withdraw", "stop", "apology")
ENDABLE = ("in_process", "error")  # the states withdrawal.end_dossier ends


def offered_acts(ctx: Context, caller: Caller, view: DossierView) -> list[str]:
    """The acts of ACTS the caller may perform on the dossier of `view` (a view that loaded
    its instance: `waiting` says what the process waits for), in that order."""
    dossier = view.dossier
    found = []
    if (dossier.status == "in_process" and MESSAGE in view.waiting
            and allow(caller, Action.DOSSIER_SUPPLEMENT)
            and _passes(partial(at_the_desk, caller, dossier, "a supplement is brought"))):
        found.append("supplement")
    if dossier.status in ENDABLE and allow(caller, Action.DOSSIER_END):
        found += [act for act, kind in (("withdraw", "withdrawn"), ("stop", "stopped"))
                  if _passes(partial(may_end_dossier, caller, dossier, kind))]
    if _may_apologise(ctx, caller, dossier):
        found.append("apology")
    return found


def _may_apologise(ctx: Context, caller: Caller, dossier: DossierRow) -> bool:
    if (dossier.status != "in_process" or dossier.due_at is None
            or not allow(caller, Action.DOSSIER_APOLOGY) or dossier.unit not in caller.units):
        return False
    with ctx.uow(readonly=True) as uow:
        try:
            allowed = apologies_allowed(uow.repo, caller, dossier)
        except Forbidden:
            return False
    return (dossier.apology_count or 0) < allowed


def _passes(check: Callable[[], None]) -> bool:
    try:
        check()
    except Forbidden:
        return False
    return True
