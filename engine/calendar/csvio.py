"""Override rows from CSV, the format provinces publish their swaps and local days off in.

Header: `date,kind,reason,effective_from[,hours]`. `hours` (optional, working_day rows only)
lists intervals separated by spaces or `;`, e.g. `07:00-11:30 13:30-17:00`.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from engine.calendar.hours import Interval, check_intervals, parse_time
from engine.calendar.model import DAY_OFF, KINDS, WORKING_DAY, Override, parse_date
from engine.errors import InvalidInput

REQUIRED = ("date", "kind", "reason", "effective_from")
OPTIONAL = ("hours",)


def _err(line: int, column: str, message: str) -> dict[str, Any]:
    return {"field": f"line {line}, {column}", "line": line, "column": column,
            "message": message}


def _parse_hours(text: str, line: int, errors: list[dict[str, Any]]) -> tuple[Interval, ...] | None:
    result: list[Interval] = []
    for chunk in text.replace(";", " ").split():
        opens, sep, closes = chunk.partition("-")
        try:
            if not sep:
                raise ValueError(f"expected HH:MM-HH:MM, got {chunk!r}")
            result.append((parse_time(opens), parse_time(closes)))
        except ValueError as exc:
            errors.append(_err(line, "hours", str(exc)))
            return None
    intervals = tuple(result)
    for problem in check_intervals(intervals, "hours"):
        errors.append(_err(line, "hours", problem["message"]))
    return intervals if intervals and not errors else None


def parse_overrides_csv(text: str) -> list[Override]:
    """Parse override rows; raise InvalidInput whose errors name each bad line and column."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        problems = [_err(1, c, "missing column") for c in missing]
        problems += [_err(1, c, "unknown column") for c in unknown]
        raise InvalidInput("invalid CSV header", errors=problems)
    rows: list[Override] = []
    errors: list[dict[str, Any]] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(_err(line, "*", f"expected {len(header)} cells, got {len(cells)}"))
            continue
        row = {h: c.strip() for h, c in zip(header, cells)}
        before = len(errors)
        # As over HTTP: NUL is no text (PostgreSQL refuses it in text columns).
        errors += [_err(line, h, "contains a NUL character") for h, c in row.items() if "\0" in c]
        found: list[dict[str, Any]] = []
        day = parse_date(row["date"], "date", found)
        since = parse_date(row["effective_from"], "effective_from", found)
        errors += [_err(line, e["field"], e["message"]) for e in found]
        if row["kind"] not in KINDS:
            errors.append(_err(line, "kind", f"must be one of {', '.join(KINDS)}"))
        hours = None
        if row.get("hours"):
            if row["kind"] == DAY_OFF:
                errors.append(_err(line, "hours", "only a working_day row may give hours"))
            else:
                hours = _parse_hours(row["hours"], line, errors)
        if len(errors) == before and day is not None and since is not None:
            rows.append(Override(day, row["kind"], row["reason"], since,
                                 hours if row["kind"] == WORKING_DAY else None))
    if errors:
        raise InvalidInput("invalid override CSV", errors=errors)
    return rows
