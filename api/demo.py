"""`motcua demo`: a ready database with the catalogue of processes/ and demo principals.

Demo principals have fixed, well-known tokens so that the README's curl tour works as
written. They exist only in the demo province `DEMO`; never run the demo on production data.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from engine.errors import BpmnInvalid, ScenariosFailed
from engine.services.design import catalog, procedures
from engine.services.org.auth import Caller, hash_token
from engine.settings import Settings
from engine.store import org
from engine.store.migrate import upgrade
from engine.store.models import Principal, Unit
from engine.wiring import build_context

ROOT = Path(__file__).resolve().parents[1]
PROVINCE = "DEMO"
UNIT = "000.00.06.H56"
COMMITTEE = "000.00.00.H56"
DEPARTMENT = "000.00.20.H56"  # decides the judicial record certificates the centre receives
COMMUNE = "000.00.33.H56"  # registers births and issues construction permits for houses
CONSTRUCTION = "000.00.21.H56"  # decides the construction practising certificates
LAND_BRANCH = "000.00.31.H56"  # handles first land registrations
TAX = "000.00.32.H56"  # assesses the financial obligations of land registrations
COMMUNES = ("000.41.06.H56", "000.42.06.H56")  # commune centres, receiving regardless of territory
UNITS = [
    # code, name, kind, parent
    (COMMITTEE, "Ủy ban nhân dân tỉnh", "provincial_committee", None),
    (UNIT, "Trung tâm Phục vụ hành chính công tỉnh", "provincial_centre", COMMITTEE),
    (DEPARTMENT, "Sở Tư pháp", "department", COMMITTEE),
    (COMMUNE, "Ủy ban nhân dân xã Yên Bình", "commune_committee", COMMITTEE),
    (CONSTRUCTION, "Sở Xây dựng", "department", COMMITTEE),
    (LAND_BRANCH, "Chi nhánh Văn phòng đăng ký đất đai khu vực Yên Bình", "department",
     COMMITTEE),
    (TAX, "Thuế cơ sở 1 tỉnh", "vertical_branch", None),
    (COMMUNES[0], "Trung tâm Phục vụ hành chính công xã Yên Bình", "commune_centre", COMMITTEE),
    (COMMUNES[1], "Trung tâm Phục vụ hành chính công phường Tân Thịnh", "commune_centre",
     COMMITTEE),
]
# Where the demo week receives each procedure's dossiers (left out: the provincial centre).
RECEIVING = {"land_first_registration": [COMMUNES[0], LAND_BRANCH],
             "construction_practising_certificate": list(COMMUNES)}
PRINCIPALS = [
    # token, name (a title, in Vietnamese as the pages), role, unit, position
    ("demo-designer", "Cán bộ thiết kế quy trình", "designer", None, None),
    ("demo-client", "Cổng dịch vụ công của tỉnh", "client", UNIT, None),
    ("demo-reception", "Cán bộ tiếp nhận Trung tâm tỉnh", "officer", UNIT, "reception"),
    ("demo-specialist", "Chuyên viên Trung tâm tỉnh", "officer", UNIT, "specialist"),
    ("demo-head", "Trưởng phòng Trung tâm tỉnh", "officer", UNIT, "head_of_department"),
    ("demo-leader", "Lãnh đạo Trung tâm tỉnh", "officer", UNIT, "leader"),
    ("demo-dept-specialist", "Chuyên viên Sở Tư pháp", "officer", DEPARTMENT,
     "specialist"),
    ("demo-dept-head", "Trưởng phòng Sở Tư pháp", "officer", DEPARTMENT,
     "head_of_department"),
    ("demo-dept-leader", "Giám đốc Sở Tư pháp", "officer", DEPARTMENT, "leader"),
    ("demo-commune-reception", "Cán bộ tiếp nhận UBND xã Yên Bình", "officer", COMMUNE,
     "reception"),
    ("demo-commune-civil-status", "Công chức tư pháp - hộ tịch xã Yên Bình", "officer", COMMUNE,
     "specialist"),
    ("demo-commune-construction", "Công chức địa chính - xây dựng xã Yên Bình", "officer", COMMUNE,
     "specialist"),
    ("demo-commune-head", "Trưởng phòng Kinh tế, Hạ tầng và Đô thị xã Yên Bình",
     "officer", COMMUNE, "head_of_department"),
    ("demo-commune-leader", "Chủ tịch UBND xã Yên Bình", "officer", COMMUNE, "leader"),
    ("demo-construction-specialist", "Chuyên viên Sở Xây dựng", "officer",
     CONSTRUCTION, "specialist"),
    ("demo-construction-leader", "Giám đốc Sở Xây dựng", "officer",
     CONSTRUCTION, "leader"),
    ("demo-land-reception", "Cán bộ tiếp nhận Chi nhánh VPĐKĐĐ Yên Bình", "officer",
     LAND_BRANCH, "reception"),
    ("demo-land-specialist", "Chuyên viên Chi nhánh VPĐKĐĐ Yên Bình", "officer", LAND_BRANCH,
     "specialist"),
    ("demo-land-leader", "Giám đốc Chi nhánh VPĐKĐĐ Yên Bình", "officer", LAND_BRANCH, "leader"),
    ("demo-tax-client", "Hệ thống của cơ quan thuế", "client", TAX, None),
    ("demo-commune1-reception", "Cán bộ tiếp nhận Trung tâm PVHCC xã Yên Bình", "officer",
     COMMUNES[0], "reception"),
    ("demo-commune2-reception", "Cán bộ tiếp nhận Trung tâm PVHCC phường Tân Thịnh", "officer",
     COMMUNES[1], "reception"),
    ("demo-auditor", "Cán bộ thanh tra, kiểm tra", "auditor", None, None),
    ("demo-admin", "Quản trị hệ thống", "admin", None, None),
]


def load_week(settings: Settings, now: datetime | None = None) -> int:
    """The demo's week of dossiers in every state (api/demo_week.py), once."""
    from api.demo_week import populate_week

    tokens = {(unit, position): token for token, _, role, unit, position in PRINCIPALS
              if role == "officer"}
    made = populate_week(settings, tokens, "demo-client", now=now, receiving=RECEIVING)
    if made:
        print(f"a week of dossiers: {made} received over the past 7 days, in every state")
    return made


def load_demo(settings: Settings) -> None:
    upgrade(settings.database_url)
    ctx = build_context(settings)
    designer_id = None
    with ctx.uow() as uow:
        for code, unit_name, kind, parent in UNITS:
            if org.unit(uow.session, code) is None:
                now = ctx.clock.now()
                uow.repo.add(Unit(code=code, province=PROVINCE, created_at=now, name=unit_name,
                                  kind=kind, parent=parent, registered_at=now, updated_at=now))
                uow.repo.flush()
        for token, name, role, unit, position in PRINCIPALS:
            found = uow.repo.principal_by_token_hash(hash_token(token))
            if found is None:
                found = Principal(name=name, role=role, province=PROVINCE, unit=unit,
                                  position=position, token_hash=hash_token(token),
                                  created_at=ctx.clock.now())
                uow.repo.add(found)
                uow.repo.flush()
            found.name = name  # a demo made before its users had these names
            if role == "designer":
                designer_id = found.id
        uow.commit()
    assert designer_id is not None
    designer = Caller(designer_id, "Process designer", "designer", PROVINCE)
    forms = {f.name: f.read_bytes() for f in (ROOT / "forms").glob("*.json")}
    for bpmn in sorted((ROOT / "processes").glob("*.bpmn")):
        try:
            compiled = catalog.validate(ctx, bpmn.read_bytes(), forms)
            used = {name: forms[name] for name in compiled.forms}
            scenarios = bpmn.with_suffix(".scenarios.json")
            deployed = catalog.deploy(ctx, designer, bpmn.read_bytes(), used,
                                      scenarios=scenarios.read_bytes()
                                      if scenarios.exists() else None)
        except (BpmnInvalid, ScenariosFailed) as exc:
            print(f"skipped {bpmn.name}: {exc.message}: {exc.errors[:3]}")
            continue
        verb = "deployed" if deployed.created else "already deployed"
        print(f"{verb} {deployed.definition.key} version {deployed.definition.version}")
        rules = bpmn.with_suffix(".procedure.json")
        if rules.exists():
            body = json.loads(rules.read_text(encoding="utf-8"))
            procedure, _ = procedures.put_procedure(ctx, designer, body.pop("code"), body)
            limit = procedure.rules[-1].limits
            print(f"  procedure {procedure.code}: limits {', '.join(f'{k} {v.value:g} {v.unit}' for k, v in limit.items())}")
    print(f"demo province {PROVINCE}, receiving unit {UNIT}, department {DEPARTMENT}, "
          f"commune {COMMUNE}; tokens:")
    for token, name, role, unit, position in PRINCIPALS:
        print(f"  {token:20} {role:9} {position or '':20} {unit or '':14} {name}")
    ctx.db_engine.dispose()
