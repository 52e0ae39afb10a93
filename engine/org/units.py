"""A registered unit: official code, name, kind and parent, checked before anything is stored.

Official codes follow the national scheme of electronic identifiers of agencies (four
dot-separated groups, e.g. `000.00.06.H56`: the last group names the province or ministry).
A unit that only dossiers or principals have named so far keeps whatever code it was given;
registering it checks the code.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

OFFICIAL_CODE = re.compile(r"[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}")
MAX_DEPTH = 8  # province → department → division ... deep enough for any real tree
NAME_LENGTH = 300


def code_problems(code: str) -> list[dict[str, str]]:
    if OFFICIAL_CODE.fullmatch(code):
        return []
    return [{"field": "code", "message": "not an official unit code: four groups such as "
                                         "000.00.06.H56 (digits and capital letters)"}]


def field_problems(fields: Mapping[str, Any], kinds: Mapping[str, str]) -> list[dict[str, str]]:
    """Problems with the name and kind given (`kinds`: code -> level of the known kinds)."""
    problems = []
    if "name" in fields:
        name = fields["name"]
        if not isinstance(name, str) or not name.strip():
            problems.append({"field": "name", "message": "must not be empty"})
        elif len(name) > NAME_LENGTH:
            problems.append({"field": "name", "message": f"at most {NAME_LENGTH} characters"})
    if "kind" in fields and fields["kind"] not in kinds:
        problems.append({"field": "kind", "message": "unknown kind of unit; known: "
                                                     + ", ".join(sorted(kinds))})
    return problems


def parent_problems(code: str, parent: str | None,
                    parent_of: Callable[[str], str | None | bool]) -> list[dict[str, str]]:
    """Problems with placing `code` under `parent`. `parent_of(unit)` gives a registered unit's
    parent (None at the top) or False when the unit is not registered in the province."""
    if parent is None:
        return []
    seen = {code}
    current: str | None = parent
    depth = 0
    while current is not None:
        if current in seen:
            return [{"field": "parent", "message": f"{parent} is {code} or under it: "
                                                   "a unit cannot be its own ancestor"}]
        above = parent_of(current)
        if above is False:
            what = "the parent" if current == parent else f"{current}, above the parent,"
            return [{"field": "parent",
                     "message": f"{what} is not a registered unit of your province"}]
        seen.add(current)
        depth += 1
        if depth > MAX_DEPTH:
            return [{"field": "parent", "message": f"units nest at most {MAX_DEPTH} deep"}]
        current = above if isinstance(above, str) else None
    return []
