"""engine.bpmn.compile_bpmn: hostile or broken uploads are refused before SpiffWorkflow sees them."""

from __future__ import annotations

import pytest

from engine.bpmn import compile_bpmn
from engine.errors import BpmnInvalid
from tests.unit.bpmn_helpers import FORM, VALID_BODY, elements, errors_of, process

# --- hostile or broken uploads -------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<bpmn:process id="p" name="&lol3;"/></bpmn:definitions>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<bpmn:process id="p" name="&xxe;"/></bpmn:definitions>"""
PLAIN_DOCTYPE = b"""<?xml version="1.0"?><!DOCTYPE definitions>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>"""


@pytest.mark.parametrize(
    "payload",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, PLAIN_DOCTYPE, BILLION_LAUGHS.decode().encode("utf-16")],
)
def test_doctype_payloads_are_refused(payload: bytes) -> None:
    [error] = errors_of(payload)
    assert error["element"] == "cap_phep.bpmn"
    assert "DOCTYPE" in error["message"]
    assert "lollol" not in error["message"] and "root:" not in error["message"]


def test_oversize_is_refused_before_parsing() -> None:
    [error] = errors_of(b"<" * 2000, max_bytes=1000)
    assert error["element"] == "cap_phep.bpmn" and "1000" in error["message"]


def test_malformed_xml_names_file_and_line() -> None:
    [error] = errors_of(b'<?xml version="1.0"?>\n<a>\n<b></a>')
    assert error["element"] == "cap_phep.bpmn" and "line 3" in error["message"]


def test_not_bpmn() -> None:
    [error] = errors_of(b"<html/>")
    assert error["element"] == "cap_phep.bpmn" and "definitions" in error["message"]


def test_checker_crash_is_still_an_element_error() -> None:
    def crashing(source: str, mode: str) -> str | None:
        raise RuntimeError("sandbox down")

    with pytest.raises(BpmnInvalid) as info:
        compile_bpmn(process(VALID_BODY), forms={"review.json": FORM}, check_code=crashing)
    assert {"f_yes", "issue"} <= elements(info.value.errors)
