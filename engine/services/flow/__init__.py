"""Dossiers through their process: intake, stepping and saving an instance, the statutory
clock, routing to units, the documents the reception acts issue, reading dossiers, and the
incidents where a diagram failed at run time, with their repair."""
