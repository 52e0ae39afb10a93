"""`motcua catalogue`: the procedures a province keeps, with the versions of their process
(and which is active), their statutory limits and the sources they cite."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.settings import Settings
from engine.store.models import StoredProcedure
from engine.wiring import build_context

PROCESSES = Path(__file__).resolve().parents[1] / "processes"


def _shipped() -> dict[str, dict[str, Any]]:
    """processes/*.procedure.json by procedure code."""
    found = {}
    for path in sorted(PROCESSES.glob("*.procedure.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        found[str(body.get("code"))] = body
    return found


def catalogue_rows(settings: Settings, province: str | None) -> list[dict[str, Any]]:
    shipped = _shipped()
    ctx = build_context(settings)
    try:
        with ctx.uow(readonly=True) as uow:
            q = select(StoredProcedure).order_by(StoredProcedure.province, StoredProcedure.code)
            if province:
                q = q.where(StoredProcedure.province == province)
            rows = []
            for p in uow.session.scalars(q):
                data = p.data if isinstance(p.data, dict) else {}
                versions = uow.repo.definitions(p.province, p.process_key)
                rows.append({
                    "province": p.province, "code": p.code, "name": data.get("name"),
                    "level": data.get("level"), "process_key": p.process_key,
                    "versions": [{"version": d.version, "status": d.status}
                                 for d in versions],
                    "limits": [{"effective_from": r.get("effective_from"), "channel": channel,
                                "value": limit.get("value"), "unit": limit.get("unit")}
                               for r in data.get("rules") or []
                               for channel, limit in (r.get("limits") or {}).items()],
                    # Sources are the catalogue's (processes/), read by people, not stored.
                    "sources": shipped.get(p.code, {}).get("sources", []),
                    "unconfirmed": sorted(shipped.get(p.code, {}).get("unconfirmed", {})),
                })
            return rows
    finally:
        ctx.db_engine.dispose()


def run_catalogue(settings: Settings, province: str | None, as_json: bool) -> int:
    rows = catalogue_rows(settings, province)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no procedures" + (f" in {province}" if province else ""))
        return 0
    for row in rows:
        versions = ", ".join(f"v{v['version']} {v['status']}" for v in row["versions"]) \
            or "not deployed"
        limits = "; ".join(f"{lim['channel']} {lim['value']:g} {lim['unit']} "
                           f"(from {lim['effective_from']})" for lim in row["limits"])
        print(f"{row['province']}  {row['code']}  {row['name']}")
        print(f"    process {row['process_key']} ({row['level'] or 'level not set'}): {versions}")
        print(f"    limits: {limits or 'none'}")
        for source in row["sources"]:
            print(f"    source: {source}")
        if row["unconfirmed"]:
            print(f"    not confirmed from a published source: {', '.join(row['unconfirmed'])}")
    return 0
