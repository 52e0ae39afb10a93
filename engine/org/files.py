"""Reading an organisation file (`motcua org import`): units and principals as rows, each
knowing the file and line it came from.

CSV: one kind of row per file, told by the header: `code,name,kind,parent` for units,
`name,role,unit,position` for principals (columns in any order; the optional ones may be
left out; an unknown column is refused). YAML: a mapping with a `units` list and/or a
`principals` list of mappings with the same keys. YAML anchors and aliases are refused (an
alias can multiply a small file into a huge one), as are files over `MAX_BYTES`.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import yaml

MAX_BYTES = 20_000_000
COLUMNS = {"unit": (("code", "name", "kind"), ("parent",)),
           "principal": (("name", "role"), ("unit", "position"))}
SECTIONS = {"units": "unit", "principals": "principal"}


@dataclass(frozen=True)
class Row:
    where: str  # "units.csv:7": the file and line, for messages
    kind: str  # "unit" or "principal"
    fields: dict[str, str | None]


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message names the file and line."""


def parse(name: str, text: str) -> list[Row]:
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise FileProblem(f"{name}: larger than {MAX_BYTES // 1_000_000} MB")
    if name.lower().endswith((".yaml", ".yml")):
        return _yaml(name, text)
    return _csv(name, text)


def _csv(name: str, text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, [])]
    kind = "unit" if "code" in header else "principal" if "role" in header else None
    if kind is None:
        raise FileProblem(f"{name}:1: the header names neither units (code,name,kind,parent) "
                          "nor principals (name,role,unit,position)")
    required, optional = COLUMNS[kind]
    unknown = [h for h in header if h not in required + optional]
    missing = [h for h in required if h not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise FileProblem(f"{name}:1: columns must be {', '.join(required + optional)} "
                          f"(unknown: {', '.join(unknown) or '-'}; missing: "
                          f"{', '.join(missing) or '-'})")
    rows = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise FileProblem(f"{name}:{line}: {len(values)} values for {len(header)} columns")
        rows.append(Row(f"{name}:{line}", kind,
                        {h: (v.strip() or None) for h, v in zip(header, values, strict=True)}))
    return rows


def _yaml(name: str, text: str) -> list[Row]:
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise FileProblem(f"{name}:{line}: YAML anchors and aliases are not accepted")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise FileProblem(f"{name}: not YAML: {exc}") from exc
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise FileProblem(f"{name}:1: expected a mapping with units and/or principals")
    rows = []
    for key_node, value_node in root.value:
        section = key_node.value
        if section not in SECTIONS:
            raise FileProblem(f"{name}:{key_node.start_mark.line + 1}: unknown section "
                              f"{section!r}; expected units, principals")
        if not isinstance(value_node, yaml.SequenceNode):
            raise FileProblem(f"{name}:{value_node.start_mark.line + 1}: {section} must be a list")
        kind = SECTIONS[section]
        required, optional = COLUMNS[kind]
        for item in value_node.value:
            where = f"{name}:{item.start_mark.line + 1}"
            if not isinstance(item, yaml.MappingNode):
                raise FileProblem(f"{where}: each of {section} must be a mapping")
            fields: dict[str, str | None] = {}
            for k, v in item.value:
                if k.value not in required + optional:
                    raise FileProblem(f"{where}: unknown key {k.value!r}; expected "
                                      f"{', '.join(required + optional)}")
                if not isinstance(v, yaml.ScalarNode):
                    raise FileProblem(f"{where}: {k.value} must be a single value")
                # The text as written: a code such as 000.00.06.H56 stays as it is.
                null = v.tag.endswith(":null") or not v.value.strip()
                fields[k.value] = None if null else v.value.strip()
            rows.append(Row(where, kind, fields))
    return rows
