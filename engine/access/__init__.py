"""Who may do what: the caller and the one access policy (see README.md)."""
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

__all__ = ["ROLES", "SUPERVISING_POSITIONS", "Action", "Caller", "DossierScope",
           "acting_position", "allow", "dossier_scope", "manage_grants", "may_see_dossier",
           "may_work_task", "needs_grant_lookup", "position_for", "require", "see_dossier", "supervises", "task_refusal", "task_scope",
           "work_task"]
