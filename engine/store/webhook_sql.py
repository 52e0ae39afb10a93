"""The one statement that turns a command's webhook events into deliveries: each event
joined with the province's subscriptions that want it (their event bit, their scope: the
client that started the dossier, its procedure or its process, or the whole
province), inserted in event order,
ids returned. It runs in the command's own transaction, with its other writes (`pg_hot`,
`sqlite_hot`), so a delivery exists exactly when the change that caused it does.
"""
from __future__ import annotations

# An event as the hot path buffers it (engine.services.flow.events builds them).
EVENT_COLUMNS = ["ord", "province", "dossier_id", "client_id", "process_key",
                 "procedure_code", "bit", "event_type", "payload", "at"]
# PostgreSQL types the values of a VALUES list by their casts (parameters come as text).
PG_TYPES = {"ord": "int", "dossier_id": "int", "client_id": "int", "bit": "int",
            "payload": "json", "at": "timestamptz"}


def events(rows: int, placeholder: str, pg: bool) -> str:
    """The CTE `webhook_events` of `rows` events, with `placeholder` (`%s` or `?`)."""
    one = "(" + ", ".join(
        f"CAST({placeholder} AS {PG_TYPES[c]})" if pg and c in PG_TYPES
        else f"CAST({placeholder} AS text)" if pg else placeholder
        for c in EVENT_COLUMNS) + ")"
    return f"webhook_events ({', '.join(EVENT_COLUMNS)}) AS (VALUES {', '.join([one] * rows)})"


# One delivery per event and subscription that wants it, in event order.
INSERT_DELIVERIES = (
    "INSERT INTO webhook_deliveries (subscription_id, dossier_id, event_type, payload, "
    "status, attempt_count, created_at, retries_since, next_attempt_at) "
    "SELECT s.id, e.dossier_id, e.event_type, e.payload, 'pending', 0, e.at, e.at, e.at "
    "FROM webhook_events e JOIN webhook_subscriptions s ON s.province = e.province "
    "AND s.deleted_at IS NULL AND s.disabled_at IS NULL "
    "AND (s.event_mask & e.bit) <> 0 "
    "AND (s.client_id = e.client_id OR s.procedure_code = e.procedure_code "
    "OR s.process_key = e.process_key "
    "OR (s.client_id IS NULL AND s.procedure_code IS NULL AND s.process_key IS NULL)) "
    "ORDER BY e.ord, s.id RETURNING id")


def insert_deliveries(rows: int, placeholder: str) -> str:
    """The statement on its own (SQLite; PostgreSQL makes it a CTE of the writes)."""
    return f"WITH {events(rows, placeholder, False)} {INSERT_DELIVERIES}"
