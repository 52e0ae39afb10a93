"""Every operation of the OpenAPI document, called as every kind of principal.

The document is read at run time, so an operation added later is called too without this
file being edited: for it the generic checks hold (no 500; 401 without a token; nothing of
this province shown to another province; no applicant's data for anyone not entitled to
it). The operations known here also have the exact set of principals of this province that
may call them; anyone else must be refused (401, 403 or 404) and change nothing. Another
province's principals act in their own province (a designer of theirs may create a calendar
with the same id, which is theirs): they must never reach an object of this one, and never
do what their role may not do anywhere.

The dossier at the centre carries canary strings in its applicant and data: any response
that shows them to a principal not entitled to applicants' data is a leak.
"""
from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.access_scene import (
    ANONYMOUS,
    COUNTERPART,
    ENTITLED,
    EVERYONE,
    INSIDE,
    OUTSIDE,
    PLACED_OFFICERS,
    PROVINCE_READERS,
    Scene,
)
from tests.api.helpers import history
from tests.conftest import make_world

# (method, path) -> the principals that may call it; everyone else is refused.
MAY = {
    ("get", "/api/v1/process-definitions"): PROVINCE_READERS,
    ("post", "/api/v1/process-definitions"): {"designer", "admin"},
    ("post", "/api/v1/process-definitions/validate"): {"designer", "admin"},
    ("get", "/api/v1/process-definitions/{key}"): PROVINCE_READERS,
    ("get", "/api/v1/process-definitions/{key}/versions/{version}/bpmn"): PROVINCE_READERS,
    ("get", "/api/v1/process-definitions/{key}/versions/{version}"): PROVINCE_READERS,
    ("get", "/api/v1/process-definitions/{key}/versions/{version}/forms"): PROVINCE_READERS,
    ("get", "/api/v1/process-definitions/{key}/versions/{base}/diff/{other}"): PROVINCE_READERS,
    # run after every intake (the path sorts after /dossiers): activating the active
    # version changes nothing, retiring it leaves the dossier at the centre on it
    ("post", "/api/v1/process-definitions/{key}/versions/{version}/retire"): {"designer",
                                                                               "admin"},
    ("post", "/api/v1/process-definitions/{key}/versions/{version}/activate"): {"designer",
                                                                                 "admin"},
    # a dry run from version 1 to itself (refused as input); the progress of a migration
    ("post", "/api/v1/process-definitions/{key}/migrations"): {"designer", "admin"},
    ("get", "/api/v1/process-definitions/{key}/migrations/{migration_id}"): {"designer",
                                                                              "admin"},
    ("get", "/api/v1/procedures"): PROVINCE_READERS,
    ("get", "/api/v1/procedures/{code}"): PROVINCE_READERS,
    ("put", "/api/v1/procedures/{code}"): {"designer", "admin"},
    ("get", "/api/v1/calendars/{calendar_id}"): PROVINCE_READERS,
    ("put", "/api/v1/calendars/{calendar_id}"): {"designer", "admin"},
    ("get", "/api/v1/calendars/{calendar_id}/add"): PROVINCE_READERS,
    ("post", "/api/v1/dossiers"): {"client", "other_client", *PLACED_OFFICERS},
    ("get", "/api/v1/dossiers"): {"client", "other_client", *PLACED_OFFICERS, "auditor"},
    ("get", "/api/v1/dossiers/{code}"): ENTITLED,
    ("get", "/api/v1/dossiers/{code}/history"): ENTITLED,
    ("get", "/api/v1/dossiers/{code}/history/verify"): ENTITLED,
    ("get", "/api/v1/dossiers/{code}/replay"): ENTITLED,
    ("get", "/api/v1/dossiers/{code}/control-sheet"): ENTITLED,
    ("get", "/api/v1/dossiers/{code}/sync-packet"): ENTITLED,
    # on the applicant's behalf: the portal that started it, or the receiving unit's desk
    # (before its result: 409 to those allowed)
    ("post", "/api/v1/dossiers/{code}/rating"): {"client", "reception", "specialist", "head",
                                                 "seconded"},
    ("get", "/api/v1/dossiers/{code}/documents"): ENTITLED,
    ("get", "/api/v1/dossiers/{code}/documents/{document_id}"): ENTITLED,
    # the applicant's papers: its client, or an officer who may complete its open task (the
    # task at the centre is unheld then: reception's lane, and seconded's)
    ("post", "/api/v1/dossiers/{code}/documents"): {"client", "reception", "seconded"},
    ("post", "/api/v1/dossiers/{code}/messages/{name}"): {"client", "reception", "specialist",
                                                          "head", "seconded"},
    ("post", "/api/v1/dossiers/{code}/apology"): {"reception", "specialist", "head",
                                                  "seconded"},
    # withdrawn at the applicant's request: its client, or the receiving unit's desk (run
    # last of all: it ends the dossier at the centre)
    ("post", "/api/v1/dossiers/{code}/withdraw"): {"client", "reception", "specialist",
                                                   "head", "seconded"},
    # the applicant's supplement: its client, or the receiving unit's desk (the dossier at the
    # centre waits for none: 409 to those allowed)
    ("post", "/api/v1/dossiers/{code}/supplement"): {"client", "reception", "specialist",
                                                     "head", "seconded"},
    # another client granted the dossier: by the client that started it or an administrator
    # (the spare client, granted again: 200; withdrawn again: 204 all the same)
    ("get", "/api/v1/dossiers/{code}/grants"): {"client", "admin", "auditor"},
    ("post", "/api/v1/dossiers/{code}/grants"): {"client", "admin"},
    ("delete", "/api/v1/dossiers/{code}/grants/{client}"): {"client", "admin"},
    ("get", "/api/v1/tasks"): {*PLACED_OFFICERS, "auditor"},
    ("get", "/api/v1/tasks/{task_id}"): {"reception", "seconded", "head", "auditor"},
    # The commands on the task at the centre (a reception task of unit U) run in this
    # order: the head assigns it to reception; reception claims it again (theirs already),
    # seconded finds it held (409, allowed but in conflict); seconded may not release what
    # reception holds, reception releases it, and the head may (nothing left to release);
    # reception completes it, seconded finds it done (409).
    ("post", "/api/v1/tasks/{task_id}/assign"): {"head"},
    ("post", "/api/v1/tasks/{task_id}/claim"): {"reception", "seconded"},
    ("post", "/api/v1/tasks/{task_id}/unclaim"): {"reception", "head"},
    ("post", "/api/v1/tasks/{task_id}/complete"): {"reception", "seconded"},
    ("post", "/api/v1/principals"): {"admin"},
    ("get", "/api/v1/principals"): {"admin", "auditor"},
    ("get", "/api/v1/principals/{principal_id}"): {"admin", "auditor"},
    ("patch", "/api/v1/principals/{principal_id}"): {"admin"},
    ("post", "/api/v1/principals/{principal_id}/token"): {"admin"},
    ("delete", "/api/v1/principals/{principal_id}/token"): {"admin"},
    ("get", "/api/v1/units"): PROVINCE_READERS,
    ("post", "/api/v1/units"): {"admin"},
    ("get", "/api/v1/units/{code}"): PROVINCE_READERS,
    ("patch", "/api/v1/units/{code}"): {"admin"},
    # form 07 of unit U: its own officers (seconded holds a membership there), auditors,
    # and administrators, who see no applicant in it
    ("get", "/api/v1/units/{code}/tracking-book"): {"reception", "specialist", "head",
                                                    "seconded", "auditor", "admin"},
    ("get", "/api/v1/unit-kinds"): PROVINCE_READERS,
    ("put", "/api/v1/unit-kinds/{code}"): {"admin"},
    ("get", "/api/v1/positions"): PROVINCE_READERS,
    ("put", "/api/v1/positions/{code}"): {"admin"},
    # Where diagrams failed (the scene's is an intake: no dossier, no applicant's data); the
    # first allowed retry closes it, the next finds it resolved (409).
    ("get", "/api/v1/incidents"): {"designer", "admin"},
    ("get", "/api/v1/incidents/{incident_id}"): {"designer", "admin"},
    ("post", "/api/v1/incidents/{incident_id}/retry"): {"designer", "admin"},
    ("patch", "/api/v1/dossiers/{code}/data"): {"designer", "admin"},
    # Webhooks: clients subscribe to their own dossiers, admins to a process; a
    # subscription exists only for the principal that made it (the centre's is the client's;
    # DELETE removes another of theirs, so the commands after it still find the centre's).
    ("post", "/api/v1/subscriptions"): {"client", "other_client", "admin"},
    ("get", "/api/v1/subscriptions"): {"client", "other_client", "admin"},
    ("get", "/api/v1/subscriptions/{subscription_id}"): {"client"},
    ("delete", "/api/v1/subscriptions/{subscription_id}"): {"client"},
    ("post", "/api/v1/subscriptions/{subscription_id}/secret"): {"client"},
    ("get", "/api/v1/subscriptions/{subscription_id}/deliveries"): {"client"},
    ("post", "/api/v1/subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver"):
        {"client"},
}
# Anyone may ask; only the applicant's proof (tests/api/test_public_lookup.py) gets an answer.
PUBLIC = {("get", "/api/v1/openapi.json"), ("get", "/api/v1/public/dossiers/{code}"),
          ("get", "/api/v1/public/dossiers/{code}/documents/{document_id}"),
          # Counts only, never a dossier or an applicant (tests/api/test_stats.py).
          ("get", "/api/v1/stats"), ("get", "/api/v1/stats/indicators"),
          ("get", "/api/v1/stats/choices")}  # names of units and procedures, no figure
REFUSED = {401, 403, 404}


@pytest.fixture(scope="module")
def scene(db_url: str) -> Iterator[Scene]:
    # Its unknown token fails on every operation from one address: the throttle of failed
    # authentications (tests/api/test_auth_throttle.py) would answer 429 after a while.
    world = make_world(db_url, auth_failures_per_minute=0, webhook_allow_http=1,
                       webhook_allow_networks="127.0.0.0/8")
    yield Scene(world)
    world.ctx.db_engine.dispose()


def _operations(scene: Scene) -> list[tuple[str, str]]:
    spec = scene.world.client.get("/api/v1/openapi.json").get_json()
    ops = [(method, path) for path, item in spec["paths"].items() for method in item
           if method in ("get", "post", "put", "patch", "delete")]
    # Reads first, so that commands (a completed task, a new principal) come after them; the
    # withdrawal, which ends the dossier at the centre, comes last.
    return sorted(ops, key=lambda op: (op[0] != "get", op[1].endswith("/withdraw"),
                                       op[1].endswith("/complete"), op))


def test_every_operation_is_known_to_the_matrix(scene: Scene) -> None:
    """Operations listed here exist; an operation missing from MAY still gets the generic
    checks below, and is named here so that its exact rule gets written down."""
    ops = set(_operations(scene))
    assert set(MAY) - ops == set(), "MAY names operations the API no longer has"
    assert ops - set(MAY) - PUBLIC == set(), "new operations: add their rule to MAY"


def test_every_operation_as_every_principal(scene: Scene) -> None:
    failures: list[str] = []
    for method, template in _operations(scene):
        if (method, template) in PUBLIC:
            continue
        allowed = MAY.get((method, template))
        before = len(history(scene.world, scene.code))
        order = sorted(EVERYONE, key=lambda who: allowed is not None and who in allowed)
        checked_unchanged = False
        for who in order:
            if allowed is not None and who in allowed and not checked_unchanged:
                # Every refused caller has been tried: the dossier must be as it was.
                checked_unchanged = True
                after = len(history(scene.world, scene.code))
                if after != before:
                    failures.append(f"{method.upper()} {template}: a refused caller changed "
                                    f"the dossier ({before} -> {after} events)")
            r = scene.call(who, method, template)
            text = _text_of(r)
            where = f"{method.upper()} {template} as {who}: {r.status_code}"
            if r.status_code >= 500:
                failures.append(f"{where} (server error)")
            if who not in ENTITLED and any(c in text for c in scene.canaries):
                failures.append(f"{where} shows the applicant's data")
            if who in ANONYMOUS:
                if r.status_code != 401:
                    failures.append(f"{where} (expected 401)")
                continue
            if who in OUTSIDE:
                failures += _outsider(scene, who, method, template, allowed, r, where, text)
                continue
            if allowed is None:
                continue
            if who in allowed and r.status_code in REFUSED:
                failures.append(f"{where} (should be allowed): {text[:200]}")
            if who not in allowed and r.status_code not in REFUSED:
                failures.append(f"{where} (should be refused): {text[:200]}")
    assert not failures, "\n".join(failures)
    # What this province keeps was changed by its own principals only.
    world = scene.world
    for path in (f"/api/v1/procedures/{scene.procedure}", f"/api/v1/calendars/{scene.calendar}",
                 f"/api/v1/units/{scene.registered}", f"/api/v1/principals/{scene.spare_id}"):
        name = world.client.get(path, headers=world.headers("auditor")).get_json()["name"]
        assert "province2" not in name, (path, name)
    version = world.client.get("/api/v1/process-definitions/two_steps/versions/1",
                               headers=world.headers("auditor")).get_json()
    mine = {i for name, i in scene.ids.items() if name in INSIDE}
    assert version["transitions"], version
    assert {t["by"] for t in version["transitions"]} <= mine, version["transitions"]


def _text_of(r: Any) -> str:
    """What a response shows: a PDF's extracted text (where the applicant's name is printed),
    anything else as text."""
    if r.status_code == 200 and r.mimetype == "application/pdf":
        from pypdf import PdfReader

        return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    return str(r.get_data().decode("utf-8", "replace"))


def _outsider(scene: Scene, who: str, method: str, template: str, allowed: set[str] | None,
              r: Any, where: str, text: str) -> list[str]:
    """Another province's principal: never an object of this province, never anything of
    it in the answer, never what the role may not do."""
    failures = []
    sent = scene.path(template)  # an answer may repeat what was asked for
    if any(marker in text for marker in (scene.code, scene.task_id, scene.world.province)
           if marker not in sent):
        failures.append(f"{where} shows something of another province")
    # A path naming an object reaches this province's object, except a PUT, which makes
    # (or replaces) the outsider's own under the same id, and a command on a process version,
    # which acts on the outsider's own version deployed earlier under the same key (the
    # record of this province's versions is checked at the end).
    names_object = "{" in template and method != "put" and not (
        method == "post" and template.startswith("/api/v1/process-definitions/{key}/"))
    if names_object and r.status_code not in REFUSED:
        failures.append(f"{where} (reached another province's object)")
    if allowed is not None and COUNTERPART[who] not in allowed \
            and r.status_code not in REFUSED:
        failures.append(f"{where} (the role may not do this anywhere)")
    return failures


def test_lists_show_each_client_only_its_own(scene: Scene) -> None:
    world = scene.world

    def codes(who: str) -> set[str]:
        r = world.client.get("/api/v1/dossiers?limit=200", headers=world.headers(who))
        assert r.status_code == 200, r.get_json()
        return {d["code"] for d in r.get_json()["items"]}

    assert scene.code in codes("client")
    assert scene.code not in codes("other_client")
    assert scene.code in codes("reception") and scene.code in codes("auditor")
    assert scene.code not in codes("other_unit_officer")
    assert json.dumps(sorted(codes("province2_auditor"))) == "[]"
