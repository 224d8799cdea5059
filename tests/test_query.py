"""Cypher on the embedded store without a server (issue 16): the LadybugDB
database beside graph.json.gz, kept in step by every write, read by ``kg
query`` in a new process without loading the graph or spaCy; Neo4j's dialect
translated or refused by name; ``kg.query`` callable however often."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS
from query_suite import QUESTIONS, normalise, params_for

import kg
from kg import schema as S
from kg.cypher import QueryError
from kg.graph import summary
from kg.stores import open_store
from kg.stores.ladybug_store import DB_FILE, STATE_FILE
from kg.stores.networkx_store import GRAPH_FILE, load_graph, save_graph

KG = [sys.executable, "-m", "kg.cli"]


@pytest.fixture(autouse=True)
def _rule_extractor(monkeypatch):
    """These tests are about queries and storage, not extraction: they and their `kg` processes use the
    fast rule extractor as the default (KG_EXTRACTOR); the trained one is tested in test_trained.py and test_build.py."""
    monkeypatch.setenv("KG_EXTRACTOR", "rules")


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([*KG, *args], capture_output=True, text=True, check=check, cwd=ROOT, timeout=600)


def kg_query(d: Path, cypher: str, *params: str) -> list[dict]:
    """``kg query --graph`` in a new process."""
    out = run("query", "--graph", str(d), "--json", cypher, *(x for p in params for x in ("--param", p)))
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def graph_dir(seed_graph, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("seeds") / "graph"
    store = open_store("networkx", path=d)
    store.write(seed_graph)
    store.close()
    return d


# -- kg.query -------------------------------------------------------------------
def test_kg_query_answers_twice_in_one_process(graph_dir):
    code = f"""
import json, kg
g = kg.open_store("networkx", path={str(graph_dir)!r}).read()
first = kg.query(g, "MATCH (m:Method) RETURN count(*) AS n").rows
second = kg.query(g, "MATCH (m:Method) RETURN count(*) AS n").rows
import kg.query
third = kg.query(g, "MATCH (m:Method) RETURN count(*) AS n").rows
on_dir = kg.query({str(graph_dir)!r}, "MATCH (m:Method) RETURN count(*) AS n").rows
print(json.dumps([first, second, third, on_dir]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    first, second, third, on_dir = json.loads(out.stdout)
    assert first == second == third == on_dir and first[0][0] > 0


def test_kg_query_takes_a_graph_a_store_or_a_directory(seed_graph, graph_dir):
    n = summary(seed_graph)["nodes"][S.DATASET]
    q = "MATCH (d:Dataset) RETURN count(d) AS n"
    assert kg.query(seed_graph, q).rows == [[n]]
    assert kg.query(graph_dir, q).rows == [[n]]
    assert kg.query(open_store("networkx", path=graph_dir), q).rows == [[n]]


# -- kg query in a new process ----------------------------------------------------
def test_kg_query_reads_back_what_the_build_wrote(seed_graph, graph_dir):
    want = summary(seed_graph)
    nodes = kg_query(graph_dir, "MATCH (n) RETURN labels(n)[0] AS label, count(*) AS n")
    assert {r["label"]: r["n"] for r in nodes} == want["nodes"]
    edges = kg_query(graph_dir, "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")
    assert {r["type"]: r["n"] for r in edges} == want["edges"]
    # properties arrive whole: lists, flags and text
    papers = kg_query(graph_dir, "MATCH (p:Paper) RETURN p ORDER BY p.key")
    for r in papers:
        d = seed_graph.nodes[S.node_id(S.PAPER, r["p"]["key"])]
        assert r["p"] == {"label": S.PAPER, **{k: v for k, v in d.items() if k not in ("__labels__", "label")
                                                and v is not None}}  # fmt: skip


def test_kg_query_loads_neither_the_graph_nor_spacy(graph_dir, tmp_path):
    """An audit hook records every file the process opens: graph.json.gz is
    not among them, and spaCy is never imported."""
    report = tmp_path / "report.json"
    code = f"""
import json, sys
opened = []
sys.addaudithook(lambda ev, args: opened.append(str(args[0])) if ev == "open" and args and isinstance(args[0], str) else None)
from kg.cli import main
try:
    main(["query", "--graph", {str(graph_dir)!r}, "--json", "MATCH (n) RETURN count(*) AS n"], standalone_mode=False)
finally:
    open({str(report)!r}, "w").write(json.dumps({{"spacy": "spacy" in sys.modules, "extractors": "extractors" in sys.modules,
        "graph_read": [p for p in opened if p.endswith("{GRAPH_FILE}")]}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout)[0]["n"] > 0
    got = json.loads(report.read_text())
    assert got == {"spacy": False, "extractors": False, "graph_read": []}


def test_unsupported_queries_are_refused_by_name_in_the_cli(graph_dir):
    out = run("query", "--graph", str(graph_dir), "MATCH (p:Paper) RETURN reduce(s = 0, x IN p.authors | s + 1)",
              check=False)  # fmt: skip
    assert out.returncode != 0
    assert "reduce()" in out.stderr and "--neo4j" in out.stderr and "Traceback" not in out.stderr


# -- writes keep the database in step ----------------------------------------------
def _split_seeds(tmp: Path) -> tuple[Path, Path]:
    """The seed listings in two halves, as two files."""
    # a listing may end without a newline: end each with one, or its last line runs into the next file's first
    lines = [ln for s in SEEDS for ln in (s.read_text(encoding="utf-8").rstrip("\n") + "\n\n").splitlines(keepends=True)]
    half = len(lines) // 2
    # cut at a blank line so no record is split
    while half < len(lines) and lines[half].strip():
        half += 1
    a, b = tmp / "first.txt", tmp / "second.txt"
    a.write_text("".join(lines[:half]), encoding="utf-8")
    b.write_text("".join(lines[half:]), encoding="utf-8")
    return a, b


COMPARE = [
    "MATCH (n) RETURN labels(n)[0] AS label, count(*) AS n ORDER BY label",
    "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n ORDER BY type",
    "MATCH (e) WHERE e.paper_count IS NOT NULL RETURN labels(e)[0] AS label, e.key AS key, e.paper_count AS n, "
    "e.aliases AS aliases ORDER BY label, key",
    "MATCH (r:Result) RETURN r.key AS key, r.best AS best ORDER BY key",
    "MATCH (p:Paper)-[u]->(e) RETURN p.key AS p, type(u) AS t, labels(e)[0] AS label, e.key AS e, u.evidence AS ev "
    "ORDER BY p, t, label, e",
    "MATCH (p:Paper) RETURN p ORDER BY p.key",
]


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[Path, Path, int]:
    """The seed listings built in two halves into one directory, and whole
    into another; the database file's inode after the first half."""
    tmp = tmp_path_factory.mktemp("incremental")
    first, second = _split_seeds(tmp)
    inc, whole = tmp / "incremental", tmp / "whole"
    run("build", str(first), "--out", str(inc))
    inode = (inc / DB_FILE).stat().st_ino
    run("build", str(second), "--out", str(inc))
    run("build", *map(str, SEEDS), "--out", str(whole))
    return inc, whole, inode


@pytest.mark.slow
def test_a_second_build_updates_the_database_in_place(two_builds, tmp_path):
    """MERGEd into the same file (a rebuild renames a new one over it), and
    what it answers is what a database built from scratch from the merged
    graph file answers."""
    import shutil

    inc, _, inode = two_builds
    assert (inc / DB_FILE).stat().st_ino == inode
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(inc, rebuilt)
    (rebuilt / STATE_FILE).unlink()  # the next query builds its database from graph.json.gz
    for q in COMPARE:
        assert kg_query(inc, q) == kg_query(rebuilt, q), q
    assert (rebuilt / DB_FILE).stat().st_ino != (inc / DB_FILE).stat().st_ino


@pytest.mark.slow
def test_a_second_build_merges_as_one_build_of_both(two_builds):
    """The directory keeps its papers and their extractions, so the second
    build lays out the graph of both halves: the same as one build of all,
    entity merges, counts, best results and BUILDS_ON included."""
    inc, whole, _ = two_builds
    for q in COMPARE[:-1]:
        assert kg_query(inc, q) == kg_query(whole, q), q
    # papers whole, but for `sources`, which names the files read (the halves, or the seed files)
    q = ("MATCH (p:Paper) RETURN p.key, p.title, p.abstract, p.year, p.date, p.doi, p.arxiv_id, p.s2_id, "
         "p.openalex_id, p.url, p.authors, p.venue, p.in_corpus ORDER BY p.key")
    assert kg_query(inc, q) == kg_query(whole, q)


def test_a_graph_file_written_behind_the_stores_back_is_picked_up(seed_graph, tmp_path):
    d = tmp_path / "g"
    store = open_store("networkx", path=d)
    store.write(seed_graph)
    g = load_graph(d / GRAPH_FILE)
    gone = [n for n, x in g.nodes(data=True) if x["label"] == S.TASK]
    g.remove_nodes_from(gone)
    save_graph(g, d / GRAPH_FILE)  # as an older kg, or a crash between the two writes, would leave it
    assert kg_query(d, "MATCH (t:Task) RETURN count(*) AS n") == [{"n": 0}]
    assert kg_query(d, "MATCH (n) RETURN count(*) AS n") == [{"n": g.number_of_nodes()}]


def test_clear_removes_the_database(seed_graph, tmp_path):
    store = open_store("networkx", path=tmp_path / "g")
    store.write(seed_graph)
    assert (tmp_path / "g" / DB_FILE).exists() and (tmp_path / "g" / STATE_FILE).exists()
    store.clear()
    assert not (tmp_path / "g" / DB_FILE).exists() and not (tmp_path / "g" / STATE_FILE).exists()


# -- Neo4j's dialect ------------------------------------------------------------------
@pytest.mark.parametrize(
    "cypher,want",
    [
        ("RETURN [1, 2, 3][0] AS a, [1, 2, 3][-1] AS b, [1, 2, 3, 4][1..3] AS c, [1, 2, 3][1..] AS d", [1, 3, [2, 3], [2, 3]]),
        ("RETURN substring('abcdef', 1, 3) AS a, substring('abcdef', 2) AS b", ["bcd", "cdef"]),
        ("RETURN toInteger(3.7) AS a, toInteger(-3.7) AS b, round(2.5) AS c, round(-2.5) AS d", [3, -3, 3.0, -2.0]),
        ("RETURN [x IN range(1, 6) WHERE x % 2 = 0 | x * 10] AS a, head([7, 8]) AS b, last([7, 8]) AS c", [[20, 40, 60], 7, 8]),
        ("UNWIND range(1, 10) AS x WITH x ORDER BY x DESC LIMIT 3 RETURN collect(x) AS top", [[10, 9, 8]]),
        ("UNWIND [3, 1, 2] AS x WITH x ORDER BY x RETURN collect(x) AS xs", [[1, 2, 3]]),
        ("UNWIND [1, 2, 2] AS x RETURN count(*), count(DISTINCT x), sum(x)", [3, 2, 5]),
        ("WITH {a: 1, b: 'x'} AS m RETURN m {.a} AS p, split('a,b', ',') AS s", [{"a": 1}, ["a", "b"]]),
        ("MATCH (m:Method) WHERE m.paper_count < 0 RETURN sum(m.paper_count), count(m), collect(m.key), max(m.key)",
         [0, 0, [], None]),
        ("RETURN 'abc' =~ 'b' AS part, 'abc' =~ '.*b.*' AS whole, -7 % 3 AS mod, 7 / 2 AS div", [False, True, -1, 3]),
    ],
)
def test_neo4j_forms_mean_what_they_mean_on_neo4j(seed_graph, cypher, want):
    res = kg.query(seed_graph, cypher)
    assert res.rows == [want]


def test_columns_are_named_as_written(seed_graph):
    res = kg.query(seed_graph, "MATCH (n:Method) RETURN count(*), n.name ORDER BY n.name LIMIT 1")
    assert res.columns == ["count(*)", "n.name"]


def test_labels_and_types_are_as_on_neo4j(seed_graph):
    res = kg.query(seed_graph, "MATCH (p:Paper)-[r:USES]->(m) WHERE m:Method RETURN labels(p), type(r), labels(m) LIMIT 1")
    assert res.rows == [[["Paper"], "USES", ["Method"]]]


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q.neo4j], ids=lambda q: q.name)
def test_one_relationship_never_matches_twice(seed_graph, question):
    """Neo4j's answers, counted on the NetworkX graph (LadybugDB alone would
    let the same USES relationship bind both sides)."""
    res = kg.query(seed_graph, question.cypher, params_for(seed_graph))
    assert normalise(question, res.columns, res.rows) == question.neo4j(seed_graph, {})


def test_variable_length_paths_repeat_no_relationship(seed_graph):
    """Undirected two-hop trails from a method: back along the same edge is
    not a path on Neo4j, so the method itself is never reached in two hops
    through one paper (it is reached through two different relationships only)."""
    key = params_for(seed_graph)["method_key"]
    got = kg.query(seed_graph, "MATCH (m:Method {key: $k})-[*2]-(x) RETURN count(*) AS n", {"k": key}).rows[0][0]
    incident: dict[str, list[tuple[tuple, str]]] = {}
    for e in seed_graph.edges(keys=True):
        incident.setdefault(e[0], []).append((e, e[1]))
        incident.setdefault(e[1], []).append((e, e[0]))
    m = S.node_id(S.METHOD, key)
    want = sum(1 for e1, a in incident[m] for e2, _ in incident[a] if e2 != e1)
    assert got == want > 0


@pytest.mark.parametrize(
    "cypher,named",
    [
        ("CREATE (n:Paper {key: 'x'})", "CREATE"),
        ("MATCH (n:Paper) SET n.title = 'x'", "SET"),
        ("MATCH (n) DETACH DELETE n", "DETACH"),
        ("CALL db.labels()", "CALL"),
        ("RETURN reduce(s = 0, x IN [1, 2] | s + x)", "reduce()"),
        ("MATCH (a:Paper) RETURN [(a)-->(b) | b.key]", "pattern comprehension"),
        ("RETURN toString(2.5)", "toString()"),
        ("MATCH (n) RETURN id(n) LIMIT 1", "n.key"),
        ("MATCH (n) RETURN keys(n) LIMIT 1", "keys()"),
        ("MATCH (p:Paper) RETURN p.nosuch", "p.nosuch"),
        ("RETURN stDev(1)", "stdev()"),
        ("MATCH (n) RETURN n.key ORDER BY labels(n)", "ORDER BY"),
        ("MATCH (a)-[*1..40]->(b) RETURN count(*)", "at most 30"),
        ("MATCH (n:Paper) RETURN n {.*}", "{.*}"),
    ],
)
def test_what_cannot_be_translated_is_refused_by_name(seed_graph, graph_dir, cypher, named):
    for target in (seed_graph, graph_dir):
        with pytest.raises(QueryError) as e:
            kg.query(target, cypher)
        assert named in str(e.value) and "--neo4j" in str(e.value), str(e.value)


def test_missing_parameters_are_named(graph_dir):
    with pytest.raises(QueryError, match=r"missing query parameter \$name"):
        kg.query(graph_dir, "MATCH (m:Method) WHERE m.name = $name RETURN m")


def test_list_parameters_empty_or_as_tuples(graph_dir):
    q = "MATCH (m:Method) WHERE m.key IN $keys RETURN count(m) AS n"
    assert kg.query(graph_dir, q, {"keys": []}).rows == [[0]]
    key = kg.query(graph_dir, "MATCH (m:Method) RETURN m.key ORDER BY m.key LIMIT 1").rows[0][0]
    assert kg.query(graph_dir, q, {"keys": (key, "no such key")}).rows == [[1]]


def test_parameters_are_data(graph_dir):
    evil = "x' }) MATCH (n) DETACH DELETE n //"
    assert kg.query(graph_dir, "MATCH (m:Method) WHERE m.name = $n RETURN count(m) AS c", {"n": evil}).rows == [[0]]
    assert kg.query(graph_dir, "MATCH (n) RETURN count(n) AS c").rows[0][0] > 0


def test_a_read_only_directory_is_queried_from_memory(seed_graph, tmp_path):
    d = tmp_path / "ro"
    store = open_store("networkx", path=d)
    store.write(seed_graph)
    (d / STATE_FILE).unlink()  # the database no longer says what it mirrors
    os.chmod(d, 0o555)
    try:
        if os.access(d, os.W_OK):
            pytest.skip("running as root: every directory is writable")
        assert kg_query(d, "MATCH (m:Method) RETURN count(*) AS n") == [{"n": summary(seed_graph)["nodes"]["Method"]}]
    finally:
        os.chmod(d, 0o755)


def test_hostile_text_reads_back_whole_in_a_new_process(tmp_path):
    from kg.graph import add_edge, add_node, new_graph

    evil = "x' }) DETACH DELETE n //\\'\" \u202e\U0001f600\n\r\t,;[a,b]"
    latex = "definitions (\\eg, ``image segmentation''), which"  # once lost a quote in LadybugDB's CSV sniffing
    g = new_graph()
    add_node(g, S.PAPER, "p3", title=latex, abstract=latex, in_corpus=True)
    add_node(g, S.PAPER, "p\x00nul", title="a\x00b", abstract=evil * 50, in_corpus=True, authors=["one, two", "x\x1fy"])
    add_node(g, S.PAPER, "p2", title="", abstract=evil, in_corpus=False, authors=[], year=2024)
    add_node(g, S.METHOD, "m", name=evil, aliases=["also " + evil, "[x]"], paper_count=2)
    add_edge(g, S.node_id(S.PAPER, "p\x00nul"), S.node_id(S.METHOD, "m"), S.USES, evidence=evil, confidence=0.5)
    add_edge(g, S.node_id(S.PAPER, "p2"), S.node_id(S.METHOD, "m"), S.USES, evidence="e\x00v")
    open_store("networkx", path=tmp_path / "g").write(g)
    rows = kg_query(tmp_path / "g", "MATCH (p:Paper)-[u:USES]->(m:Method) RETURN p, u, m ORDER BY p.key")
    for r in rows:
        d = g.nodes[S.node_id(S.PAPER, r["p"]["key"])]
        assert r["p"] == {"label": S.PAPER, **{k: v for k, v in d.items() if k not in ("__labels__", "label")}}
        e = g.edges[S.node_id(S.PAPER, r["p"]["key"]), S.node_id(S.METHOD, "m"), S.USES]
        assert r["u"] == {"type": S.USES, **{k: v for k, v in e.items() if k not in ("__labels__", "type")}}
        assert r["m"]["name"] == evil and r["m"]["aliases"] == ["also " + evil, "[x]"]
    assert len(rows) == 2
    assert kg_query(tmp_path / "g", "MATCH (p:Paper {key: 'p3'}) RETURN p.title AS t") == [{"t": latex}]


def test_new_properties_and_endpoint_pairs_are_added_in_place(tmp_path):
    """A later write that brings a property or a (label)-[:TYPE]->(label) the
    tables lack alters them in place rather than rebuilding the database."""
    from kg.graph import add_edge, add_node, new_graph

    d = tmp_path / "g"
    first = new_graph()
    add_node(first, S.PAPER, "p1", title="one", in_corpus=True)
    add_node(first, S.METHOD, "m", name="M", aliases=[], paper_count=1)
    add_edge(first, S.node_id(S.PAPER, "p1"), S.node_id(S.METHOD, "m"), S.USES, evidence="uses M")
    open_store("networkx", path=d).write(first)
    inode = (d / DB_FILE).stat().st_ino
    second = new_graph()
    add_node(second, S.PAPER, "p2", title="two", in_corpus=True, funding="EU grant")  # not in kg.schema
    add_node(second, S.DATASET, "ds", name="DS", aliases=[], paper_count=1)
    add_edge(second, S.node_id(S.PAPER, "p2"), S.node_id(S.DATASET, "ds"), S.USES, evidence="uses DS")  # undeclared pair
    open_store("networkx", path=d).write(second)
    assert (d / DB_FILE).stat().st_ino == inode
    rows = kg_query(d, "MATCH (p:Paper)-[u:USES]->(x) RETURN p.key AS p, p.funding AS f, labels(x)[0] AS x ORDER BY p")
    assert rows == [{"p": "p1", "f": None, "x": "Method"}, {"p": "p2", "f": "EU grant", "x": "Dataset"}]
