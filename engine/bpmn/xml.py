"""Safe parsing of uploaded BPMN documents and small helpers over the lxml tree.

Uploads come from outside: we never let libxml2 load a DTD, expand an entity or touch the
network, and we refuse any DOCTYPE at all (a BPMN file never needs one, and every XML
bomb starts with one).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from lxml import etree

from engine.bpmn.problems import Problems

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ACTIVITI_NS = "http://activiti.org/bpmn"
# Our own attributes in normalised XML (BPMN allows foreign attributes everywhere).
MOTCUA_NS = "https://motcua.gov.vn/bpmn/1.0"
NSMAP = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "spiffworkflow": SPIFF_NS}


def bpmn_tag(local: str) -> str:
    """The Clark-notation tag of a BPMN model element, e.g. ``{...MODEL}userTask``."""
    return f"{{{BPMN_NS}}}{local}"


def local_name(el: etree._Element) -> str:
    """The tag without its namespace ("" for comments and processing instructions)."""
    if not isinstance(el.tag, str):
        return ""
    return str(etree.QName(el).localname)


def is_bpmn(el: etree._Element, *names: str) -> bool:
    """True if `el` is a BPMN model element with one of the given local names."""
    return (
        isinstance(el.tag, str)
        and el.tag.startswith(f"{{{BPMN_NS}}}")
        and (not names or local_name(el) in names)
    )


def xpath(el: etree._Element | etree._ElementTree, path: str) -> list[etree._Element]:
    """Run `path` with the bpmn/bpmndi/spiffworkflow prefixes bound; elements only."""
    return [e for e in el.xpath(path, namespaces=NSMAP) if isinstance(e, etree._Element)]


def text_of(el: etree._Element | None) -> str:
    """The stripped text of an element, "" if absent."""
    if el is None or el.text is None:
        return ""
    return str(el.text).strip()


def owner_id(el: etree._Element) -> str | None:
    """The id of `el` or of its nearest ancestor that has one."""
    cur: etree._Element | None = el
    while cur is not None:
        found = cur.get("id")
        if found:
            return str(found)
        cur = cur.getparent()
    return None


def element_at_line(root: etree._Element, line: int | None) -> str | None:
    """The id of the element starting at `line` (or the nearest one with an id above it).

    libxml2 reports schema and syntax problems by line only; users need an element id.
    """
    if not line:
        return None
    best: etree._Element | None = None
    for el in _elements(root):
        if el.sourceline is None or el.sourceline > line:
            continue
        if best is None or el.sourceline >= (best.sourceline or 0):
            best = el
    return owner_id(best) if best is not None else None


def _elements(root: etree._Element) -> Iterator[etree._Element]:
    return (e for e in root.iter() if isinstance(e.tag, str))


# What keeps external entities, DTDs and the network out of a parse is these settings, which
# hold whatever the encoding; the DOCTYPE scan before them only refuses earlier and clearer.
# libxml2 2.14 has no network client left, but a build against an older one would fetch.
PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
}


def parse_xml(xml: bytes) -> etree._Element:
    """Parse `xml` with the safe settings alone: no size cap, no DOCTYPE scan, no check of
    the result (parse_safely adds them). Raises what lxml raises."""
    return etree.fromstring(xml, etree.XMLParser(**PARSER_OPTIONS))


# Byte order marks, longest first, and without one how "<?" starts in the encodings an XML
# parser detects by itself (XML 1.0, appendix F).
_BOMS = [(codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be")]
_SIGNATURES = [(b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
               (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"),
               (b"\x4c\x6f\xa7\x94", "cp037")]
_DECLARED = re.compile(
    rb"<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._-]{0,40})[\"']")
_DECLARATIONS = ("<!DOCTYPE", "<!ENTITY")


def declares_doctype(xml: bytes) -> bool:
    """True if `xml` holds a DOCTYPE or entity declaration, read as bytes and, when its byte
    order mark, first bytes or XML declaration name an encoding that writes them otherwise
    (UTF-16, UTF-32, EBCDIC, ...), as text in that encoding too."""
    head = xml.upper()
    if any(d.encode("ascii") in head for d in _DECLARATIONS):
        return True
    encoding = _encoding_of(xml)
    if encoding is None or "<!DOCTYPE".encode(encoding, errors="replace") == b"<!DOCTYPE":
        return False
    text = xml.decode(encoding, errors="replace").upper()
    return any(d in text for d in _DECLARATIONS)


def _encoding_of(xml: bytes) -> str | None:
    for prefix, name in [*_BOMS, *_SIGNATURES]:
        if xml.startswith(prefix):
            return name
    declared = _DECLARED.match(xml)
    if declared is None:
        return None
    name = declared.group(1).decode("ascii")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def parse_safely(
    xml: bytes, *, filename: str, max_bytes: int, problems: Problems
) -> etree._Element | None:
    """Parse `xml` into a tree, or record why not in `problems` and return None."""
    if len(xml) > max_bytes:
        problems.add(filename, f"file is {len(xml)} bytes, larger than the limit of {max_bytes}")
        return None
    # A cheap scan refuses DOCTYPEs before libxml2 reads the internal subset at all; the
    # docinfo check below catches whatever it misses.
    if declares_doctype(xml):
        problems.add(filename, "DOCTYPE and entity declarations are not allowed in BPMN uploads")
        return None
    try:
        root = parse_xml(xml)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno is not None else "?"
        problems.add(filename, f"malformed XML at line {line}: {exc.msg}")
        return None
    except (ValueError, etree.LxmlError) as exc:
        problems.add(filename, f"malformed XML: {exc}")
        return None
    if root is None:
        problems.add(filename, "the file is empty")
        return None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        problems.add(filename, "DOCTYPE and entity declarations are not allowed in BPMN uploads")
        return None
    if root.tag != bpmn_tag("definitions"):
        problems.add(
            filename, f"root element is {root.tag!r}, expected BPMN 2.0 <definitions> ({BPMN_NS})"
        )
        return None
    return root
