"""Relations and results as graph records.

The extractors read, per paper, one paper-level relation per entity, the
relations between entities a sentence states, and the numbers the paper
reports (:func:`extractors.read_relations`). Here they become edges between
the resolved entity nodes and Result nodes, the way leaderboards keep them:
a Result -[:OF_METRIC]-> Metric, -[:ON_DATASET]-> Dataset, -[:ACHIEVED_BY]->
Method/Model, and the paper -[:REPORTS]-> it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import networkx as nx

from extractors import Relation, Result

from . import schema as S
from .graph import add_edge, add_node

# Metrics where a lower value is the better one; every other metric is read
# as higher-is-better when ranking results.
_LOWER_IS_BETTER = re.compile(
    r"error|\berr\b|loss|perplexity|\bppl\b|latency|\btime\b|\bwer\b|\bcer\b|\bfid\b|\bmse\b|\brmse\b|\bmae\b"
    r"|distance|regret|epsilon|\beer\b|memory|cost|flops|negative flips|forgetting",
    re.I,
)

Lookup = Callable[[str | None, str], str | None]


def better(metric: str | None) -> str:
    return "lower" if metric and _LOWER_IS_BETTER.search(metric) else "higher"


def result_key(paper_key: str, r: Result) -> str:
    """One Result per number in a paper: the paper's key and the number's offset."""
    return f"{paper_key}#{r.start}"


def add_entity_relations(g: nx.MultiDiGraph, paper_key: str, relations: list[Relation], node: Lookup) -> None:
    """Entity -> entity edges; ``node(type, name)`` is the resolved node id."""
    for rel in relations:
        if rel.head is None or rel.type not in S.ENTITY_REL_TYPES:
            continue
        u, v = node(rel.head_type, rel.head), node(rel.tail_type, rel.tail)
        if u is None or v is None or u == v:
            continue
        props = {"paper": paper_key, "evidence": rel.evidence, "extractor": f"rules/{rel.rule}",
                 "confidence": round(rel.confidence, 3)}  # fmt: skip
        if rel.type == S.OUTPERFORMS and rel.dataset:
            props["dataset"] = rel.dataset
        add_edge(g, u, v, rel.type, **props)


def add_results(g: nx.MultiDiGraph, paper_key: str, results: list[Result], node: Lookup) -> None:
    paper = S.node_id(S.PAPER, paper_key)
    for r in results:
        rid = add_node(
            g, S.RESULT, result_key(paper_key, r),
            value=r.value, unit=r.unit, relative=r.relative, text=r.text, metric=r.metric, dataset=r.dataset,
            achieved_by=r.achieved_by, high=r.high, plus_minus=r.plus_minus, better=better(r.metric), paper=paper_key,
        )  # fmt: skip
        evidence = {"evidence": r.evidence, "extractor": f"rules/{r.rule}", "confidence": round(r.confidence, 3)}
        add_edge(g, paper, rid, S.REPORTS, **evidence)
        for rel, typ, name in ((S.OF_METRIC, S.METRIC, r.metric), (S.ON_DATASET, S.DATASET, r.dataset)):
            if name and (target := node(typ, name)):
                add_edge(g, rid, target, rel, **evidence)
        if r.achieved_by:
            target = node(S.MODEL, r.achieved_by) or node(S.METHOD, r.achieved_by)
            if target:
                add_edge(g, rid, target, S.ACHIEVED_BY, **evidence)


def _score(d: dict) -> float:
    """Values on one scale: 89% and 0.89 compare equal."""
    v = float(d["value"])
    return v / 100 if d.get("unit") == "%" else v


# Units of a change or a ratio against something else, never a score of one's own.
NOT_A_SCORE_UNITS = frozenset({"x", "pp", "points", "point"})


def result_groups(g: nx.MultiDiGraph) -> Iterator[tuple[tuple[str, str, str], str, dict]]:
    """((dataset node, metric node, unit), node id, properties) of every
    absolute Result with a dataset and a metric, in node order; sets ``best``
    false on every Result. A leaderboard ranks one metric on one dataset in
    one unit: 89% and 0.89 are not ranked together (a bare number may be on
    another scale), and a gain ("+2.1 points", "3x faster") is never a best."""
    for nid, d in g.nodes(data=True):
        if d.get("label") != S.RESULT:
            continue
        d["best"] = False
        if d.get("relative") or d.get("value") is None or (d.get("unit") or "").lower() in NOT_A_SCORE_UNITS:
            continue
        ds = next((v for _, v, k in g.out_edges(nid, keys=True) if k == S.ON_DATASET), None)
        mt = next((v for _, v, k in g.out_edges(nid, keys=True) if k == S.OF_METRIC), None)
        if ds and mt:
            yield (ds, mt, d.get("unit") or ""), nid, d


class Leaderboard:
    """The best Result per (dataset, metric, unit), fed one Result at a time in
    node order: the first of a group says which way is better, the first of
    equal best values wins. Holds one entry per group, so a streamed build
    ranks every Result of the corpus without holding them."""

    def __init__(self) -> None:
        self.top: dict[tuple[str, ...], tuple[bool, str, float]] = {}  # group -> (lower is better, node, score)

    def add(self, group: tuple[str, ...], nid: str, d: dict) -> None:
        score = _score(d)
        held = self.top.get(group)
        if held is None:
            self.top[group] = (d.get("better") == "lower", nid, score)
        elif (score < held[2]) if held[0] else (score > held[2]):  # as min() and max() pick: strictly better
            self.top[group] = (held[0], nid, score)

    def winners(self) -> set[str]:
        return {nid for _, nid, _ in self.top.values()}


def mark_best(g: nx.MultiDiGraph) -> None:
    """``best`` on every absolute Result: true for the best value on its
    (dataset, metric, unit), so one query lists the leaderboard's top without
    WITH or collect (which the embedded engine lacks). Recomputed after every
    merge, as paper counts are."""
    board = Leaderboard()
    for group, nid, d in result_groups(g):
        board.add(group, nid, d)
    for nid in board.winners():
        g.nodes[nid]["best"] = True
