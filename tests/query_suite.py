"""Thirty-odd questions in Neo4j's Cypher, in the forms the embedded store
must answer as Neo4j does (issue 16): top-k, multi-hop, count(DISTINCT),
collect(), WITH pipelines, OPTIONAL MATCH, UNWIND, CASE, list
comprehensions, labels(), pattern predicates, variable-length and shortest
paths, leaderboards, count(*), IS NOT NULL.

Each question is ordered completely (ties broken by a key), so LIMIT keeps
the same rows on every engine. ``unordered`` marks columns holding collect()
lists, whose order Cypher leaves open.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kg import schema as S


@dataclass(frozen=True)
class Question:
    """``bolt``: the same question in the form FalkorDB (the Bolt server in
    the tests) reads, where it lacks Neo4j's; ``neo4j``: a function of the
    NetworkX graph giving Neo4j's answer, where FalkorDB's differs from it
    (FalkorDB lets one relationship match twice in a pattern)."""

    name: str
    cypher: str
    unordered: tuple[str, ...] = field(default=())
    rows_unordered: bool = False
    bolt: str | None = None
    neo4j: Callable[[Any, dict[str, Any]], list[list[Any]]] | None = None


def _co_usage_pairs(g, _params) -> list[list[Any]]:
    """(a, p, b) with two different USES relationships from p to methods."""
    total = 0
    for p, d in g.nodes(data=True):
        if d["label"] == S.PAPER:
            k = sum(1 for _, m, t in g.out_edges(p, keys=True) if t == S.USES and g.nodes[m]["label"] == S.METHOD)
            total += k * (k - 1)
    return [[total]]


def _shared_use(g, _params) -> list[list[Any]]:
    """(p, m, q) with two different USES relationships into m from papers."""
    n = shared = 0
    for m in g.nodes:
        k = sum(1 for p, _, t in g.in_edges(m, keys=True) if t == S.USES and g.nodes[p]["label"] == S.PAPER)
        n += k * (k - 1)
        shared += k >= 2
    return [[n, shared]]


QUESTIONS: list[Question] = [
    Question("count_star", "MATCH (n) RETURN count(*)"),
    Question("labels", "MATCH (n) RETURN labels(n) AS labels, count(*) AS n ORDER BY n DESC, labels[0]"),
    Question("rel_types", "MATCH ()-[r]->() RETURN type(r) AS type, count(r) AS n ORDER BY type"),
    Question("top_k_methods", "MATCH (p:Paper)-[:USES]->(m:Method) RETURN m.name AS method, count(p) AS papers "
             "ORDER BY papers DESC, method LIMIT 10"),
    Question("top_k_datasets_readme", "MATCH (p:Paper)-[:EVALUATES_ON]->(d:Dataset) RETURN d.name, count(p) AS n "
             "ORDER BY n DESC, d.name LIMIT 10"),
    Question("is_not_null", "MATCH (r:Result) WHERE r.high IS NOT NULL OR r.plus_minus IS NOT NULL "
             "RETURN count(*) AS ranged"),
    Question("is_null", "MATCH (p:Paper) WHERE p.date IS NULL RETURN count(p) AS undated"),
    Question("count_distinct", "MATCH (a:Author)-[:AUTHORED]->(p:Paper)-[:USES]->(m:Method) "
             "RETURN count(DISTINCT a) AS authors, count(DISTINCT p) AS papers, count(DISTINCT m) AS methods"),
    Question("two_hop_author_proposes", "MATCH (a:Author)-[:AUTHORED]->(p:Paper)-[:PROPOSES]->(e) "
             "RETURN a.name AS author, count(DISTINCT e) AS proposed ORDER BY proposed DESC, author LIMIT 10"),
    Question("three_hop", "MATCH (m:Method)<-[:USES]-(p:Paper)-[:EVALUATES_ON]->(d:Dataset)<-[:ON_DATASET]-(r:Result) "
             "RETURN m.name AS method, d.name AS dataset, count(DISTINCT r) AS results "
             "ORDER BY results DESC, method, dataset LIMIT 15"),
    Question("co_usage_pairs", "MATCH (a:Method)<-[:USES]-(p:Paper)-[:USES]->(b:Method) RETURN count(*) AS pairs",
             neo4j=_co_usage_pairs),
    Question("co_usage_top", "MATCH (a:Method)<-[:USES]-(p:Paper)-[:USES]->(b:Method) WHERE a.name < b.name "
             "RETURN a.name AS a, b.name AS b, count(p) AS papers ORDER BY papers DESC, a, b LIMIT 10"),
    Question("same_rel_twice", "MATCH (p:Paper)-[:USES]->(m)<-[:USES]-(q:Paper) RETURN count(*) AS n, "
             "count(DISTINCT m) AS shared", neo4j=_shared_use),
    Question("collect", "MATCH (p:Paper)-[:PROPOSES]->(m:Model) RETURN p.key AS paper, collect(m.name) AS models "
             "ORDER BY paper", ("models",)),
    Question("collect_distinct_with", "MATCH (t:Task)<-[:ADDRESSES]-(p:Paper) WITH t, collect(DISTINCT p.key) AS papers "
             "WHERE size(papers) >= 3 RETURN t.name AS task, size(papers) AS n ORDER BY n DESC, task"),
    Question("with_pipeline", "MATCH (p:Paper)-[:USES]->(m:Method) WITH m, count(p) AS uses WHERE uses >= 3 "
             "MATCH (m)<-[:PROPOSES|USES]-(q:Paper) RETURN m.name AS method, uses, count(DISTINCT q) AS papers "
             "ORDER BY uses DESC, method"),
    Question("with_order_limit_collect", "MATCH (m:Method) WITH m ORDER BY m.paper_count DESC, m.key LIMIT 5 "
             "RETURN collect(m.key) AS top"),
    Question("with_order_collect_first", "MATCH (p:Paper)-[:PROPOSES]->(m:Method) WITH p, m ORDER BY m.key DESC "
             "WITH p, collect(m.key)[0] AS last_method RETURN p.key AS paper, last_method ORDER BY paper LIMIT 20"),
    Question("optional_match", "MATCH (m:Model) OPTIONAL MATCH (m)-[t:TRAINED_ON|FINE_TUNED_ON]->(d:Dataset) "
             "RETURN m.key AS model, count(d) AS datasets ORDER BY datasets DESC, model LIMIT 25"),
    Question("optional_match_nulls", "MATCH (d:Dataset) OPTIONAL MATCH (d)-[:BENCHMARK_FOR]->(t:Task) "
             "RETURN d.key AS dataset, t.name AS task ORDER BY dataset, task LIMIT 40"),
    Question("unwind_aliases", "MATCH (e) WHERE e.aliases IS NOT NULL UNWIND e.aliases AS alias "
             "RETURN alias, count(*) AS n ORDER BY n DESC, alias LIMIT 20"),
    Question("unwind_list", "UNWIND [3, 1, 2] AS x RETURN x, x * 2 AS twice ORDER BY x"),
    Question("unwind_authors", "MATCH (p:Paper) WHERE size(p.authors) > 0 UNWIND p.authors AS name "
             "RETURN count(DISTINCT name) AS names"),
    Question("case", "MATCH (e:Method) RETURN CASE WHEN e.paper_count >= 5 THEN 'common' "
             "WHEN e.paper_count >= 2 THEN 'some' ELSE 'rare' END AS band, count(*) AS n ORDER BY band"),
    Question("list_comprehension", "MATCH (e:Model) WHERE size(e.aliases) > 0 "
             "RETURN e.key AS key, [a IN e.aliases WHERE size(a) <= 8 | toLower(a)] AS short ORDER BY key"),
    Question("list_index", "MATCH (p:Paper) WHERE size(p.authors) >= 2 RETURN p.key AS paper, p.authors[0] AS first, "
             "p.authors[1] AS second, p.authors[-1] AS last, p.authors[0..2] AS two ORDER BY paper LIMIT 20"),
    Question("substring", "MATCH (d:Dataset) RETURN substring(d.name, 0, 3) AS prefix, count(*) AS n "
             "ORDER BY n DESC, prefix LIMIT 10"),
    Question("label_predicate", "MATCH (p:Paper)-[r]->(e) WHERE e:Method OR e:Model "
             "RETURN type(r) AS how, count(*) AS n ORDER BY how"),
    Question("pattern_predicate", "MATCH (m:Method) WHERE (m)<-[:PROPOSES]-(:Paper) AND NOT (m)<-[:USES]-(:Paper) "
             "RETURN count(m) AS proposed_never_used"),
    Question("exists_subquery", "MATCH (d:Dataset) WHERE EXISTS { MATCH (d)<-[:ON_DATASET]-(:Result) } "
             "RETURN d.name AS dataset ORDER BY dataset",
             bolt="MATCH (d:Dataset) WHERE (d)<-[:ON_DATASET]-(:Result) RETURN d.name AS dataset ORDER BY dataset"),
    Question("var_length", "MATCH (a)-[:OUTPERFORMS*1..3]->(b) RETURN count(*) AS chains, count(DISTINCT b) AS beaten"),
    Question("var_length_undirected", "MATCH (m:Method {key: $method_key})-[*1..2]-(x) "
             "RETURN labels(x) AS label, count(DISTINCT x) AS n ORDER BY label[0]"),
    Question("var_length_list", "MATCH (a)-[r:OUTPERFORMS*2..3]->(b) RETURN a.key AS x, b.key AS y, size(r) AS hops, "
             "[e IN r | e.dataset] AS datasets ORDER BY x, y, hops LIMIT 30",
             bolt="MATCH p = (a)-[r:OUTPERFORMS*2..3]->(b) RETURN a.key AS x, b.key AS y, length(r) AS hops, "
             "[e IN relationships(p) | e.dataset] AS datasets ORDER BY x, y, hops LIMIT 30"),
    Question("named_path", "MATCH p = (a)-[:OUTPERFORMS*2]->(b) RETURN [n IN nodes(p) | n.key] AS chain, length(p) AS len, "
             "a.key AS first ORDER BY first, chain[1], chain[2] LIMIT 20"),
    Question("shortest_path", "MATCH p = shortestPath((a:Paper {key: $paper_key})-[*..4]->(t:Task {key: $task_key})) "
             "RETURN length(p) AS hops, labels(nodes(p)[0])[0] AS start",
             bolt="MATCH (a:Paper {key: $paper_key}), (t:Task {key: $task_key}) WITH shortestPath((a)-[*..4]->(t)) AS p "
             "RETURN length(p) AS hops, labels(nodes(p)[0])[0] AS start"),
    Question("leaderboard", "MATCH (p:Paper)-[:REPORTS]->(r:Result)-[:ON_DATASET]->(d:Dataset) "
             "MATCH (r)-[:OF_METRIC]->(m:Metric) WHERE r.relative = false "
             "RETURN d.name AS dataset, m.name AS metric, r.value AS value, p.key AS paper "
             "ORDER BY dataset, metric, value DESC, paper"),
    Question("leaderboard_top", "MATCH (p:Paper)-[:REPORTS]->(r:Result {relative: false})-[:ON_DATASET]->(d:Dataset) "
             "MATCH (r)-[:OF_METRIC]->(m:Metric) WITH d, m, r, p ORDER BY r.value DESC, p.key "
             "WITH d, m, collect({value: r.value, paper: p.key})[0] AS top "
             "RETURN d.name AS dataset, m.name AS metric, top.value AS value, top.paper AS paper ORDER BY dataset, metric"),
    Question("leaderboard_best_flag", "MATCH (p:Paper)-[:REPORTS]->(r:Result)-[:ON_DATASET]->(d:Dataset) "
             "WHERE r.best = true RETURN d.name AS dataset, r.metric AS metric, max(r.value) AS best "
             "ORDER BY dataset, metric"),
    Question("aggregates", "MATCH (r:Result) WHERE r.relative = false RETURN count(r) AS n, min(r.value) AS lo, "
             "max(r.value) AS hi, round(avg(r.value) * 1000) / 1000 AS mean, sum(r.value) > 0 AS positive"),
    Question("string_ops", "MATCH (t:Task) WHERE toLower(t.name) STARTS WITH 'image' OR t.name ENDS WITH 'tion' "
             "RETURN t.name AS task, toUpper(t.name) AS upper, size(t.name) AS len ORDER BY task LIMIT 15"),
    Question("map_projection", "MATCH (m:Model) RETURN m {.key, .paper_count} AS model "
             "ORDER BY m.paper_count DESC, m.key LIMIT 5"),
    Question("return_node", "MATCH (d:Dataset) RETURN d ORDER BY d.key LIMIT 5"),
    Question("return_rel", "MATCH (a)-[r:OUTPERFORMS|USED_FOR]->(b) RETURN r, type(r) AS t "
             "ORDER BY a.key, b.key, t LIMIT 10"),
    Question("distinct", "MATCH (p:Paper)-[:USES|PROPOSES]->(m:Method)<-[:ACHIEVED_BY]-(r:Result) "
             "RETURN DISTINCT m.name AS method ORDER BY method"),
    Question("skip_limit", "MATCH (t:Task) RETURN t.key AS task ORDER BY t.paper_count DESC, task SKIP 5 LIMIT 5"),
    Question("in_list_param", "MATCH (m) WHERE m.key IN $keys RETURN m.key AS key, labels(m)[0] AS label ORDER BY key"),
    Question("union", "MATCH (m:Method) WHERE m.paper_count > 3 RETURN m.key AS key UNION "
             "MATCH (d:Dataset) WHERE d.paper_count > 3 RETURN d.key AS key", rows_unordered=True),
    Question("tointeger_round", "MATCH (r:Result) WHERE r.relative = false RETURN toInteger(r.value) AS whole, "
             "round(r.value) AS rounded, count(*) AS n ORDER BY whole, rounded LIMIT 20"),
]


def params_for(graph) -> dict[str, Any]:
    """Parameters chosen from the graph so each question finds something: the
    method with most papers, a dataset with results, a few keys."""
    papers = Counter()
    datasets = Counter()
    for _, v, k in graph.edges(keys=True):
        if k == S.USES and graph.nodes[v]["label"] == S.METHOD:
            papers[graph.nodes[v]["key"]] += 1
        if k == S.ON_DATASET:
            datasets[graph.nodes[v]["key"]] += 1
    method = papers.most_common(1)[0][0]
    dataset = datasets.most_common(1)[0][0]
    # a paper and a task two or three relationships away, following directions (through a method)
    import networkx as nx

    paper_key = task_key = None
    for p, d in sorted(graph.nodes(data=True)):
        if d["label"] != S.PAPER:
            continue
        lengths = nx.single_source_shortest_path_length(graph, p, cutoff=3)
        far = sorted(n for n, k in lengths.items() if k >= 2 and graph.nodes[n]["label"] == S.TASK)
        if far:
            paper_key, task_key = d["key"], graph.nodes[far[0]]["key"]
            break
    return {"method_key": method, "dataset_key": dataset, "keys": [method, dataset, "no-such-key"],
            "paper_key": paper_key, "task_key": task_key}  # fmt: skip


def normalise(question: Question, columns: list[str], rows: list[list[Any]]) -> list[list[Any]]:
    """Rows to compare: collect() lists sorted, floats to 9 significant digits."""

    def clean(v: Any) -> Any:
        if isinstance(v, float):
            return float(f"{v:.9g}")
        if isinstance(v, list):
            return [clean(x) for x in v]
        if isinstance(v, dict):
            return {k: clean(x) for k, x in sorted(v.items())}
        return v

    idx = {columns.index(c) for c in question.unordered if c in columns}
    return [[sorted(clean(v), key=repr) if i in idx and isinstance(v, list) else clean(v) for i, v in enumerate(r)]
            for r in rows]  # fmt: skip
