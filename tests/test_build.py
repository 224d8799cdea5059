"""End to end on the seed listings: build, resolve, store, query, export."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from click.testing import CliRunner
from conftest import SEEDS

from kg import schema as S
from kg.cli import main
from kg.export import export
from kg.graph import build, summary
from kg.readers import read_papers
from kg.stores import open_store


def test_seed_graph_has_papers_and_all_entity_types(seed_graph):
    counts = summary(seed_graph)
    assert counts["nodes"]["Paper"] == 397
    for label in S.ENTITY_LABELS:
        assert counts["nodes"].get(label, 0) > 0, label
    # every edge from text carries evidence, extractor and confidence
    for u, _v, k, d in seed_graph.edges(keys=True, data=True):
        if k in S.PAPER_ENTITY_REL_TYPES:
            assert d["evidence"] and d["extractor"] and 0 < d["confidence"] <= 1
            # the evidence sentence is real text of that paper
            paper = seed_graph.nodes[u]
            assert d["evidence"].replace("\n", " ") in f"{paper['title']} {paper['abstract']}"


def test_entity_nodes_carry_key_name_aliases_and_counts(seed_graph):
    for n, d in seed_graph.nodes(data=True):
        assert n == S.node_id(d["label"], d["key"])
        if d["label"] in S.ENTITY_LABELS:
            papers = {p for p in seed_graph.predecessors(n) if seed_graph.nodes[p]["label"] == S.PAPER}
            assert d["paper_count"] == len(papers) >= 1
            assert d["name"] not in d["aliases"]


def test_building_twice_gives_the_same_graph(seed_papers):
    papers, _ = seed_papers
    a, b = build(papers[:60]), build(papers[:60])
    assert summary(a) == summary(b)
    assert set(a.edges(keys=True)) == set(b.edges(keys=True))


def test_two_inputs_sharing_papers_never_duplicate(tmp_path):
    store = open_store("networkx", path=tmp_path / "g")
    for inputs in ([SEEDS[0]], [SEEDS[1]], SEEDS[:2]):
        papers, _ = read_papers(inputs)
        store.write(build(papers))
    merged = store.counts()
    papers, _ = read_papers(SEEDS[:2])
    assert merged == summary(build(papers))
    reopened = open_store("networkx", path=tmp_path / "g").read()
    assert summary(reopened) == merged


def test_export_formats(seed_graph, tmp_path):
    (gml,) = export(seed_graph, "graphml", tmp_path / "g.graphml")
    assert len(nx.read_graphml(gml).nodes) == seed_graph.number_of_nodes()
    (gexf,) = export(seed_graph, "gexf", tmp_path / "g.gexf")
    ET.parse(gexf)
    (js,) = export(seed_graph, "json", tmp_path / "g.json")
    data = json.loads(js.read_text())
    assert len(data["edges"]) == seed_graph.number_of_edges()
    files = export(seed_graph, "csv", tmp_path / "csv")
    header = (tmp_path / "csv" / "nodes_Paper.csv").read_text().splitlines()[0]
    assert header.startswith("id:ID,key,") and header.endswith(":LABEL")
    rels = (tmp_path / "csv" / "rels_USES.csv").read_text().splitlines()
    assert rels[0].startswith(":START_ID") and rels[0].endswith(":END_ID,:TYPE")
    rows = sum(len(list(csv.reader(p.open(encoding="utf-8")))) - 1 for p in files if p.name.startswith("rels_"))
    assert rows == seed_graph.number_of_edges()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("graph")
    res = CliRunner().invoke(main, ["build", *map(str, SEEDS), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    return out, json.loads(res.stdout)


def test_cli_build_summary(built):
    _, summary_ = built
    assert summary_["papers"] == 397 and summary_["duplicates_merged"] == 70
    assert summary_["store"]["nodes"]["Paper"] == 397


def _q(graph_dir, cypher, *extra):
    res = CliRunner().invoke(main, ["query", cypher, "--graph", str(graph_dir), "--json", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_cli_queries_answer_the_basic_questions(built, seed_graph):
    graph_dir, _ = built
    per_dataset = _q(graph_dir, "MATCH (p:Paper)-[:EVALUATES_ON]->(d:Dataset) RETURN d.name AS dataset, count(p) AS papers "
                                "ORDER BY papers DESC")  # fmt: skip
    expected = {d["name"]: sum(1 for _ in seed_graph.predecessors(n))
                for n, d in seed_graph.nodes(data=True) if d["label"] == "Dataset"}  # fmt: skip
    assert per_dataset and all(r["papers"] <= expected[r["dataset"]] for r in per_dataset)
    assert [r["papers"] for r in per_dataset] == sorted((r["papers"] for r in per_dataset), reverse=True)

    # datasets a given method is evaluated on: pick a method that has some, from the graph itself
    def evaluated_on(m):
        return {seed_graph.nodes[x]["name"] for p in seed_graph.predecessors(m)
                for _, x, k in seed_graph.out_edges(p, keys=True) if k == S.EVALUATES_ON}  # fmt: skip

    method, datasets = next((d["name"], evaluated_on(m)) for m, d in seed_graph.nodes(data=True)
                            if d["label"] == "Method" and evaluated_on(m))  # fmt: skip
    rows = _q(graph_dir, "MATCH (m:Method)<--(p:Paper)-[:EVALUATES_ON]->(d:Dataset) WHERE m.name = $m "
                         "RETURN DISTINCT d.name AS dataset", "--param", f"m={method}")  # fmt: skip
    assert {r["dataset"] for r in rows} == datasets

    proposing = _q(graph_dir, "MATCH (p:Paper)-[:PROPOSES]->(m:Method) RETURN p.title AS paper, m.name AS method")
    assert proposing and all(r["paper"] and r["method"] for r in proposing)


def test_cli_query_errors_are_one_line(built):
    graph_dir, _ = built
    res = CliRunner().invoke(main, ["query", "MATCH (n RETURN n", "--graph", str(graph_dir)])
    assert res.exit_code != 0 and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["query", "MATCH (n) RETURN n", "--graph", "/nonexistent/graph"])
    assert res.exit_code != 0 and "no graph in" in res.output


def test_cli_build_with_nothing_readable_fails(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("{broken\n")
    res = CliRunner().invoke(main, ["build", str(empty), str(tmp_path / "missing.txt"), "--out", str(tmp_path / "g")])
    assert res.exit_code != 0
    assert "no papers could be read" in res.output
    assert f"{empty}:1" not in res.output or "malformed JSON" in res.output


def test_cli_build_goes_on_past_bad_files(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "Only One", "abstract": "We evaluate on ImageNet."}\n{oops\n')
    res = CliRunner().invoke(main, ["build", str(bad), str(SEEDS[0]), str(tmp_path / "nope.csv"),
                                    "--out", str(tmp_path / "g"), "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    summary_ = json.loads(res.stdout)
    assert summary_["skipped"] == 2
    assert summary_["skipped_by_reason"] == {"malformed JSON": 1, "file does not exist": 1}
    assert summary_["papers"] == 1 + len(read_papers([SEEDS[0]])[0])


def test_cli_extract_writes_the_scorer_shape(tmp_path):
    out = tmp_path / "pred.jsonl"
    res = CliRunner().invoke(main, ["extract", str(SEEDS[0]), "-o", str(out)])
    assert res.exit_code == 0, res.output
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(recs) == len(read_papers([SEEDS[0]])[0])
    ents = [e for r in recs for e in r["entities"]]
    assert ents
    for e in ents:
        assert {"type", "name", "aliases", "proposed", "confidence", "mentions"} <= set(e)
        for m in e["mentions"]:
            assert {"start", "end", "text", "sentence"} <= set(m)
    # relations and results come along: one paper-level relation per entity, results pointing at their number
    papers = {p.id: p for p in read_papers([SEEDS[0]])[0]}
    assert any(r["results"] for r in recs)
    for r in recs:
        paper_level = [x for x in r["relations"] if x["head"] is None]
        assert sorted((x["tail_type"], x["tail"]) for x in paper_level) == sorted(
            (e["type"], e["name"]) for e in r["entities"])
        text = f"{papers[r['id']].title}\n{papers[r['id']].abstract}"
        for res in r["results"]:
            assert text[res["start"] : res["end"]] == res["text"] and res["evidence"]
