"""Use cases of the organisation: the unit registry and the administration of principals."""
