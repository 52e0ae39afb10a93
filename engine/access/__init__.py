"""Who may do what: the caller and the one access policy (see README.md)."""
from engine.access.actor import SYSTEM, Actor, actor_at, actor_in, actor_of
from engine.access.caller import ROLES, Caller
from engine.access.policy import (
           SUPERVISING_POSITIONS,
           Action,
           DossierScope,
           acting_position,
           allow,
           dossier_scope,
           manage_grants,
           may_see_dossier,
           may_work_task,
           needs_grant_lookup,
           position_for,
           require,
           see_dossier,
           supervises,
           task_refusal,
           task_scope,
           work_task,
)

__all__ = ["ROLES", "SYSTEM", "SUPERVISING_POSITIONS", "Action", "Actor", "Caller",
           "DossierScope", "acting_position", "actor_at", "actor_in", "actor_of", "allow",
           "dossier_scope", "manage_grants", "may_see_dossier", "may_work_task",
           "needs_grant_lookup", "position_for", "require", "see_dossier", "supervises",
           "task_refusal", "task_scope",
           "work_task"]
