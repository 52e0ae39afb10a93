"""The published figures (DOMAIN.md §7) from summed counters and the open dossiers.

`period` are the counters summed over the period's days, `before` over every day before
it: the dossiers received before the period and not ended before it are carried over into
it. What is pending at the period's end follows (carried + new − ended); how the dossiers
open now stand against their clocks (`open_now`) is a point-in-time figure, the same
whatever the period.
"""
from __future__ import annotations

from typing import Any

from engine.stats.counters import COUNTERS, ENDED, FINISHED, RATED

HOURS_PER_WORKING_DAY = 8
OPEN_CLASSES = ("within_time", "approaching", "overdue", "paused", "untimed")


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def carried_over(before: dict[str, float]) -> int:
    return int(before.get("received", 0) - sum(before.get(n, 0) for n in ENDED))


def figures(period: dict[str, float], carried: int,
            open_now: dict[str, int] | None) -> dict[str, Any]:
    """Every published figure of one group (or of the whole scope)."""
    p = {k: int(v) if k != "processing_hours" else v for k, v in period.items()}
    p.update({k: 0 for k in COUNTERS if k not in p})
    finished = sum(p[n] for n in FINISHED)
    timed = finished - p["finished_untimed"]
    ended = finished + p["withdrawn"] + p["stopped"]
    rated = sum(p[n] for n in RATED)
    hours = (p["processing_hours"] / p["processing_count"]) if p["processing_count"] else None
    return {
        "received": {"total": carried + p["received"], "new": p["received"],
                     "carried_over": carried, "online": p["received_online"],
                     "online_share": _rate(p["received_online"], p["received"])},
        "finished": {"total": finished, "early": p["finished_early"],
                     "on_time": p["finished_on_time"], "late": p["finished_late"],
                     "no_time_limit": p["finished_untimed"],
                     "on_time_rate": _rate(p["finished_early"] + p["finished_on_time"], timed),
                     "late_rate": _rate(p["finished_late"], timed),
                     "more_than_one_supplement": p["multi_supplement"],
                     "refused": p["refused"]},
        "withdrawn": p["withdrawn"],
        "stopped": p["stopped"],
        "pending_at_end": carried + p["received"] - ended,
        "open_now": None if open_now is None else {c: open_now.get(c, 0) for c in OPEN_CLASSES},
        "average_processing": None if hours is None else {
            "working_hours": round(hours, 2),
            "working_days": round(hours / HOURS_PER_WORKING_DAY, 2),
            "dossiers": p["processing_count"]},
        "ratings": {"count": rated,
                    "levels": {str(level): p[f"rated_{level}"] for level in range(1, 6)},
                    "average": round(sum(level * p[f"rated_{level}"] for level in range(1, 6))
                                     / rated, 2) if rated else None,
                    "complaints": p["complaints"],
                    "dissatisfied_or_complaint": p["unhappy"]},
        "digitisation": {"received_digitised": p["digitised"],
                         "digitised_share": _rate(p["digitised"], p["received"]),
                         "results_electronic": p["results_electronic"],
                         "results_electronic_share": _rate(p["results_electronic"],
                                                           finished)},
        "payments": {"total": p["payments"], "online": p["payments_online"],
                     "online_share": _rate(p["payments_online"], p["payments"])},
        "portal": {"received_synced": p["portal_synced"],
                   "synced_share": _rate(p["portal_synced"], p["received"]),
                   "pushes": p["portal_pushes"], "pushes_in_time": p["portal_pushes_timely"],
                   "in_time_share": _rate(p["portal_pushes_timely"], p["portal_pushes"])},
    }


def by_month(rows: list[tuple[str, dict[str, float]]], carried: int
             ) -> list[tuple[str, dict[str, Any]]]:
    """Figures of consecutive months: each month carries over what the one before left."""
    out = []
    for month, sums in rows:
        out.append((month, figures(sums, carried, None)))
        carried = out[-1][1]["pending_at_end"]
    return out
