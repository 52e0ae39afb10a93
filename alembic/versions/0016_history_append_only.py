"""history events are append-only in the database itself: UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE) of history_events are refused by triggers, whoever connects. A whole
dossier cannot be deleted either: its history rows hold it by their foreign key.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

MESSAGE = "history events are append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION history_events_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP
                    USING ERRCODE = 'integrity_constraint_violation';
            END $$""")
        op.execute("""
            CREATE TRIGGER history_events_no_change BEFORE UPDATE OR DELETE ON history_events
            FOR EACH ROW EXECUTE FUNCTION history_events_append_only()""")
        op.execute("""
            CREATE TRIGGER history_events_no_truncate BEFORE TRUNCATE ON history_events
            FOR EACH STATEMENT EXECUTE FUNCTION history_events_append_only()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER history_events_no_{verb.lower()} BEFORE {verb} ON history_events
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {verb} refused'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER history_events_no_truncate ON history_events")
        op.execute("DROP TRIGGER history_events_no_change ON history_events")
        op.execute("DROP FUNCTION history_events_append_only()")
    else:
        op.execute("DROP TRIGGER history_events_no_update")
        op.execute("DROP TRIGGER history_events_no_delete")
