"""``kg export``: every format is written by the CLI in a new process from a
real built graph, read back here with the reader other tools use
(nx.read_graphml, nx.read_gexf, json, csv) and compared, property by property
and type by type, with the graph the store holds. The encoding rules the
comparisons apply are the ones docs/schema.md ("Export formats") documents."""

from __future__ import annotations

import csv
import gzip
import json
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from conftest import SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import schema as S
from kg.export import export
from kg.stores.networkx_store import load_graph, save_graph

ROOT = Path(__file__).resolve().parents[1]
S2_BATCH = ROOT / "tests" / "data" / "citations" / "s2_batch.json"
SEED = SHARED / "seeds" / "000_3bbded2933c22dc6.txt"
DOCS = ROOT / "docs" / "schema.md"
FORMATS = ("graphml", "gexf", "json", "csv")

# Papers whose text is hard on file formats: quotes, delimiters, markup,
# scripts, emoji; authors with ";" and "," in their names.
HOSTILE_PAPERS = [
    {"id": "hostile-1", "title": 'Quotes "double" and \'single\', commas; semicolons & <xml/> — 数据集 😀 עברית',
     "abstract": "We propose FooNet; it outperforms BERT on ImageNet with 91.5% accuracy.",
     "authors": ["Doe; Jane", "O'Brien, Pat", "Ünïcödé Ñame"], "year": 2024, "doi": "10.1234/ABC;DEF",
     "venue": 'Conf, "Quoted"'},
    {"id": "hostile-2", "title": "A title with\ttabs and   spaces ‮reversed‬ and e\u0301 combining",
     "abstract": "", "authors": []},
]  # fmt: skip

# -- running kg ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _rule_extractor(monkeypatch):
    """These tests are about storage, not extraction: they and their `kg` processes use the
    fast rule extractor as the default (KG_EXTRACTOR); the trained one is tested in test_trained.py and test_build.py."""
    monkeypatch.setenv("KG_EXTRACTOR", "rules")


def kg(*args: str) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return p


def export_all(graph_dir: Path, out: Path) -> dict[str, Path]:
    paths = {}
    for fmt in FORMATS:
        paths[fmt] = out / ("csv" if fmt == "csv" else f"graph.{fmt}")
        kg("export", "--graph", str(graph_dir), "--format", fmt, "-o", str(paths[fmt]))
    return paths


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[nx.MultiDiGraph, dict[str, Path]]:
    """A graph built by ``kg build`` from Semantic Scholar records (CITES
    with a ``source`` property), a seed listing and hostile papers, and its
    four exports, each written by ``kg export``."""
    tmp = tmp_path_factory.mktemp("export")
    hostile = tmp / "hostile.jsonl"
    hostile.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in HOSTILE_PAPERS), encoding="utf-8")
    kg("build", str(S2_BATCH), str(SEED), str(hostile), "--out", str(tmp / "g"))
    return load_graph(tmp / "g" / "graph.json.gz"), export_all(tmp / "g", tmp)


def stored_export(g: nx.MultiDiGraph, tmp: Path) -> dict[str, Path]:
    """Store a hand-made graph as kg does and export it with the CLI."""
    (tmp / "g").mkdir(parents=True, exist_ok=True)
    save_graph(g, tmp / "g" / "graph.json.gz")
    return export_all(tmp / "g", tmp)


def add_node(g: nx.MultiDiGraph, label: str, key: str, **props) -> str:
    nid = S.node_id(label, key)
    g.add_node(nid, label=label, key=key, __labels__={label}, **props)
    return nid


def add_edge(g: nx.MultiDiGraph, u: str, v: str, rel: str, **props) -> None:
    g.add_edges_from([(u, v, rel, {"type": rel, "__labels__": {rel}, **props})])


# -- comparing ----------------------------------------------------------------------


def props(d: dict) -> dict:
    """What the store holds of a node or edge: None is no value, as in Neo4j."""
    return {k: v for k, v in d.items() if k != "__labels__" and v is not None}


def same(a, b) -> bool:
    """Equal and of the same type, all the way down (90 is not 90.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def assert_same(got: dict, want: dict, where) -> None:
    assert got.keys() == want.keys(), (where, sorted(got.keys() ^ want.keys()))
    for k in want:
        assert same(got[k], want[k]), (where, k, got[k], want[k])


def labels(g: nx.MultiDiGraph) -> Counter:
    return Counter(d["label"] for _, d in g.nodes(data=True))


def types(g: nx.MultiDiGraph) -> Counter:
    return Counter(k for *_, k in g.edges(keys=True))


# -- the documented XML encoding ------------------------------------------------------

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_kind(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int" if -(2**63) <= v < 2**63 else "other"
    if isinstance(v, float):
        return "float"
    return "str" if isinstance(v, str) else "other"


def xml_expected(records: list[dict]) -> list[dict]:
    """docs/schema.md: one type per attribute name; ints among floats are
    floats; lists and mixed kinds are text (text as is, the rest JSON);
    characters XML 1.0 cannot hold are dropped."""
    seen: dict[str, set] = {}
    for d in records:
        for k, v in d.items():
            seen.setdefault(k, set()).add(xml_kind(v))
    kind = {}
    for k, ks in seen.items():
        kind[k] = (
            next(iter(ks)) if len(ks) == 1 and "other" not in ks else "float" if ks == {"int", "float"} else "text"
        )

    def enc(v, kd):
        if kd == "float":
            return float(v)
        if kd in ("text", "str"):
            return XML_FORBIDDEN.sub("", v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
        return v

    return [{XML_FORBIDDEN.sub("", k): enc(v, kind[k]) for k, v in d.items()} for d in records]


def display(d: dict) -> str:
    for p in ("name", "title", "key"):
        if d.get(p) is not None and str(d[p]).strip():
            return str(d[p])
    return ""


def check_graphml(g: nx.MultiDiGraph, path: Path) -> None:
    doc = ET.parse(path).getroot()
    declared = Counter(
        (k.get("for"), k.get("attr.name")) for k in doc.iter("{http://graphml.graphdrawing.org/xmlns}key")
    )
    assert all(n == 1 for n in declared.values()), [k for k, n in declared.items() if n > 1]
    h = nx.read_graphml(path, force_multigraph=True)
    assert h.number_of_nodes() == g.number_of_nodes() and h.number_of_edges() == g.number_of_edges()
    nodes = list(g.nodes(data=True))
    for (n, _), want in zip(nodes, xml_expected([props(d) for _, d in nodes]), strict=True):
        assert_same(h.nodes[XML_FORBIDDEN.sub("", n)], want, n)
    edges = list(g.edges(keys=True, data=True))
    for (u, v, k, _), want in zip(edges, xml_expected([props(d) for *_, d in edges]), strict=True):
        u, v, k = (XML_FORBIDDEN.sub("", x) for x in (u, v, k))
        assert_same(h.edges[u, v, k], want, (u, v, k))
    assert Counter(d["label"] for _, d in h.nodes(data=True)) == labels(g)
    assert Counter(d["type"] for *_, d in h.edges(data=True)) == types(g)


def ungexf(name: str) -> str:
    return name.removeprefix("kg_")


def check_gexf(g: nx.MultiDiGraph, path: Path) -> None:
    ns = "{http://www.gexf.net/1.2draft}"
    doc = ET.parse(path).getroot()
    edge_ids = [e.get("id") for e in doc.iter(f"{ns}edge")]
    assert len(edge_ids) == len(set(edge_ids)) == g.number_of_edges()
    assert {e.get("type", "directed") for e in doc.iter(f"{ns}edge")} <= {"directed"}  # GEXF's own edge type
    for cls in ("node", "edge"):
        titles = [a.get("title") for s in doc.iter(f"{ns}attributes") if s.get("class") == cls for a in s]
        assert len(titles) == len(set(titles)), titles
    h = nx.read_gexf(path)  # a DiGraph when no two edges join the same nodes
    assert h.number_of_nodes() == g.number_of_nodes() and h.number_of_edges() == g.number_of_edges()
    nodes = list(g.nodes(data=True))
    for (n, d), want in zip(nodes, xml_expected([props(d) for _, d in nodes]), strict=True):
        got = dict(h.nodes[XML_FORBIDDEN.sub("", n)])
        assert got.pop("label") == XML_FORBIDDEN.sub("", display(d) or n), n  # the GEXF label: the name
        assert_same({ungexf(k): v for k, v in got.items()}, want, n)
    by_end: dict[tuple, dict] = {}
    for u, v, d in h.edges(data=True):
        d = dict(d)
        del d["id"]  # GEXF's edge id
        rel = d.pop("label")
        by_end[u, v, rel] = {ungexf(k): x for k, x in d.items()}
    edges = list(g.edges(keys=True, data=True))
    for (u, v, k, _), want in zip(edges, xml_expected([props(d) for *_, d in edges]), strict=True):
        u, v, k = (XML_FORBIDDEN.sub("", x) for x in (u, v, k))
        assert_same(by_end[u, v, k], want, (u, v, k))  # the GEXF label: the relationship type
    assert Counter(d["kg_label"] for _, d in h.nodes(data=True)) == labels(g)
    assert Counter(d["label"] for *_, d in h.edges(data=True)) == types(g)


def check_json(g: nx.MultiDiGraph, path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert (data["format"], data["version"], data["directed"], data["multigraph"]) == ("kg-node-link", 2, True, True)
    assert data["graph"] == dict(g.graph)
    assert len(data["nodes"]) == g.number_of_nodes() and len(data["edges"]) == g.number_of_edges()
    nodes = {n["id"]: n["properties"] for n in data["nodes"]}
    for n, d in g.nodes(data=True):
        assert_same(nodes[n], {k: v for k, v in d.items() if k != "__labels__"}, n)
    edges = {(e["source"], e["target"], e["key"]): e["properties"] for e in data["edges"]}
    for u, v, k, d in g.edges(keys=True, data=True):
        assert_same(edges[u, v, k], {a: x for a, x in d.items() if a != "__labels__"}, (u, v, k))
    assert Counter(p["label"] for p in nodes.values()) == labels(g)
    assert Counter(p["type"] for p in edges.values()) == types(g)


# -- the documented CSV layout (neo4j-admin database import) ---------------------------

CSV_TYPE = r"(?:long|double|boolean|string)(?:\[\])?"
PROPERTY_FIELD = re.compile(rf"^(?P<name>[^:]+)(?::(?P<type>{CSV_TYPE}))?$")
NODE_FILE = re.compile(r"^nodes_(?P<label>[A-Za-z]+)(?:\.(?P<n>[2-9]|[1-9]\d+))?\.csv$")
REL_FILE = re.compile(r"^rels_(?P<type>[A-Z_]+)(?:\.(?P<n>[2-9]|[1-9]\d+))?\.csv$")
MISSING = object()


def csv_columns(fields: list[str]) -> list[tuple[str, str | None]]:
    cols = []
    for f in fields:
        m = PROPERTY_FIELD.match(f)
        assert m, f"not a neo4j-admin property header field: {f!r}"
        cols.append((m["name"], m["type"]))
    assert len({c for c, _ in cols}) == len(cols), fields
    return cols


def csv_value(raw: str, typ: str | None):
    """neo4j-admin's reading of a field, as docs/schema.md states it: an
    empty field is a missing value, except in a ``name:string`` column (the
    empty text) and in a list column (the empty list)."""
    if typ and typ.endswith("[]"):
        return [] if raw == "" else [csv_value(x, typ[:-2]) for x in raw.split("\x1f")]
    if raw == "":
        return "" if typ == "string" else MISSING
    if typ == "long":
        return int(raw)
    if typ == "double":
        return float(raw)
    if typ == "boolean":
        return {"true": True, "false": False}[raw]
    return raw


def read_csv_graph(out_dir: Path) -> nx.MultiDiGraph:
    """The CSV files read back with the csv module, headers checked against
    neo4j-admin's header format."""
    csv.field_size_limit(sys.maxsize)  # abstracts and generated text run past the default 128 KiB
    h = nx.MultiDiGraph()
    files = sorted(out_dir.iterdir())
    assert files and all(NODE_FILE.match(p.name) or REL_FILE.match(p.name) for p in files), files
    for path in [p for p in files if p.name.startswith("nodes_")] + [p for p in files if p.name.startswith("rels_")]:
        with path.open(encoding="utf-8", newline="") as f:
            rows = csv.reader(f, strict=True)
            header = next(rows)
            if path.name.startswith("nodes_"):
                cols = csv_columns(header[1:-1])
                # the id column stores the node id as `id`, unless the nodes have an `id` of their own
                assert header[0] == (":ID" if "id" in dict(cols) else "id:ID") and header[-1] == ":LABEL", header
            else:
                assert header[0] == ":START_ID" and header[-2:] == [":END_ID", ":TYPE"], header
                cols = csv_columns(header[1:-2])
            for row in rows:
                assert len(row) == len(header), (path.name, row)
                values = {c: csv_value(raw, t) for (c, t), raw in zip(cols, row[1:], strict=False)}
                values = {c: x for c, x in values.items() if x is not MISSING}
                if path.name.startswith("nodes_"):
                    assert row[0] not in h, f"{row[0]} in two files"
                    m = NODE_FILE.match(path.name)
                    assert row[-1] == m["label"], (path.name, row[-1])
                    h.add_nodes_from([(row[0], {"label": row[-1], **values})])
                else:
                    assert row[-1] == REL_FILE.match(path.name)["type"] and row[0] in h and row[-2] in h
                    h.add_edges_from([(row[0], row[-2], row[-1], {"type": row[-1], **values})])
    return h


def check_csv(g: nx.MultiDiGraph, out_dir: Path) -> None:
    h = read_csv_graph(out_dir)
    assert labels(h) == labels(g) and types(h) == types(g)
    assert set(h.nodes) == set(g.nodes)
    for n, d in g.nodes(data=True):
        assert_same(h.nodes[n], props(d), n)
    assert set(h.edges(keys=True)) == set(g.edges(keys=True))
    for u, v, k, d in g.edges(keys=True, data=True):
        assert_same(h.edges[u, v, k], props(d), (u, v, k))


CHECKS = {"graphml": check_graphml, "gexf": check_gexf, "json": check_json, "csv": check_csv}

# -- the built graph ---------------------------------------------------------------------


def test_the_built_graph_has_what_the_exports_must_carry(built):
    g, _ = built
    cites = [d for *_, k, d in g.edges(keys=True, data=True) if k == S.CITES]
    assert cites and all(d["source"] == "semantic_scholar" for d in cites)
    assert {S.PAPER, S.AUTHOR, S.METHOD, S.RESULT} <= set(labels(g))
    assert "Doe; Jane" in g.nodes[S.node_id(S.PAPER, "hostile-1")]["authors"]
    assert any('"Quoted"' in d["name"] for _, d in g.nodes(data=True) if d["label"] == S.VENUE)


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_reads_back_as_the_stored_graph(built, fmt):
    g, paths = built
    CHECKS[fmt](g, paths[fmt])


def test_json_export_is_the_store_layout(built, tmp_path):
    """The same serialisation as graph.json.gz: gzipped, the store reads it
    as its own graph."""
    g, paths = built
    (tmp_path / "graph.json.gz").write_bytes(gzip.compress(paths["json"].read_bytes()))
    h = load_graph(tmp_path / "graph.json.gz")
    assert sorted(h.nodes(data=True)) == sorted(g.nodes(data=True))
    assert sorted(h.edges(keys=True, data=True)) == sorted(g.edges(keys=True, data=True))
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    cites = [e for e in data["edges"] if e["key"] == S.CITES]
    assert cites and all(e["properties"]["source"] == "semantic_scholar" for e in cites)
    assert all(e["source"] in g and e["target"] in g for e in cites)


def test_gexf_labels_are_names_and_relationship_types(built):
    g, paths = built
    h = nx.read_gexf(paths["gexf"])
    paper = S.node_id(S.PAPER, "hostile-1")
    assert h.nodes[paper]["label"] == g.nodes[paper]["title"]
    assert h.nodes[paper]["kg_label"] == S.PAPER and h.nodes[paper]["kg_key"] == "hostile-1"
    method = next(n for n, d in g.nodes(data=True) if d["label"] == S.METHOD)
    assert h.nodes[method]["label"] == g.nodes[method]["name"]
    result = next(n for n, d in g.nodes(data=True) if d["label"] == S.RESULT)
    assert h.nodes[result]["label"] == g.nodes[result]["key"]
    cites = [(u, v, d) for u, v, d in h.edges(data=True) if d["label"] == S.CITES]
    assert cites and all(d["kg_type"] == S.CITES and d["source"] == "semantic_scholar" for *_, d in cites)


def test_csv_headers_keep_schema_order_and_every_property(built):
    g, paths = built
    header = (paths["csv"] / "rels_CITES.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ":START_ID,source,:END_ID,:TYPE"
    with (paths["csv"] / "nodes_Paper.csv").open(encoding="utf-8", newline="") as f:
        cols = [c.split(":")[0] for c in next(csv.reader(f))[1:-1]]
    order = [S.KEY, *S.NODE_PROPERTIES[S.PAPER]]
    assert cols == sorted(cols, key=lambda c: (order.index(c) if c in order else len(order), c))


def test_csv_import_command_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    assert "neo4j-admin database import full" in text
    for option in ("--array-delimiter=U+001F", "--multiline-fields=true", "--nodes=", "--relationships="):
        assert option in text, option


# -- hand-made graphs: mixed types, reserved names, lists, Unicode ------------------------

# every BMP code point XML 1.0 allows, bar surrogates, and some beyond the BMP
EVERY_KIND_OF_TEXT = "".join(map(chr, [0x09, 0x0A, 0x0D, *range(0x20, 0xD800), *range(0xE000, 0xFFFE),
                                       *range(0x10000, 0x110000, 997)]))  # fmt: skip
TRICKY = ["", " ", "\t\n\r\n\r", "a\rb", "\x85\u2028\u2029", "\U0010fffd\U0001f600", "<&>\"'", 'a,"b";c', "e\u0301",
          "\x7f\x80\x9f", "true", "1", "NaN", "x" * 200_000]  # fmt: skip


def hostile_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(kg_schema=1)
    p1 = add_node(
        g,
        S.PAPER,
        "p1",
        title="P1",
        year=2020,
        authors=["a;b", "c,d", 'q"uote', "new\nline", ""],
        sources=[],
        extra_note="not in the schema",
        abstract=EVERY_KIND_OF_TEXT,
    )
    p2 = add_node(g, S.PAPER, "p2", title="", abstract="", year=None, authors=["x"], sources=["s"])
    r1 = add_node(g, S.RESULT, "p1#1", value=90, unit="%", best=True, high=None)
    r2 = add_node(g, S.RESULT, "p1#2", value=90.97, unit="", best=False, high=91.5)
    m = add_node(
        g,
        S.METHOD,
        "m",
        name="M",
        aliases=TRICKY,
        paper_count=1,
        id="own id",
        pid="own pid",
        start="s",
        end="e",
        viz="v",
        kg_label="already prefixed",
    )
    for i, t in enumerate(TRICKY):
        add_node(g, S.TASK, f"t{i}", name=t, aliases=[t] if t else [], paper_count=i)
    add_edge(g, p1, p2, S.CITES, source="semantic_scholar")
    add_edge(g, p1, p2, S.BUILDS_ON, via="M", evidence="e", confidence=0.5, id="own", label="own label", weight=3,
             start=1, end=2, networkx_key="nk", target="t")  # fmt: skip
    add_edge(g, p1, r1, S.REPORTS, evidence="x\r\ny", confidence=1)
    add_edge(g, p1, r2, S.REPORTS, evidence="", confidence=0.75)
    add_edge(g, p1, m, S.PROPOSES, evidence=EVERY_KIND_OF_TEXT, extractor="rules/x", confidence=0.9)
    return g


class Exported:
    """A stored graph, exported by the CLI once per format when a test asks."""

    def __init__(self, graph_dir: Path) -> None:
        self.dir = graph_dir
        self.graph = load_graph(graph_dir / "graph.json.gz")
        self._paths: dict[str, Path] = {}

    def __getitem__(self, fmt: str) -> Path:
        if fmt not in self._paths:
            path = self.dir.parent / ("csv" if fmt == "csv" else f"graph.{fmt}")
            kg("export", "--graph", str(self.dir), "--format", fmt, "-o", str(path))
            self._paths[fmt] = path
        return self._paths[fmt]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Exported:
    """``hostile_graph`` as the store holds it."""
    tmp = tmp_path_factory.mktemp("hostile")
    (tmp / "g").mkdir()
    save_graph(hostile_graph(), tmp / "g" / "graph.json.gz")
    return Exported(tmp / "g")


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_graph_round_trips(hostile, fmt):
    """Mixed value types across nodes (``value`` int and float, None), every
    code point XML allows, CR and C1 controls, lists with delimiters in their
    items, properties outside the schema and names GEXF reserves."""
    CHECKS[fmt](hostile.graph, hostile[fmt])


def test_gexf_keeps_reserved_names_prefixed(hostile):
    paths = hostile
    h = nx.read_gexf(paths["gexf"])
    m = h.nodes[S.node_id(S.METHOD, "m")]
    want = {"label": "M", "kg_label": S.METHOD, "kg_key": "m", "kg_id": "own id", "kg_pid": "own pid",
            "kg_start": "s", "kg_end": "e", "kg_viz": "v", "kg_kg_label": "already prefixed"}  # fmt: skip
    assert {k: m.get(k) for k in want} == want and not {"pid", "viz", "start", "end"} & m.keys()
    [(_, _, d)] = [e for e in h.edges(data=True) if e[2]["label"] == S.BUILDS_ON]
    want = {"kg_type": S.BUILDS_ON, "kg_id": "own", "kg_label": "own label", "kg_weight": 3, "kg_start": 1,
            "kg_end": 2, "kg_networkx_key": "nk", "target": "t"}  # fmt: skip
    assert {k: d.get(k) for k in want} == want and not {"weight", "start", "end"} & d.keys()


def test_graphml_declares_one_type_per_name(hostile):
    paths = hostile
    keys = [k.attrib for k in ET.parse(paths["graphml"]).getroot().iter("{http://graphml.graphdrawing.org/xmlns}key")]
    value = [k["attr.type"] for k in keys if k["for"] == "node" and k["attr.name"] == "value"]
    assert value == ["double"]
    h = nx.read_graphml(paths["graphml"], force_multigraph=True)
    assert same(h.nodes[S.node_id(S.RESULT, "p1#1")]["value"], 90.0)
    assert same(h.nodes[S.node_id(S.RESULT, "p1#2")]["value"], 90.97)


def test_csv_lists_and_mixed_types(hostile):
    h = read_csv_graph(hostile["csv"])
    assert h.nodes[S.node_id(S.PAPER, "p1")]["authors"] == ["a;b", "c,d", 'q"uote', "new\nline", ""]
    assert h.nodes[S.node_id(S.PAPER, "p1")]["extra_note"] == "not in the schema"
    assert same(h.nodes[S.node_id(S.RESULT, "p1#1")]["value"], 90)
    assert same(h.nodes[S.node_id(S.RESULT, "p1#2")]["value"], 90.97)
    assert h.nodes[S.node_id(S.METHOD, "m")]["aliases"] == TRICKY
    assert h.edges[S.node_id(S.PAPER, "p1"), S.node_id(S.PAPER, "p2"), S.CITES]["source"] == "semantic_scholar"


def test_xml_forbidden_characters_do_not_break_the_files(tmp_path):
    """XML 1.0 cannot hold NUL, most C0 controls or U+FFFE/U+FFFF: they are
    dropped from GraphML and GEXF (kg's readers never store them); JSON and
    CSV keep them."""
    g = nx.MultiDiGraph()
    bad = "a\x00b\x01c\x0bd\x1fe\ufffef\uffffg"
    add_node(g, S.METHOD, "m", name=bad, aliases=[bad.replace("\x1f", "")], paper_count=1)
    paths = stored_export(g, tmp_path)
    for fmt in FORMATS:
        CHECKS[fmt](g, paths[fmt])
    assert nx.read_gexf(paths["gexf"]).nodes[S.node_id(S.METHOD, "m")]["label"] == "abcdefg"


def test_csv_refuses_what_neo4j_admin_cannot_read_back(tmp_path):
    g = nx.MultiDiGraph()
    add_node(g, S.METHOD, "m", name="M", aliases=["has\x1fdelimiter"])
    with pytest.raises(ValueError, match="U\\+001F"):
        export(g, "csv", tmp_path / "csv")
    g.nodes[S.node_id(S.METHOD, "m")]["aliases"] = [""]
    with pytest.raises(ValueError, match="cannot tell"):
        export(g, "csv", tmp_path / "csv")
    assert not list((tmp_path / "csv").glob("*.csv"))


def test_csv_export_replaces_an_earlier_one(tmp_path):
    g = nx.MultiDiGraph()
    add_node(g, S.PAPER, "a", title="A", abstract="")
    add_node(g, S.PAPER, "b", title="B")
    first = export(g, "csv", tmp_path / "csv")
    assert sorted(p.name for p in first) == ["nodes_Paper.2.csv", "nodes_Paper.csv"]
    g.remove_node(S.node_id(S.PAPER, "b"))
    export(g, "csv", tmp_path / "csv")
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == ["nodes_Paper.csv"]
    check_csv(g, tmp_path / "csv")


# -- generated graphs --------------------------------------------------------------------

NODE_NAMES = ["source", "target", "id", "type", "weight", "name", "title", "pid", "viz", "start", "kg_label", "x y"]
EDGE_NAMES = ["source", "target", "id", "key", "label", "weight", "start", "end", "kg_type", "paper", "évidence"]
HUGE = ["x" * 1_000_000, "数😀\r\n" * 100_000]

int64 = st.integers(-(2**63), 2**63 - 1)
floats = st.floats(allow_nan=False)
any_text = st.text(max_size=20)  # any code point but surrogates
item_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters=["\x1f"]), max_size=10)
values = st.one_of(
    any_text, int64, floats, st.booleans(), st.sampled_from(HUGE),
    st.lists(item_text, max_size=4).filter(lambda x: x != [""]),
    st.lists(int64, max_size=3), st.lists(floats, max_size=3), st.lists(st.booleans(), max_size=3),
)  # fmt: skip
xml_safe_key = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=8)


@st.composite
def graphs(draw) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    keys = draw(st.lists(st.tuples(st.sampled_from(S.NODE_LABELS), xml_safe_key), min_size=1, max_size=6, unique=True))
    for label, key in keys:
        add_node(g, label, key, **draw(st.dictionaries(st.sampled_from(NODE_NAMES), values, max_size=4)))
    ids = list(g.nodes)
    for u, v, rel in draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids), st.sampled_from(S.REL_TYPES)),
                                   max_size=6, unique=True)):  # fmt: skip
        add_edge(g, u, v, rel, **draw(st.dictionaries(st.sampled_from(EDGE_NAMES), values, max_size=4)))
    return g


@pytest.mark.parametrize("fmt", FORMATS)
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(g=graphs())
def test_generated_graphs_round_trip(fmt, g):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / ("csv" if fmt == "csv" else f"graph.{fmt}")
        export(g, fmt, out)
        CHECKS[fmt](g, out)
