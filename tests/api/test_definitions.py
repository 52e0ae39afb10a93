"""Deploying, validating and browsing process definitions over HTTP."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.helpers import TWO_STEPS, assert_problem, post_bpmn, two_steps_forms
from tests.listener import listening
from tests.unit.bpmn_helpers import ENCODINGS, entity_payload

API = "/api/v1/process-definitions"


def _two_steps(**replace: str) -> bytes:
    xml = TWO_STEPS.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in xml, old
        xml = xml.replace(old, new)
    return xml.encode("utf-8")


# A minimal valid diagram whose one script task and one condition can be swapped out.
MINIMAL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
    targetNamespace="http://example.org/motcua-tests">
  <bpmn:process id="minimal" name="Minimal" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="calc" name="Calc"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>SCRIPT</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="f4"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="yes"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="no"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calc"/>
    <bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="gw"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="yes">
      <bpmn:conditionExpression>CONDITION</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="no"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _minimal(script: str = "x = 1", condition: str = "x == 1") -> bytes:
    return MINIMAL.replace("SCRIPT", script).replace("CONDITION", condition).encode("utf-8")


def _catalogue(world: Any, key: str | None = None) -> Any:
    return world.client.get(f"{API}/{key}" if key else API, headers=world.headers("auditor"))


# -- deploying and re-deploying ---------------------------------------------------------

def test_deploy_creates_version_one(world: Any) -> None:
    r = post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms())
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["key"] == "two_steps"
    assert body["version"] == 1
    assert body["created"] is True
    assert body["name"] == "Two steps"
    assert body["forms"] == ["appraise.json", "receive.json"]
    assert len(body["content_hash"]) == 64


def test_identical_content_is_not_reversioned(world: Any) -> None:
    first = post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms()).get_json()
    again = post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms())
    assert again.status_code == 200
    body = again.get_json()
    assert body["created"] is False
    assert body["version"] == first["version"] == 1
    assert body["content_hash"] == first["content_hash"]
    assert [d["version"] for d in _catalogue(world, "two_steps").get_json()] == [1]


def test_changed_content_makes_version_two(world: Any) -> None:
    assert post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    changed = _two_steps(**{'name="Compute fee"': 'name="Compute the fee"'})
    r = post_bpmn(world, changed, two_steps_forms())
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["version"] == 2
    assert r.get_json()["created"] is True
    # A changed form alone is new content too.
    forms = two_steps_forms()
    forms["appraise.json"] = forms["appraise.json"].replace(b'"maxLength": 500', b'"maxLength": 600')
    r = post_bpmn(world, changed, forms)
    assert r.status_code == 201 and r.get_json()["version"] == 3


def test_deploy_is_per_province(world: Any) -> None:
    """Another province deploying the same key starts its own version 1 and sees only it."""
    from engine.services.org.auth import create_principal

    assert post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    assert post_bpmn(world, _two_steps(**{'name="Receive"': 'name="Tiếp nhận"'}),
                     two_steps_forms()).status_code == 201
    _, token = create_principal(world.ctx, name="other", role="designer",
                                province=world.province + "x")
    world.tokens["other"] = token
    r = post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms(), who="other")
    assert r.status_code == 201 and r.get_json()["version"] == 1
    listed = world.client.get(API, headers=world.headers("other")).get_json()
    assert [(d["key"], d["version"]) for d in listed] == [("two_steps", 1)]


# -- browsing ---------------------------------------------------------------------------

def test_catalogue_lists_every_version(world: Any) -> None:
    post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms())
    post_bpmn(world, _two_steps(**{'name="Appraise"': 'name="Thẩm định"'}), two_steps_forms())
    post_bpmn(world, _minimal())
    r = _catalogue(world)
    assert r.status_code == 200
    assert [(d["key"], d["version"]) for d in r.get_json()] == [
        ("minimal", 1), ("two_steps", 1), ("two_steps", 2)]

    r = _catalogue(world, "two_steps")
    assert r.status_code == 200
    versions = r.get_json()
    assert [d["version"] for d in versions] == [1, 2]
    assert all(d["key"] == "two_steps" for d in versions)
    assert versions[0]["content_hash"] != versions[1]["content_hash"]


def test_unknown_key_is_404(world: Any) -> None:
    assert_problem(_catalogue(world, "no_such_process"), 404, "not-found")


def test_bpmn_as_deployed(world: Any) -> None:
    post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms())
    post_bpmn(world, _two_steps(**{'name="Appraise"': 'name="Thẩm định"'}), two_steps_forms())
    h = world.headers("auditor")
    v1 = world.client.get(f"{API}/two_steps/versions/1/bpmn", headers=h)
    assert v1.status_code == 200
    assert v1.mimetype == "application/xml"
    text = v1.get_data(as_text=True)
    assert 'id="two_steps"' in text and 'name="Appraise"' in text
    v2 = world.client.get(f"{API}/two_steps/versions/2/bpmn", headers=h)
    assert v2.status_code == 200
    assert 'name="Thẩm định"' in v2.get_data(as_text=True)
    assert_problem(world.client.get(f"{API}/two_steps/versions/3/bpmn", headers=h),
                   404, "not-found")
    # Version 0 is not "the latest", and numbers beyond the column are no version at all.
    for version in (0, 2**31, 199186709275302297600):
        assert_problem(world.client.get(f"{API}/two_steps/versions/{version}/bpmn",
                                        headers=h), 404, "not-found")


# -- validate ---------------------------------------------------------------------------

def test_validate_stores_nothing(world: Any) -> None:
    r = post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms(), path=f"{API}/validate")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["valid"] is True
    assert body["key"] == "two_steps"
    assert {t["element_id"] for t in body["user_tasks"]} == {"receive", "appraise"}
    assert {t["form"] for t in body["user_tasks"]} == {"receive.json", "appraise.json"}
    assert _catalogue(world).get_json() == []
    assert_problem(_catalogue(world, "two_steps"), 404, "not-found")
    # ...and deploying afterwards still makes version 1.
    assert post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms()).get_json()["version"] == 1


def test_validate_reports_the_same_errors(world: Any) -> None:
    r = post_bpmn(world, TWO_STEPS.read_bytes(), {}, path=f"{API}/validate")
    body = assert_problem(r, 422, "bpmn-invalid")
    assert body["errors"]
    assert _catalogue(world).get_json() == []


# -- invalid diagrams -------------------------------------------------------------------

DOCTYPE_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE bpmn:definitions [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
    targetNamespace="http://example.org/motcua-tests">
  <bpmn:process id="xxe" name="&xxe;&lol2;" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

INVALID = {
    "malformed-xml": (TWO_STEPS.read_bytes()[:-40], True),
    "not-xml-at-all": (b"this is not a diagram", True),
    "missing-form-file": (TWO_STEPS.read_bytes(), False),
    "script-imports-os": (_minimal(script="x = __import__('os').getcwd()"), True),
    "condition-walks-subclasses": (
        _minimal(condition="len(().__class__.__base__.__subclasses__()) &gt; 0"), True),
    "script-reads-dunder": (_minimal(script="x = (1).__class__"), True),
    "doctype-entities": (DOCTYPE_ENTITY, True),
}


@pytest.mark.parametrize("case", sorted(INVALID))
@pytest.mark.parametrize("path", [API, f"{API}/validate"], ids=["deploy", "validate"])
def test_invalid_diagram_is_422_with_element_errors(world: Any, case: str, path: str) -> None:
    xml, with_forms = INVALID[case]
    r = post_bpmn(world, xml, two_steps_forms() if with_forms else {}, path=path)
    body = assert_problem(r, 422, "bpmn-invalid")
    assert body["detail"]
    assert body["errors"], body
    for item in body["errors"]:
        assert item.get("element"), item
        assert item.get("message"), item
    assert _catalogue(world).get_json() == []
    if case == "doctype-entities":
        assert "root:" not in r.get_data(as_text=True)  # /etc/passwd never leaks


@pytest.mark.parametrize("kind", ["internal-subset", "external-dtd-file", "external-dtd-network"])
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("path", [API, f"{API}/validate"], ids=["deploy", "validate"])
def test_utf16_doctype_with_external_entities_is_refused(
        world: Any, tmp_path: Path, kind: str, encoding: str, path: str) -> None:
    secret = "TOP-SECRET-e90c12"
    (tmp_path / "secret.txt").write_text(secret, encoding="utf-8")
    (tmp_path / "leak.dtd").write_text(f'<!ENTITY leak "{secret}">', encoding="utf-8")
    with listening() as listener:
        payload = entity_payload(kind, secret_uri=(tmp_path / "secret.txt").as_uri(),
                                 dtd_uri=(tmp_path / "leak.dtd").as_uri(), url=listener.url)
        r = post_bpmn(world, payload.encode(ENCODINGS[encoding]), path=path)
        body = assert_problem(r, 422, "bpmn-invalid")
        assert [e["element"] for e in body["errors"]] == ["diagram.bpmn"]
        assert "DOCTYPE" in body["errors"][0]["message"]
        assert secret not in r.get_data(as_text=True)
        assert listener.seen() == 0
    assert _catalogue(world).get_json() == []


def test_missing_form_names_the_task(world: Any) -> None:
    r = post_bpmn(world, TWO_STEPS.read_bytes(), {"receive.json": two_steps_forms()["receive.json"]})
    body = assert_problem(r, 422, "bpmn-invalid")
    named = " ".join(f"{e['element']} {e['message']}" for e in body["errors"])
    assert "appraise" in named


def test_sandbox_refusals_name_the_element(world: Any) -> None:
    body = assert_problem(post_bpmn(world, _minimal(script="x = __import__('os').getcwd()")),
                          422, "bpmn-invalid")
    assert "calc" in {e["element"] for e in body["errors"]}
    body = assert_problem(post_bpmn(world, _minimal(
        condition="len(().__class__.__base__.__subclasses__()) &gt; 0")), 422, "bpmn-invalid")
    assert "f3" in {e["element"] for e in body["errors"]}


def test_minimal_valid_diagram_deploys(world: Any) -> None:
    """The base of the sandbox cases is itself valid: the 422s come from the payloads."""
    r = post_bpmn(world, _minimal())
    assert r.status_code == 201, r.get_json()


# -- the upload itself ------------------------------------------------------------------

def test_missing_bpmn_field_names_it(world: Any) -> None:
    r = world.client.post(API, data={"forms": []}, headers=world.headers("designer"),
                          content_type="multipart/form-data")
    body = assert_problem(r, 422, "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["bpmn"]


def test_missing_bpmn_field_on_validate(world: Any) -> None:
    r = world.client.post(f"{API}/validate", data={}, headers=world.headers("designer"),
                          content_type="multipart/form-data")
    body = assert_problem(r, 422, "invalid-input")
    assert "bpmn" in {e["field"] for e in body["errors"]}


# -- who may deploy ---------------------------------------------------------------------

@pytest.mark.parametrize("who", ["officer", "client", "auditor"])
def test_only_designers_and_admins_deploy(world: Any, who: str) -> None:
    r = post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms(), who=who)
    assert_problem(r, 403, "forbidden")
    r = post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms(), who=who,
                  path=f"{API}/validate")
    assert_problem(r, 403, "forbidden")
    assert _catalogue(world).get_json() == []


def test_admin_may_deploy(world: Any) -> None:
    assert post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms(),
                     who="admin").status_code == 201


def test_no_token_is_401(world: Any) -> None:
    r = world.client.post(API, data={}, content_type="multipart/form-data")
    assert_problem(r, 401, "unauthenticated")
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert_problem(world.client.get(API), 401, "unauthenticated")
    assert_problem(world.client.get(f"{API}/two_steps/versions/1/bpmn"), 401, "unauthenticated")
    r = world.client.get(API, headers={"Authorization": "Bearer mc_not-a-real-token"})
    assert_problem(r, 401, "unauthenticated")


def test_whole_file_errors_name_the_uploaded_file(world: Any) -> None:
    import io

    r = world.client.post("/api/v1/process-definitions",
                          data={"bpmn": (io.BytesIO(b"<bpmn:definitions"), "ho_tich.bpmn")},
                          headers=world.headers("designer"), content_type="multipart/form-data")
    body = assert_problem(r, 422, "bpmn-invalid")
    assert [e["element"] for e in body["errors"]] == ["ho_tich.bpmn"]
