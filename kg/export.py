"""Export the graph to files other tools read: GraphML and GEXF (Gephi,
Cytoscape, yEd), node-link JSON, and CSV in the layout ``neo4j-admin database
import`` reads. The exact layout of each is in docs/schema.md ("Export
formats")."""

from __future__ import annotations

import io
import json
import math
import os
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter
from networkx.readwrite.graphml import GraphMLWriter

from . import schema as S
from .stores.networkx_store import _records

FORMATS = ("graphml", "gexf", "json", "csv")

# neo4j-admin's array delimiter for the CSV export: a control character, which
# kg removes from every text it reads, so no stored list item contains it.
ARRAY_DELIMITER = "\x1f"
# GEXF (and networkx's GEXF reader and writer) give these attribute names a
# meaning of their own; kg properties of these names are written as
# GEXF_PREFIX + name, and so is any property whose name already starts with
# GEXF_PREFIX, so that every GEXF attribute name maps back to one kg name.
GEXF_PREFIX = "kg_"
GEXF_NODE_RESERVED = frozenset(
    {"id", "label", "pid", "start", "end", "viz", "parents", "spells", "slices", "key", "networkx_key"}
)
GEXF_EDGE_RESERVED = frozenset(
    {"id", "label", "type", "weight", "start", "end", "viz", "spells", "slices", "key", "networkx_key"}
)

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# What XML 1.0 cannot carry at all: C0 controls other than tab, LF and CR, the
# non-characters U+FFFE and U+FFFF, and lone surrogates (not encodable in UTF-8).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _properties(d: dict) -> dict:
    """A node's or edge's stored properties: internal attributes and None
    (a property that is not there, as in Neo4j) left out."""
    return {k: v for k, v in d.items() if k != "__labels__" and v is not None}


def _scalar_kind(v: Any) -> str:
    """boolean, long (64-bit), double, string; "other" for anything else
    (lists, maps, integers beyond 64 bits)."""
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "long" if _INT64_MIN <= v <= _INT64_MAX else "other"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    return "other"


def display_name(d: dict, default: str = "") -> str:
    """What a person calls a node: an entity's (or author's, venue's) name, a
    paper's title, else its key."""
    for p in ("name", "title", S.KEY):
        v = d.get(p)
        if v is not None and str(v).strip():
            return str(v)
    return default


# -- GraphML and GEXF ----------------------------------------------------------


def _xml_text(s: str) -> str:
    return _XML_FORBIDDEN.sub("", s)


def _xml_kinds(records: Iterable[dict]) -> dict[str, str]:
    """One declared type per attribute name: the values' own type when they
    all have one (boolean, long, double, string), double when ints and floats
    mix, string for anything else (lists, mixed kinds)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for d in records:
        for k, v in d.items():
            seen[k].add(_scalar_kind(v))
    out = {}
    for k, kinds in seen.items():
        if len(kinds) == 1 and "other" not in kinds:
            out[k] = next(iter(kinds))
        elif kinds == {"long", "double"}:
            out[k] = "double"
        else:
            out[k] = "string"
    return out


def _xml_value(v: Any, kind: str) -> Any:
    """The value as its declared type: an int in a double attribute as a
    float; in a string attribute text as it is and anything else as JSON."""
    if kind == "double":
        return float(v)
    if kind == "string":
        return _xml_text(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
    return v


def _gexf_name(name: str, reserved: frozenset[str]) -> str:
    return GEXF_PREFIX + name if name in reserved or name.startswith(GEXF_PREFIX) else name


def _xml_graph(g: nx.MultiDiGraph, gexf: bool) -> nx.MultiDiGraph:
    """The graph as GraphML and GEXF take it: scalars of one type per
    attribute name, text XML 1.0 can hold, and for GEXF the display name as
    node label, the relationship type as edge label and kg properties with
    names GEXF reserves renamed."""

    def rename(d: dict, reserved: frozenset[str]) -> dict:
        names = ((_xml_text(str(k)), v) for k, v in d.items())
        return {(_gexf_name(k, reserved) if gexf else k): v for k, v in names}

    nodes = [(n, rename(_properties(d), GEXF_NODE_RESERVED)) for n, d in g.nodes(data=True)]
    edges = [(u, v, k, rename(_properties(d), GEXF_EDGE_RESERVED)) for u, v, k, d in g.edges(keys=True, data=True)]
    node_kinds = _xml_kinds(d for _, d in nodes)
    edge_kinds = _xml_kinds(d for *_, d in edges)
    graph_attrs = {k: v for k, v in _properties(g.graph).items() if k not in ("node_default", "edge_default", "id")}
    graph_kinds = _xml_kinds([graph_attrs])

    def conv(d: dict, kinds: dict[str, str]) -> dict:
        return {k: _xml_value(v, kinds[k]) for k, v in d.items()}

    def nid(n: Any) -> str:
        return _xml_text(str(n))

    h = nx.MultiDiGraph()
    if not gexf:
        h.graph.update(conv({_xml_text(str(k)): v for k, v in graph_attrs.items()}, graph_kinds))
    for (n, d), (_, orig) in zip(nodes, g.nodes(data=True), strict=True):
        attrs = conv(d, node_kinds)
        if gexf:
            attrs["label"] = _xml_text(display_name(orig, str(n)))
        h.add_nodes_from([(nid(n), attrs)])  # an attribute may be called anything, "key" included
    for u, v, k, d in edges:
        attrs = conv(d, edge_kinds)
        if gexf:
            attrs["label"] = _xml_text(str(k))
        h.add_edges_from([(nid(u), nid(v), _xml_text(str(k)), attrs)])
    return h


def export_graphml(g: nx.MultiDiGraph, out: Path) -> None:
    """GraphML, one ``<key>`` per attribute name. Read it back with
    ``nx.read_graphml(path, force_multigraph=True)``."""
    writer = GraphMLWriter(encoding="utf-8", prettyprint=True)
    writer.add_graph_element(_xml_graph(g, gexf=False))
    buf = io.BytesIO()
    writer.dump(buf)
    # ElementTree escapes CR in attribute values but writes it raw in element
    # text, where every XML parser turns it into LF; the only raw CR bytes in
    # the document are such text (the layout uses LF), so escape them here.
    out.write_bytes(buf.getvalue().replace(b"\r", b"&#13;"))


def export_gexf(g: nx.MultiDiGraph, out: Path) -> None:
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(_xml_graph(g, gexf=True))
    with out.open("wb") as f:
        writer.write(f)


# -- node-link JSON --------------------------------------------------------------


def export_json(g: nx.MultiDiGraph, out: Path) -> None:
    """The embedded store's own node-link layout (``kg-node-link``, version
    2), uncompressed: properties nested under ``properties``."""
    with out.open("w", encoding="utf-8") as f:
        chunk: list[str] = []
        for piece in _records(g):
            chunk.append(piece)
            if len(chunk) >= 5000:
                f.write("".join(chunk))
                chunk.clear()
        chunk.append("\n")
        f.write("".join(chunk))


# -- CSV for neo4j-admin database import ----------------------------------------

_ARRAY_KINDS = {"string[]", "long[]", "double[]", "boolean[]"}


def _csv_kind(v: Any) -> str:
    """neo4j-admin's type for one value; "[]" for an empty list (any array
    type), "json" for what Neo4j cannot store (maps, lists mixing types,
    integers beyond 64 bits), written as JSON text."""
    kind = _scalar_kind(v)
    if kind != "other":
        return kind
    if isinstance(v, list | tuple):
        if not v:
            return "[]"
        items = {_scalar_kind(x) for x in v}
        if len(items) == 1 and "other" not in items:
            return next(iter(items)) + "[]"
    return "json"


def _quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _double(x: float) -> str:
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(x)


def _bare(v: Any, kind: str) -> str | None:
    """A boolean, long or double as neo4j-admin reads it; None for other kinds."""
    if kind == "boolean":
        return "true" if v else "false"
    if kind == "long":
        return str(v)
    if kind == "double":
        return _double(v)
    return None


def _csv_item(x: Any, kind: str, where: str, name: str) -> str:
    if (bare := _bare(x, kind.removesuffix("[]"))) is not None:
        return bare
    if ARRAY_DELIMITER in x:
        raise ValueError(f"{where}: an item of {name!r} holds U+001F, the CSV export's array delimiter")
    return x


def _csv_field(v: Any, kind: str, where: str, name: str) -> str:
    """One field: a missing value is an empty field, text (even empty) is
    quoted, numbers and booleans are bare."""
    if v is None:
        return ""
    if (bare := _bare(v, kind)) is not None:
        return bare
    if kind in _ARRAY_KINDS:
        if list(v) == [""]:
            raise ValueError(f"{where}: {name!r} is [''], which neo4j-admin's array syntax cannot tell from []")
        return _quote(ARRAY_DELIMITER.join(_csv_item(x, kind, where, name) for x in v))
    if kind == "string":
        return _quote(v)
    return _quote(json.dumps(v, ensure_ascii=False))


def _header_name(name: str, kind: str, empty_text: bool) -> str:
    """``name`` for text that may be missing (an empty field is a missing
    value), ``name:string`` for text every row has (an empty field is the
    empty text), ``name:<type>`` for the rest."""
    if not name or ":" in name:
        raise ValueError(f"property name {name!r} cannot be a neo4j-admin header field (empty, or holds ':')")
    if kind == "json" or (kind == "string" and not empty_text):
        return name
    return f"{name}:{kind}"


def _header_line(fields: list[str]) -> str:
    return ",".join(_quote(f) if any(c in f for c in ',"\r\n') or f != f.strip() else f for f in fields) + "\n"


def _column_order(names: Iterable[str], schema_order: tuple[str, ...]) -> list[str]:
    names = set(names)
    first = [p for p in schema_order if p in names]
    return first + sorted(names - set(first))


def _csv_groups(rows: list[tuple[Any, dict]]) -> list[tuple[list[tuple[Any, dict]], dict[str, str]]]:
    """Split the rows of one label (or relationship type) into files so that
    each column has one type, and an empty field reads the same in
    neo4j-admin and in any CSV reader: a list column is set on every row of
    its file (an empty field is the empty list), and so is a text column that
    holds the empty text somewhere (the header says ``name:string``; in a
    bare ``name`` column an empty field is a missing value). Returns
    (rows, kind per property) per file, the largest first."""
    kinds: dict[str, set[str]] = defaultdict(set)
    present: Counter[str] = Counter()
    empty_text: set[str] = set()
    for _, d in rows:
        for k, v in d.items():
            kinds[k].add(_csv_kind(v))
            present[k] += 1
            if v == "":
                empty_text.add(k)

    def resolve(ks: set[str]) -> set[str]:
        arrays = ks & _ARRAY_KINDS
        if "[]" in ks:  # an empty list takes the array type of the others
            ks = (ks - {"[]"}) | (arrays if len(arrays) == 1 else {"string[]"})
        return ks

    column_kind: dict[str, str] = {}
    split: list[str] = []
    for k, ks in kinds.items():
        ks = resolve(ks)
        if len(ks) == 1:
            column_kind[k] = next(iter(ks))
        if len(ks) > 1 or (present[k] < len(rows) and (ks & _ARRAY_KINDS or k in empty_text)):
            split.append(k)
    split.sort()

    def kind_of(k: str, v: Any) -> str:
        kind = _csv_kind(v)
        return column_kind.get(k, "string[]") if kind == "[]" else kind

    grouped: dict[tuple, list[tuple[Any, dict]]] = defaultdict(list)
    for row in rows:
        d = row[1]
        grouped[tuple(kind_of(k, d[k]) if k in d else "" for k in split)].append(row)
    out = []
    for sig, members in sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        here = {k for _, d in members for k in d}
        kind = {k: column_kind[k] for k in here if k not in split}
        kind.update({k: s for k, s in zip(split, sig, strict=True) if s})
        out.append((members, kind))
    return out


def _file_name(prefix: str, name: str, i: int) -> str:
    return f"{prefix}_{name}.csv" if i == 0 else f"{prefix}_{name}.{i + 1}.csv"


def export_csv(g: nx.MultiDiGraph, out_dir: Path) -> list[Path]:
    """Node files ``nodes_<Label>[.N].csv`` (``id:ID``, properties, ``:LABEL``)
    and relationship files ``rels_<TYPE>[.N].csv`` (``:START_ID``,
    properties, ``:END_ID``, ``:TYPE``) with every property present, schema
    order first; list items joined by U+001F. The files of an earlier CSV
    export in ``out_dir`` are replaced (all at once, after the new ones are
    written). The import command is in docs/schema.md."""
    return replace_csv_files(out_dir, lambda tmp: _write_csv(g, tmp))


def replace_csv_files(out_dir: Path, write: Callable[[Path], list[str]]) -> list[Path]:
    """``write(tmp)`` writes the files of a CSV export into a new folder
    inside ``out_dir`` and returns their names; they then replace the
    ``nodes_*.csv`` and ``rels_*.csv`` files of an earlier export (all at
    once, after the new ones are written; the folder is removed either way)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir, prefix=".kg-export-"))
    try:
        names = write(tmp)
        for old in [*out_dir.glob("nodes_*.csv"), *out_dir.glob("rels_*.csv")]:
            old.unlink()
        for name in names:
            os.replace(tmp / name, out_dir / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out_dir / name for name in names]


def _write_csv(g: nx.MultiDiGraph, out_dir: Path) -> list[str]:
    written: list[str] = []

    def write(path: Path, header: list[str], lines: Iterator[str]) -> None:
        with path.open("w", encoding="utf-8", newline="") as f:
            f.write(_header_line(header))
            chunk: list[str] = []
            for line in lines:
                chunk.append(line)
                if len(chunk) >= 5000:
                    f.write("".join(chunk))
                    chunk.clear()
            f.write("".join(chunk))
        written.append(path.name)

    by_label: dict[str, list[tuple[Any, dict]]] = defaultdict(list)
    for n, d in g.nodes(data=True):
        by_label[d["label"]].append((n, {k: v for k, v in _properties(d).items() if k != "label"}))
    for label, rows in sorted(by_label.items()):
        for i, (members, kind) in enumerate(_csv_groups(rows)):
            cols = _column_order(kind, (S.KEY, *S.NODE_PROPERTIES.get(label, ())))
            # neo4j-admin stores an id:ID column as the property `id` too; nodes
            # with an `id` of their own keep theirs, under a nameless :ID
            header = [":ID" if "id" in kind else "id:ID", *_header(cols, kind, members), ":LABEL"]
            lines = (_line(str(n), _fields(d, cols, kind, str(n)), label) for n, d in members)
            write(out_dir / _file_name("nodes", label, i), header, lines)

    by_type: dict[str, list[tuple[Any, dict]]] = defaultdict(list)
    for u, v, k, d in g.edges(keys=True, data=True):
        by_type[str(k)].append(((u, v), {a: x for a, x in _properties(d).items() if a != "type"}))
    for rel, rows in sorted(by_type.items()):
        for i, (members, kind) in enumerate(_csv_groups(rows)):
            cols = _column_order(kind, S.REL_PROPERTIES.get(rel, ()))
            header = [":START_ID", *_header(cols, kind, members), ":END_ID", ":TYPE"]
            lines = (_line(str(u), _fields(d, cols, kind, f"{u} -[{rel}]-> {v}"), str(v), rel)
                     for (u, v), d in members)  # fmt: skip
            write(out_dir / _file_name("rels", rel, i), header, lines)
    return written


def _header(cols: list[str], kind: dict[str, str], members: list[tuple[Any, dict]]) -> list[str]:
    return [_header_name(c, kind[c], any(d.get(c) == "" for _, d in members)) for c in cols]


def _fields(d: dict, cols: list[str], kind: dict[str, str], where: str) -> list[str]:
    return [_csv_field(d.get(c), kind[c], where, c) for c in cols]


def _line(first: str, fields: list[str], *last: str) -> str:
    """A row: the id (or start id), the properties, then the label (or end
    id and type), ids and names quoted as text."""
    return ",".join([_quote(first), *fields, *(_quote(x) for x in last)]) + "\n"


def export(g: nx.MultiDiGraph, fmt: str, out: Path) -> list[Path]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    if fmt == "csv":
        return export_csv(g, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    {"graphml": export_graphml, "gexf": export_gexf, "json": export_json}[fmt](g, out)
    return [out]
