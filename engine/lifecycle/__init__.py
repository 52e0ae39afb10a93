"""A process version's life before and beside its dossiers: its scenarios tried in memory
before it goes live, and what changed between two versions. Pure: no Flask, no SQL."""
