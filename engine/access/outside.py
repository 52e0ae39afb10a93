"""The access policy for those outside the offices: the applicant without a token (the proof
of being a dossier's applicant), integrating systems following dossiers by webhooks, and
who submits a dossier's papers. Part of the one policy (engine/access/policy.py), whose
actions and rules it uses."""
from __future__ import annotations

import hmac
from collections.abc import Collection
from typing import Any, Protocol

from engine.access.caller import Caller
from engine.access.policy import (
    Action,
    DossierLike,
    TaskLike,
    may_work_task,
    require,
    task_refusal,
)
from engine.errors import Forbidden, NotFound


class ProvableDossier(Protocol):
    @property
    def applicant(self) -> Any: ...
    @property
    def lookup_secret(self) -> str | None: ...


def applicant_proves(dossier: ProvableDossier, *, id_number: str | None,
                     secret: str | None) -> bool:
    """Without a token, a caller is the dossier's applicant when, with its code, they give
    the applicant's identity number or the lookup secret printed on the receipt (form 01).
    Compared in constant time; a wrong pair and a missing dossier must look the same."""
    applicant = dossier.applicant if isinstance(dossier.applicant, dict) else {}
    known_id, known_secret = applicant.get("id_number"), dossier.lookup_secret or ""
    by_id = isinstance(known_id, str) and bool(known_id.strip()) and bool(id_number) and \
        hmac.compare_digest((id_number or "").strip().encode(), known_id.strip().encode())
    by_secret = bool(known_secret) and bool(secret) and hmac.compare_digest(
        (secret or "").strip().upper().encode(), known_secret.encode())
    return by_id or by_secret
# A client holding this position is a province-wide integrating system (the province's
# own portal, its statistics office): it may subscribe to every dossier of a procedure or
# process, not only those it started.
PROVINCE_WIDE_CLIENT = "integration"


def may_subscribe_to(caller: Caller, scope: str, *, pushed: bool = False) -> None:
    """Whose dossiers a subscription may follow: `own` (those the client started: clients
    only) or `procedure`/`process` (every dossier of one of the province's procedures or
    processes: admins, and clients holding the PROVINCE_WIDE_CLIENT position). The push of
    sync packets to the national portal (`pushed`; `province`: every dossier) is the
    province's: admins only."""
    require(caller, Action.SUBSCRIPTION_MANAGE)
    if (pushed or scope == "province") and caller.role != "admin":
        raise Forbidden("the push to the national portal is set up by an administrator")
    if scope == "own" and caller.role != "client":
        raise Forbidden("only a client has dossiers of its own to follow; subscribe to a "
                        "procedure or process instead")
    if scope != "own" and caller.role != "admin" and caller.position != PROVINCE_WIDE_CLIENT:
        raise Forbidden(f"following every dossier of a {scope} needs the role admin, or a "
                        f"client with the position {PROVINCE_WIDE_CLIENT}")


def see_subscription(caller: Caller, owner_id: int, province: str) -> None:
    """A subscription exists only for the principal that made it."""
    require(caller, Action.SUBSCRIPTION_MANAGE)
    if owner_id != caller.id or province != caller.province:
        raise NotFound("no such subscription")


def may_submit_document(caller: Caller, dossier: DossierLike, open_tasks: Collection[TaskLike],
                        *, result: bool) -> None:
    """A file for the dossier (the caller already passed `see_dossier` for DOSSIER_SUBMIT):
    the applicant's papers from the client that started it, or from an officer who holds
    it, i.e. may complete one of its open tasks (its holder, or an officer of the task's
    lane while nobody holds it); a result (`result`) only from such an officer. Raises
    Forbidden otherwise."""
    if caller.role == "client":
        if result:
            raise Forbidden("a result is uploaded by the officer holding the dossier")
        return
    if not any(may_work_task(caller, task, Action.TASK_COMPLETE)
               and task_refusal(caller, task, Action.TASK_COMPLETE) is None
               for task in open_tasks):
        raise Forbidden(f"documents of dossier {dossier.code} are submitted by the officer "
                        "who holds one of its open tasks")
