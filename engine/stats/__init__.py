"""Pure: the published figures and the Decision 766 indicators, computed from counters
(no Flask, no SQLAlchemy). `counters` says what each change of a dossier adds; `figures`
turns summed counters and the open dossiers into the published figures; `indicators`
scores them."""
