"""Every metric the platform exports to Prometheus, and the hooks that count them.

Use cases and adapters call the functions below, never prometheus_client directly, so each
metric is defined once, here. Labels stay bounded: route templates (never raw paths), known
HTTP methods, error codes and channels of the code itself; no province data (the open
dossiers gauge of `engine.metrics.exposition`, read at scrape time, is the one exception:
it carries the province code).

Under `motcua serve --workers N` and `motcua worker`, prometheus_client's multiprocess mode
keeps each process's values in files that a scrape sums (`engine.metrics.files`); an
embedded process keeps them in memory.
"""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# No `_created` series beside each counter: the same exposition in both modes (the
# multiprocess mode has none), and half the series.
disable_created_metrics()  # type: ignore[no-untyped-call]

# From a quick read (5 ms) to the slowest command a caller should wait for (10 s).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Any other method token a client sends counts as "other": the label stays bounded.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"

HTTP_REQUESTS = Counter(
    "motcua_http_requests", "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "motcua_http_request_duration_seconds",
    "Time from the request's arrival in the app to its answer, by method and route template",
    ["method", "route"], buckets=LATENCY_BUCKETS)
DOSSIERS_RECEIVED = Counter(
    "motcua_dossiers_received", "Dossiers started (intakes; not idempotent retries), by channel",
    ["channel"])
TASKS_COMPLETED = Counter("motcua_tasks_completed", "User tasks completed")
MESSAGES_DELIVERED = Counter(
    "motcua_messages_delivered",
    "External events delivered to waiting dossiers (messages and supplements; not repeats)")
TIMERS_FIRED = Counter(
    "motcua_timers_fired",
    "Wake-ups that fired a dossier's due timers (several due at once count once)")
COMMANDS_REFUSED = Counter(
    "motcua_commands_refused", "Requests refused with a problem answer (4xx), by error code",
    ["code"])
WEBHOOK_DELIVERIES = Counter(
    "motcua_webhook_deliveries", "Webhook deliveries the subscriber acknowledged (2xx)")
WEBHOOK_FAILURES = Counter(
    "motcua_webhook_failures",
    "Webhook delivery attempts that failed (no answer, a timeout or a non-2xx status)")
# Set by whichever process last counted them; across processes the latest value wins.
INCIDENTS_OPEN = Gauge(
    "motcua_incidents_open", "Incidents open: dossiers a diagram stopped, awaiting repair",
    multiprocess_mode="mostrecent")


def request_served(method: str, route: str | None, status: int, seconds: float) -> None:
    """One HTTP answer. `route` is the matched rule's template (None: no route matched)."""
    method = method if method in METHODS else "other"
    route = route or UNMATCHED
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def dossier_received(channel: str) -> None:
    DOSSIERS_RECEIVED.labels(channel).inc()


def task_completed() -> None:
    TASKS_COMPLETED.inc()


def message_delivered() -> None:
    MESSAGES_DELIVERED.inc()


def timers_fired() -> None:
    TIMERS_FIRED.inc()


def command_refused(code: str) -> None:
    COMMANDS_REFUSED.labels(code).inc()


def webhook_delivered() -> None:
    """Hook for the webhook sender: a delivery the subscriber acknowledged."""
    WEBHOOK_DELIVERIES.inc()


def webhook_failed() -> None:
    """Hook for the webhook sender: one failed attempt (retried or given up)."""
    WEBHOOK_FAILURES.inc()


def incidents_open(count: int) -> None:
    """Hook for the incidents' use cases: how many are open now (set after each change)."""
    INCIDENTS_OPEN.set(count)
