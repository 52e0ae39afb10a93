"""Use cases: each runs in one unit of work, calling the pure core and the repository.

They never import Flask or dramatiq, and never touch SQLAlchemy directly: the store's
repository and unit of work are their only way to the database.
"""
