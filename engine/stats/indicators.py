"""Decision 766/QĐ-TTg's indicator groups (100 points) as the platform computes them from
its figures; docs/indicators.md gives every formula, its points, and what part of each
group the platform's data cannot show (`limits`).
"""
from __future__ import annotations

from typing import Any

# (group, points)
GROUPS = (
    ("transparency", 18),
    ("progress", 20),
    ("online_service", 12),
    ("online_payment", 10),
    ("digitisation", 22),
    ("satisfaction", 18),
)
# What each group's rate leaves out because the platform does not hold it.
LIMITS = {
    "transparency": "whether the procedures and their fees are published on the national and "
                    "provincial portals is known to those portals: only the dossiers' "
                    "publication (the push to the national portal) is scored",
    "online_service": "which procedures are offered online is not recorded: every dossier "
                      "received is in the denominator (stricter than the rule's)",
    "online_payment": "payments are those delivered to a process as messages naming an "
                      "amount; fees collected at the desk and recorded only in a form's "
                      "data are not seen",
    "digitisation": "the reuse of digitised data (papers not asked for again) is not "
                    "recorded; a paper counts as digitised when kept as a file",
}


def _points(points: int, rate: float | None) -> float | None:
    return None if rate is None else round(points * min(1.0, max(0.0, rate)), 2)


def _mean(*rates: float | None) -> float | None:
    known = [r for r in rates if r is not None]
    return round(sum(known) / len(known), 4) if known else None


def indicators(f: dict[str, Any]) -> dict[str, Any]:
    """The groups' rates and points from one scope's figures (engine.stats.figures)."""
    finished = f["finished"]
    timed = finished["total"] - finished["no_time_limit"]
    ratings = f["ratings"]
    unhappy = None
    if ratings["count"]:
        unhappy = ratings["dissatisfied_or_complaint"] / ratings["count"]
    satisfaction = None
    if timed or ratings["count"]:
        late = finished["late_rate"] or 0.0
        satisfaction = round(max(0.0, 1.0 - late - (unhappy or 0.0)), 4)
    portal, digit, pay = f["portal"], f["digitisation"], f["payments"]
    transparency = None
    if f["received"]["new"]:  # from the counts, not the rounded shares
        in_time = portal["pushes_in_time"] / portal["pushes"] if portal["pushes"] else 0.0
        transparency = round(portal["received_synced"] / f["received"]["new"] * in_time, 4)
    rates = {"transparency": transparency, "progress": finished["on_time_rate"],
             "online_service": f["received"]["online_share"],
             "online_payment": pay["online_share"],
             "digitisation": _mean(digit["digitised_share"], digit["results_electronic_share"]),
             "satisfaction": satisfaction}
    details = {
        "transparency": {"received": f["received"]["new"],
                         "received_synced": portal["received_synced"],
                         "synced_share": portal["synced_share"], "pushes": portal["pushes"],
                         "pushes_in_time": portal["pushes_in_time"],
                         "in_time_share": portal["in_time_share"]},
        "progress": {"finished_with_time_limit": timed,
                     "early_or_on_time": finished["early"] + finished["on_time"],
                     "late_including_more_than_one_supplement": finished["late"]},
        "online_service": {"received": f["received"]["new"],
                           "received_online": f["received"]["online"]},
        "online_payment": {"payments": pay["total"], "online": pay["online"]},
        "digitisation": {"received": f["received"]["new"], **digit,
                         "finished": finished["total"]},
        "satisfaction": {"late_rate": finished["late_rate"], "ratings": ratings["count"],
                         "dissatisfied_or_complaint_rate": None if unhappy is None
                         else round(unhappy, 4)},
    }
    groups = []
    for name, points in GROUPS:
        group = {"group": name, "max_points": points, "computed": True, "rate": rates[name],
                 "points": _points(points, rates[name]), "details": details[name]}
        if name in LIMITS:
            group["limits"] = LIMITS[name]
        groups.append(group)
    got = [g["points"] for g in groups if g["points"] is not None]
    return {"groups": groups,
            "computed_points": round(sum(got), 2) if got else None,
            "points_of": sum(p for (name, p) in GROUPS if rates[name] is not None),
            "computable_max_points": sum(p for _, p in GROUPS)}
