"""Safe parsing of uploaded BPMN documents and small helpers over the lxml tree.

Uploads come from outside: we never let libxml2 load a DTD, expand an entity or touch the
network, and we refuse any DOCTYPE at all (a BPMN file never needs one, and every XML
bomb starts with one).
"""

from __future__ import annotations

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


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )


def parse_safely(
    xml: bytes, *, filename: str, max_bytes: int, problems: Problems
) -> etree._Element | None:
    """Parse `xml` into a tree, or record why not in `problems` and return None."""
    if len(xml) > max_bytes:
        problems.add(filename, f"file is {len(xml)} bytes, larger than the limit of {max_bytes}")
        return None
    # A cheap scan catches DOCTYPEs in ASCII-compatible encodings before libxml2 reads the
    # internal subset at all; the docinfo check below catches the rest (e.g. UTF-16).
    head = xml.upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        problems.add(filename, "DOCTYPE and entity declarations are not allowed in BPMN uploads")
        return None
    try:
        root = etree.fromstring(xml, _safe_parser())
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
