"""Who may do what: the caller and the one access policy (see README.md)."""
from engine.access.caller import ROLES, Caller
from engine.access.policy import (
           Action,
           DossierScope,
           allow,
           dossier_scope,
           may_see_dossier,
           may_work_task,
           position_for,
           require,
           see_dossier,
           work_task,
)

__all__ = ["ROLES", "Action", "Caller", "DossierScope", "allow", "dossier_scope",
           "may_see_dossier", "may_work_task", "position_for", "require", "see_dossier",
           "work_task"]
