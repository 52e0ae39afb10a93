"""External entities in BPMN uploads, whatever their encoding.

What keeps a file's content or a network fetch out of a parse is the lxml parser's
settings (engine.bpmn.xml.PARSER_OPTIONS); the DOCTYPE scan only refuses earlier and more
clearly. These tests call the parser directly, the scan bypassed, and fail if the settings
change.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from engine.bpmn.xml import PARSER_OPTIONS, declares_doctype, parse_xml
from tests.listener import Listener, listening
from tests.unit.bpmn_helpers import ENCODINGS, entity_payload, errors_of

SECRET = "TOP-SECRET-b41d07"
KINDS = ["internal-subset", "external-dtd-file", "external-dtd-network"]


@pytest.fixture
def listener() -> Iterator[Listener]:
    with listening() as found:
        yield found


@pytest.fixture
def uris(tmp_path: Path, listener: Listener) -> dict[str, str]:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    dtd = tmp_path / "leak.dtd"
    dtd.write_text(f'<!ENTITY leak "{SECRET}">', encoding="utf-8")
    return {"secret_uri": secret.as_uri(), "dtd_uri": dtd.as_uri(), "url": listener.url}


@pytest.mark.parametrize("encoding", ["utf-8", *ENCODINGS])
@pytest.mark.parametrize("kind", KINDS)
def test_parser_expands_no_entity_and_loads_no_dtd(
        uris: dict[str, str], listener: Listener, kind: str, encoding: str) -> None:
    declared = "UTF-8" if encoding == "utf-8" else "UTF-16"
    payload = entity_payload(kind, **uris, declared=declared).encode(
        ENCODINGS.get(encoding, encoding))
    root = parse_xml(payload)  # the scan and the checks after the parse bypassed
    assert SECRET not in etree.tostring(root, encoding="unicode")
    assert root.getroottree().docinfo.externalDTD is None
    assert listener.seen() == 0


def test_parser_settings_keep_the_network_off(uris: dict[str, str], listener: Listener) -> None:
    """libxml2 2.14 has no network client left, so the listener alone cannot notice
    `no_network` going away; a build against an older libxml2 would fetch."""
    assert {k: PARSER_OPTIONS[k] for k in ("resolve_entities", "load_dtd", "no_network")} == {
        "resolve_entities": False, "load_dtd": False, "no_network": True}
    relaxed = etree.XMLParser(**{**PARSER_OPTIONS, "resolve_entities": True, "load_dtd": True})
    for kind in ("internal-subset", "external-dtd-network"):
        try:
            etree.fromstring(entity_payload(kind, **uris).encode("utf-16"), relaxed)
        except etree.XMLSyntaxError:
            pass  # the network refused is a parse error here
    assert listener.seen() == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-32", "cp037", *ENCODINGS])
def test_the_scan_reads_doctypes_in_any_encoding(uris: dict[str, str], encoding: str) -> None:
    codec = ENCODINGS.get(encoding, encoding)
    for kind in KINDS:
        assert declares_doctype(entity_payload(kind, **uris).encode(codec))
    plain = entity_payload("external-dtd-network", **uris).split("\n", 2)
    assert not declares_doctype(f"{plain[0]}\n{plain[2]}".encode(codec))


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("kind", KINDS)
def test_utf16_doctype_is_refused_at_compile(
        uris: dict[str, str], listener: Listener, kind: str, encoding: str) -> None:
    [error] = errors_of(entity_payload(kind, **uris).encode(ENCODINGS[encoding]))
    assert error["element"] == "cap_phep.bpmn" and "DOCTYPE" in error["message"]
    assert SECRET not in error["message"]
    assert listener.seen() == 0
