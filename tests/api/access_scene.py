"""The scene of the access matrix (tests/api/test_access_matrix.py): a province with one
principal of every kind, another province with its own, and the dossier at the centre that
carries canary strings in its applicant and data; each operation's path and body."""
from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta
from typing import Any

from tests.api.deployments import empty_migration
from tests.api.helpers import API_DATA, TWO_STEPS_FORMS, UNIT_DATA, official
from tests.conftest import World

# -- the principals -----------------------------------------------------------------------

OWN_CLIENT = "client"
INSIDE = {
    # name: (role, unit, position); unit "U" is the dossier's receiving unit
    "client": ("client", "U", None),
    "other_client": ("client", "U", None),
    "reception": ("officer", "U", "reception"),
    "specialist": ("officer", "U", "specialist"),
    # leads unit U: sees every task of it, assigns and releases them, completes none of
    # another position unless it is assigned to them
    "head": ("officer", "U", "head_of_department"),
    "other_unit_officer": ("officer", "U2", "reception"),
    # a specialist of U2 seconded to U's reception desk (a further membership)
    "seconded": ("officer", "U2", "specialist"),
    "officer_without_unit": ("officer", None, "reception"),
    "officer_without_position": ("officer", "U", None),
    "designer": ("designer", None, None),
    "auditor": ("auditor", None, None),
    "admin": ("admin", None, None),
}
OUTSIDE = {  # another province, every role, its own unit
    "province2_client": ("client", "U3", None),
    "province2_officer": ("officer", "U3", "reception"),
    "province2_designer": ("designer", None, None),
    "province2_auditor": ("auditor", None, None),
    "province2_admin": ("admin", None, None),
}
# What each of them could do in this province, had they been of it.
COUNTERPART = {"province2_client": "other_client", "province2_officer": "other_unit_officer",
               "province2_designer": "designer", "province2_auditor": "auditor",
               "province2_admin": "admin"}
ANONYMOUS = ("no_token", "unknown_token")
EVERYONE = [*INSIDE, *OUTSIDE, *ANONYMOUS]
# Who may see the applicant's data of the dossier at the centre.
ENTITLED = {"client", "reception", "specialist", "head", "seconded", "auditor"}

PLACED_OFFICERS = {"reception", "specialist", "head", "other_unit_officer", "seconded"}
PROVINCE_READERS = {"client", "other_client", *PLACED_OFFICERS, "designer", "auditor", "admin"}

TWO_STEPS = UNIT_DATA / "two_steps.bpmn"
FAIL_AT_INTAKE = API_DATA / "fail_at_intake.bpmn"
RECEIVER = "http://127.0.0.1:9/hook"


class Scene:
    """The province, the other province and the dossier at the centre."""

    def __init__(self, world: World) -> None:
        self.world = world
        tag = uuid.uuid4().hex[:8]
        self.units = {"U": world.unit, "U2": official(), "U3": official()}
        self.canaries = (f"CANARY-APPLICANT-{tag}", f"CANARY-DATA-{tag}")
        world.register_unit(self.units["U2"])
        world.register_unit(self.units["U3"], province="Q" + tag)
        from engine.services.org.auth import create_principal

        self.ids: dict[str, int] = {}
        for name, (role, unit, position) in {**INSIDE, **OUTSIDE}.items():
            province = ("Q" + tag) if name in OUTSIDE else world.province
            made, token = create_principal(world.ctx, name=name, role=role, province=province,
                                           unit=self.units.get(unit or ""), position=position)
            world.tokens[name] = token
            self.ids[name] = made.id
        world.tokens["unknown_token"] = "mc_" + tag
        from engine.store import org

        with world.ctx.uow() as uow:
            seconded = next(p for p in uow.repo.principals(world.province)
                            if p.name == "seconded")
            org.set_memberships(uow.session, seconded.id, [(self.units["U"], "reception")])
            uow.commit()
        # A principal the administration operations act on (its token is never used).
        spare, _ = create_principal(world.ctx, name="spare", role="client",
                                    province=world.province)
        self.spare_id = str(spare.id)
        self.kind = "kind_" + tag
        self.registered = official()
        r = world.client.post("/api/v1/units", headers=world.headers("admin"), json={
            "code": self.registered, "name": "Sở Tư pháp", "kind": "department"})
        assert r.status_code == 201, r.get_json()
        self.code = self.task_id = self.procedure = self.calendar = self.document_id = ""
        self.incident_id = ""
        self.subscriptions: list[str] = ["x", "x"]
        self.delivery_id = "x"
        self.migration_id = ""
        self.deploy = {"bpmn": TWO_STEPS.read_bytes(),
                       "forms": {p.name: p.read_bytes() for p in TWO_STEPS_FORMS}}
        r = self.call("designer", "post", "/api/v1/process-definitions")
        assert r.status_code == 201, r.get_json()
        self.migration_id = str(empty_migration(world))
        self.procedure = "proc-" + tag
        assert self.call("designer", "put", "/api/v1/procedures/{code}").status_code \
            == 201
        self.calendar = "cal-" + tag
        assert self.call("designer", "put", "/api/v1/calendars/{calendar_id}").status_code == 200
        r = world.client.post("/api/v1/dossiers", headers=world.headers(OWN_CLIENT), json={
            "process_key": "two_steps", "applicant": {"name": self.canaries[0]},
            "data": {"note": self.canaries[1]}})
        assert r.status_code == 201, r.get_json()
        self.code = r.get_json()["code"]
        self.task_id = r.get_json()["current_steps"][0]["task_id"]
        self.incident_id = self._incident()
        # The client's subscriptions: one the operations act on (made before the dossier,
        # so it has a delivery), one to delete. Their receiver takes nothing (port 9).
        self.subscriptions = []
        for _ in range(2):
            r = world.client.post("/api/v1/subscriptions", headers=world.headers(OWN_CLIENT),
                                  json={"url": RECEIVER, "event_types": ["task.created"]})
            assert r.status_code == 201, r.get_json()
            self.subscriptions.append(str(r.get_json()["id"]))
        r = world.client.post("/api/v1/dossiers", headers=world.headers(OWN_CLIENT), json={
            "process_key": "two_steps", "applicant": {"name": "webhooks"}, "data": {}})
        assert r.status_code == 201, r.get_json()
        r = world.client.get(f"/api/v1/subscriptions/{self.subscriptions[0]}/deliveries",
                             headers=world.headers(OWN_CLIENT))
        self.delivery_id = str(r.get_json()["items"][0]["id"])
        r = world.client.get(f"/api/v1/dossiers/{self.code}/documents",
                             headers=world.headers(OWN_CLIENT))
        self.document_id = str(r.get_json()["documents"][0]["id"])  # its receipt (form 01)

    def _incident(self) -> str:
        """An incident of this province: an intake its diagram fails."""
        world = self.world
        r = world.client.post("/api/v1/process-definitions", headers=world.headers("designer"),
                              content_type="multipart/form-data", data={"bpmn": (
                                  io.BytesIO(FAIL_AT_INTAKE.read_bytes()), "fail.bpmn")})
        assert r.status_code == 201, r.get_json()
        r = world.client.post("/api/v1/dossiers", headers=world.headers(OWN_CLIENT), json={
            "process_key": "fail_at_intake", "applicant": {"name": "x"},
            "data": {"copies": 0}})
        assert r.status_code == 422, r.get_json()
        return str(r.get_json()["errors"][0]["incident_id"])

    def path(self, template: str) -> str:
        code = (self.procedure if "/procedures/" in template
                else self.units["U"] if template.endswith("/tracking-book")
                else self.registered
                if "/units/" in template else self.kind if "/unit-kinds/" in template
                else self.kind if "/positions/" in template
                else self.code)
        values = {"code": code, "key": "two_steps", "version": "1", "base": "1", "other": "1",
                  "calendar_id": self.calendar, "task_id": self.task_id, "name": "paid",
                  "principal_id": self.spare_id, "document_id": self.document_id,
                  "incident_id": self.incident_id, "client": self.spare_id,
                  "subscription_id": self.subscriptions[0], "delivery_id": self.delivery_id,
                  "migration_id": self.migration_id}
        return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), template)

    def call(self, who: str, method: str, template: str) -> Any:
        headers = {} if who == "no_token" else self.world.headers(who)
        kwargs: dict[str, Any] = {}
        path = self.path(template)
        if method == "delete" and template.startswith("/api/v1/subscriptions/"):
            path = f"/api/v1/subscriptions/{self.subscriptions[1]}"
        body = self.body(who, method, template)
        if isinstance(body, dict) and "bpmn" in body:
            kwargs["data"] = {"bpmn": (io.BytesIO(body["bpmn"]), "two_steps.bpmn"),
                              "forms": [(io.BytesIO(b), n) for n, b in body["forms"].items()]}
            kwargs["content_type"] = "multipart/form-data"
        elif isinstance(body, dict) and "file" in body:
            kwargs["data"] = {"kind": body["kind"], "file": (io.BytesIO(body["file"]),
                                                             f"{who}.pdf")}
            kwargs["content_type"] = "multipart/form-data"
        elif body is not None:
            kwargs["json"] = body
        if template.endswith("/tracking-book"):
            day = self.world.ctx.clock.now().date()
            kwargs["query_string"] = {"from": (day - timedelta(days=1)).isoformat(),
                                      "to": (day + timedelta(days=1)).isoformat()}
        if template.endswith("/add"):
            kwargs["query_string"] = {"start": "2026-02-13T16:30:00+07:00", "working_days": 2}
        if template.endswith("/replay"):
            kwargs["query_string"] = {"seq": 1}
        return self.world.client.open(path, method=method.upper(),
                                      headers=headers, **kwargs)

    def body(self, who: str, method: str, template: str) -> Any:
        if method not in ("post", "put", "patch"):
            return None
        if template.endswith("/migrations"):
            return {"from_version": 1, "to_version": 1, "dry_run": True}
        if template.startswith("/api/v1/process-definitions"):
            return self.deploy
        if template == "/api/v1/procedures/{code}":
            return {"name": f"Thủ tục {who}", "process_key": "two_steps", "rules": [{
                "effective_from": "2025-07-01", "calendar": "vn",
                "limits": {"default": {"value": 3, "unit": "working_days"}}}],
                "documents": [{"kind": "request_form", "name": "Tờ khai"}]}
        if template == "/api/v1/calendars/{calendar_id}":
            return {"name": f"Lịch {who}"}
        if template == "/api/v1/dossiers":
            return {"process_key": "two_steps", "applicant": {"name": who}, "data": {}}
        if template.endswith("/messages/{name}"):
            return {"payload": {}, "message_id": f"m-{who}"}
        if template.endswith("/grants"):
            return {"client": int(self.spare_id)}
        if template.endswith("/apology"):
            return {"reason": "Chậm", "new_appointment": "2030-01-07T08:00:00+07:00"}
        if template.endswith("/complete"):
            return {"data": {"copies": 1}}
        if template == "/api/v1/dossiers/{code}/documents":
            return {"kind": "request_form", "file": b"%PDF-1.4\n%%EOF\n"}
        if template.endswith("/supplement"):
            return {"documents": [{"kind": "Bản sao", "name": f"{who}.pdf"}]}
        if template.endswith("/rating"):
            return {"level": 5}
        if template.endswith("/data"):
            return {"data": {"repair_note": who}, "reason": f"repaired by {who}"}
        if template.endswith("/withdraw"):
            return {"reason": f"Công dân rút hồ sơ ({who})"}
        if template.endswith("/assign"):
            return {"principal_id": self.ids["reception"]}
        if template.endswith(("/claim", "/unclaim")):
            return None
        if template == "/api/v1/principals":
            return {"name": f"made by {who}", "role": "client"}
        if template == "/api/v1/principals/{principal_id}":
            return {"name": f"renamed by {who}"}
        if template == "/api/v1/units":
            return {"code": official(), "name": f"Đơn vị {who}", "kind": "department"}
        if template == "/api/v1/units/{code}":
            return {"name": f"Đơn vị {who}"}
        if template == "/api/v1/unit-kinds/{code}":
            return {"name": f"Loại {who}", "level": "commune"}
        if template == "/api/v1/positions/{code}":
            return {"name": f"Vị trí {who}"}
        if template.endswith("/token"):
            return None
        if template == "/api/v1/subscriptions":
            scope = {"process_key": "two_steps"} if who.endswith("admin") else {}
            return {"url": RECEIVER, "event_types": ["dossier.status_changed"], **scope}
        if template.startswith("/api/v1/subscriptions/"):
            return None
        return {}
