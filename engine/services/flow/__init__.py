"""Dossiers through their process: intake, stepping and saving an instance, the statutory
clock, routing to units, the documents the reception acts issue, and reading dossiers."""
