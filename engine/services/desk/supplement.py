"""The applicant's supplement (Decree 61/2018, art. 17–18): while the process waits for it (a
message catch event or receive task named `supplement`, usually marked `pausesClock`, after
an officer asked for it with the shared form `supplement-request.json`), the portal that
started the dossier or the receiving unit's desk delivers it; the process moves on and the
statutory clock resumes."""
from __future__ import annotations

from typing import Any

from engine.access import Action, Caller
from engine.access.policy import at_the_desk
from engine.errors import MotcuaError
from engine.runtime import Instance
from engine.services.context import Context
from engine.services.flow.dossiers import deliver_message
from engine.services.flow.messages import Buffered
from engine.services.views import DossierView
from engine.store.models import Dossier

MESSAGE = "supplement"
CHANNELS = ("online", "desk", "post")


class NoSupplementRequested(MotcuaError):
    """The dossier is not waiting for a supplement."""

    code = "no-supplement-requested"


def deliver_supplement(ctx: Context, caller: Caller, code: str, *,
                       documents: list[dict[str, Any]], note: str | None, channel: str,
                       message_id: str | None) -> tuple[DossierView | Dossier, bool]:
    """Deliver it. Returns as `deliver_message` does: (dossier, False) for a repeat of the
    same `message_id`."""
    received = {"documents": documents, "channel": channel, "by": caller.name,
                "received_at": ctx.clock.now().isoformat()}
    if note:
        received["note"] = note

    def check(dossier: Dossier, instance: Instance) -> None:
        at_the_desk(caller, dossier, "a supplement is brought")
        if MESSAGE not in instance.waiting_messages():
            raise NoSupplementRequested(
                f"dossier {dossier.code} is not waiting for a supplement"
                + (" (its clock is not paused)" if dossier.paused_since is None else ""))

    # Never kept for later: a supplement comes only when one was asked for (check).
    result, delivered = deliver_message(
        ctx, caller, code, MESSAGE, {"supplement": received}, message_id,
        action=Action.DOSSIER_SUPPLEMENT, event="dossier.supplemented", check=check)
    assert not isinstance(result, Buffered)
    return result, delivered
