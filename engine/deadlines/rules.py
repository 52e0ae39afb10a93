"""A procedure's metadata and its statutory rule sets, each in force from a date."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine.deadlines.limits import Limit
from engine.deadlines.papers import OTHER, RequiredDocument, parse_papers
from engine.errors import InvalidInput

CHANNELS = ("desk", "online", "post")
LEVELS = ("province", "district", "commune", "ministry")
# As long as the store keeps them (procedures.code, procedures.process_key).
MAX_CODE = 100
MAX_KEY = 200
MAX_POSITION = 100  # as long as the store keeps a principal's or task's position


@dataclass(frozen=True)
class RuleSet:
    """Rules for dossiers received on or after `effective_from`."""

    effective_from: date
    limits: dict[str, Limit]  # channel (or "default") -> limit
    warning: Limit | None = None  # the band before the due instant called "approaching"
    apologies_allowed: int = 1
    calendar: str = "vn"

    def limit_for(self, channel: str) -> Limit | None:
        return self.limits.get(channel) or self.limits.get("default")

    def to_dict(self) -> dict[str, Any]:
        return {"effective_from": self.effective_from.isoformat(),
                "limits": {k: v.to_dict() for k, v in self.limits.items()},
                "warning": self.warning.to_dict() if self.warning else None,
                "apologies_allowed": self.apologies_allowed, "calendar": self.calendar}


# A kept message waits for its process at most a year.
MAX_MESSAGE_TTL_HOURS = 24 * 366


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    process_key: str
    sector: str | None = None
    level: str | None = None
    rules: tuple[RuleSet, ...] = field(default_factory=tuple)
    status_mapping: dict[str, int] = field(default_factory=dict)
    # Positions that may apologise and give a new appointment (form 04); empty: any
    # officer of the receiving unit.
    apology_positions: tuple[str, ...] = ()
    # How long a message that came before the process waited for it is kept (None: the
    # platform's MOTCUA_MESSAGE_TTL_HOURS).
    message_ttl_hours: float | None = None
    # The published list of documents (engine.deadlines.papers).
    documents: tuple[RequiredDocument, ...] = ()
    other_documents: bool = False
    document_formats: tuple[str, ...] = ("pdf", "jpeg", "png")

    def document_kinds(self) -> tuple[str, ...]:
        """The kinds an applicant's paper may have: the list's, and `other` if allowed."""
        return tuple(d.kind for d in self.documents) + ((OTHER,) if self.other_documents
                                                         else ())

    def rule_for(self, received: date) -> RuleSet | None:
        """The rule set in force on the day the dossier was received."""
        chosen = None
        for rule in self.rules:
            if rule.effective_from <= received:
                chosen = rule
        return chosen

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "process_key": self.process_key,
                "sector": self.sector, "level": self.level,
                "rules": [r.to_dict() for r in self.rules],
                "status_mapping": self.status_mapping,
                "apology_positions": list(self.apology_positions),
                "message_ttl_hours": self.message_ttl_hours,
                "documents": [d.to_dict() for d in self.documents],
                "other_documents": self.other_documents,
                "document_formats": list(self.document_formats)}

    @classmethod
    def from_dict(cls, code: str, data: Any) -> Procedure:
        """Validate a PUT body; every error names its JSON path."""
        errors: list[dict[str, Any]] = []
        if not isinstance(data, dict):
            raise InvalidInput("a JSON object is required", errors=[{"field": "/", "message":
                               "not an object"}])
        if len(code) > MAX_CODE:
            errors.append({"field": "code", "message": f"at most {MAX_CODE} characters"})
        for name in ("name", "process_key"):
            if not isinstance(data.get(name), str) or not data[name].strip():
                errors.append({"field": name, "message": "a non-empty string is required"})
        if isinstance(data.get("process_key"), str) and len(data["process_key"].strip()) > MAX_KEY:
            errors.append({"field": "process_key", "message": f"at most {MAX_KEY} characters"})
        if data.get("level") is not None and data["level"] not in LEVELS:
            errors.append({"field": "level", "message": f"one of {', '.join(LEVELS)}"})
        mapping = data.get("status_mapping") or {}
        if not isinstance(mapping, dict) or not all(
                isinstance(v, int) and 1 <= v <= 10 for v in mapping.values()):
            errors.append({"field": "status_mapping", "message":
                           "an object of element id or status -> national status code 1..10"})
        positions = data.get("apology_positions") or []
        if not isinstance(positions, list) or not all(
                isinstance(p, str) and 0 < len(p.strip()) <= MAX_POSITION for p in positions):
            errors.append({"field": "apology_positions", "message":
                           f"a list of position names (1 to {MAX_POSITION} characters)"})
            positions = []
        ttl = data.get("message_ttl_hours")
        if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int | float)
                                or not 0 < ttl <= MAX_MESSAGE_TTL_HOURS):
            errors.append({"field": "message_ttl_hours", "message": "hours a message waits "
                           f"for its process: more than 0, at most {MAX_MESSAGE_TTL_HOURS}"})
        rules = _rules(data.get("rules"), errors)
        documents, other, formats = parse_papers(data, errors)
        if errors:
            raise InvalidInput(f"invalid procedure {code}", errors=errors)
        return cls(code=code, name=data["name"].strip(), process_key=data["process_key"].strip(),
                   sector=data.get("sector"), level=data.get("level"), rules=rules,
                   status_mapping=dict(mapping),
                   apology_positions=tuple(p.strip() for p in positions),
                   message_ttl_hours=float(ttl) if ttl is not None else None,
                   documents=documents, other_documents=other, document_formats=formats)


def _rules(raw: Any, errors: list[dict[str, Any]]) -> tuple[RuleSet, ...]:
    if not isinstance(raw, list) or not raw:
        errors.append({"field": "rules", "message": "a non-empty list of rule sets"})
        return ()
    out: list[RuleSet] = []
    for i, item in enumerate(raw):
        path = f"rules[{i}]"
        if not isinstance(item, dict):
            errors.append({"field": path, "message": "an object"})
            continue
        try:
            effective = date.fromisoformat(str(item.get("effective_from")))
        except ValueError:
            errors.append({"field": f"{path}.effective_from", "message": "a date YYYY-MM-DD"})
            continue
        limits: dict[str, Limit] = {}
        raw_limits = item.get("limits")
        if not isinstance(raw_limits, dict) or not raw_limits:
            errors.append({"field": f"{path}.limits", "message":
                           "an object channel -> {value, unit} (channels: desk, online, post, default)"})
            raw_limits = {}
        for channel, lim in raw_limits.items():
            if channel not in CHANNELS + ("default",):
                errors.append({"field": f"{path}.limits.{channel}", "message": "unknown channel"})
                continue
            try:
                limits[channel] = Limit.from_dict(lim, f"{path}.limits.{channel}")
            except InvalidInput as exc:
                errors.extend(exc.errors)
        warning = None
        if item.get("warning") is not None:
            try:
                warning = Limit.from_dict(item["warning"], f"{path}.warning")
            except InvalidInput as exc:
                errors.extend(exc.errors)
        apologies = item.get("apologies_allowed", 1)
        if not isinstance(apologies, int) or isinstance(apologies, bool) or apologies < 0:
            errors.append({"field": f"{path}.apologies_allowed", "message": "an integer ≥ 0"})
            apologies = 1
        calendar = item.get("calendar", "vn")
        if not isinstance(calendar, str) or not calendar:
            errors.append({"field": f"{path}.calendar", "message": "a calendar id"})
            calendar = "vn"
        out.append(RuleSet(effective, limits, warning, apologies, calendar))
    dates = [r.effective_from for r in out]
    if len(set(dates)) != len(dates):
        errors.append({"field": "rules", "message": "two rule sets take effect on one date"})
    return tuple(sorted(out, key=lambda r: r.effective_from))
