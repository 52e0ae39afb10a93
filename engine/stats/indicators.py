"""Decision 766/QĐ-TTg's indicator groups (100 points) as the platform computes them from
its figures; docs/indicators.md gives every formula and why the others are not computed.
"""
from __future__ import annotations

from typing import Any

# (group, points, computed by the platform)
GROUPS = (
    ("transparency", 18, False),
    ("progress", 20, True),
    ("online_service", 12, True),
    ("online_payment", 10, False),
    ("digitisation", 22, False),
    ("satisfaction", 18, True),
)
NOT_COMPUTED = {
    "transparency": "whether procedures, their fees and the dossiers' progress are "
                    "published on the national and provincial portals is known to those "
                    "portals, not to the platform",
    "online_payment": "the platform records no fees and no payments (the waiting for a "
                      "financial obligation is a step of the process, not a payment)",
    "digitisation": "the platform does not record which submitted papers were digitised or "
                    "which results were issued as electronic documents with legal value",
}


def _points(points: int, rate: float | None) -> float | None:
    return None if rate is None else round(points * min(1.0, max(0.0, rate)), 2)


def indicators(f: dict[str, Any]) -> dict[str, Any]:
    """The groups' rates and points from one scope's figures (engine.stats.figures)."""
    finished = f["finished"]
    timed = finished["total"] - finished["no_time_limit"]
    on_time = finished["on_time_rate"]
    online = f["received"]["online_share"]
    ratings = f["ratings"]
    unhappy = None
    if ratings["count"]:
        unhappy = ratings["dissatisfied_or_complaint"] / ratings["count"]
    satisfaction = None
    if timed or ratings["count"]:
        late = finished["late_rate"] or 0.0
        satisfaction = round(max(0.0, 1.0 - late - (unhappy or 0.0)), 4)
    rates = {"progress": on_time, "online_service": online, "satisfaction": satisfaction}
    details = {
        "progress": {"finished_with_time_limit": timed,
                     "early_or_on_time": finished["early"] + finished["on_time"],
                     "late_including_more_than_one_supplement": finished["late"]},
        "online_service": {"received": f["received"]["new"],
                           "received_online": f["received"]["online"]},
        "satisfaction": {"late_rate": finished["late_rate"], "ratings": ratings["count"],
                         "dissatisfied_or_complaint_rate": None if unhappy is None
                         else round(unhappy, 4)},
    }
    groups = []
    for name, points, computed in GROUPS:
        if computed:
            groups.append({"group": name, "max_points": points, "computed": True,
                           "rate": rates[name], "points": _points(points, rates[name]),
                           "details": details[name]})
        else:
            groups.append({"group": name, "max_points": points, "computed": False,
                           "rate": None, "points": None, "why_not": NOT_COMPUTED[name]})
    got = [g["points"] for g in groups if g["computed"]]
    return {"groups": groups,
            "computed_points": round(sum(p for p in got if p is not None), 2)
            if any(p is not None for p in got) else None,
            "computable_max_points": sum(p for _, p, c in GROUPS if c)}
