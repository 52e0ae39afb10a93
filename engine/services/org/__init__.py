"""Use cases of the organisation: the unit registry, positions, the administration of
principals, and who a request comes from (tokens, OpenID Connect)."""
