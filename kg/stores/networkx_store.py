"""The embedded store: a NetworkX MultiDiGraph persisted as node-link JSON in a
directory. No server; Cypher through grand-cypher (see kg.query)."""

from __future__ import annotations

import gzip
import json
import logging
import os
from pathlib import Path
from typing import Any

import networkx as nx

from .. import schema as S
from ..graph import new_graph, summary
from ..relations import mark_best
from . import QueryResult, register_store

log = logging.getLogger(__name__)

GRAPH_FILE = "graph.json.gz"
_LIST_PROPS = ("aliases", "sources", "authors")


def save_graph(g: nx.MultiDiGraph, path: Path) -> None:
    """Node-link JSON, written record by record in chunks (the whole text of a
    50k-paper graph never sits in memory at once) to a temporary file that is
    then renamed, so a crash never leaves half a graph."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def records():
        yield '{"directed":true,"multigraph":true,"graph":' + dumps(dict(g.graph)) + ',"nodes":['
        for i, (n, d) in enumerate(g.nodes(data=True)):
            yield ("," if i else "") + dumps({"id": n, **{k: v for k, v in d.items() if k != "__labels__"}})
        yield '],"edges":['
        for i, (u, v, k, d) in enumerate(g.edges(keys=True, data=True)):
            rec = {"source": u, "target": v, "key": k, **{a: x for a, x in d.items() if a != "__labels__"}}
            yield ("," if i else "") + dumps(rec)
        yield "]}"

    tmp = path.with_name(path.name + ".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=1) as f:
        chunk: list[str] = []
        for piece in records():
            chunk.append(piece)
            if len(chunk) >= 5000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))
    os.replace(tmp, path)


def load_graph(path: Path) -> nx.MultiDiGraph:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)
    g = nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
    for _, d in g.nodes(data=True):
        d["__labels__"] = {d["label"]}
    for *_, d in g.edges(data=True):
        d["__labels__"] = {d["type"]}
    return g


def merge_into(into: nx.MultiDiGraph, other: nx.MultiDiGraph) -> None:
    """MERGE semantics: nodes by id, edges by (u, v, type); list properties are
    unioned, other properties updated where the new value is known. A new
    entity whose name or long-form alias is already a stored entity's name or
    alias joins that entity, as it would have in one build of all papers."""
    from ..resolve import rebase_entities, stored_entity_index

    stored = ((d["label"], d["key"], d.get("aliases")) for _, d in into.nodes(data=True)
              if d.get("label") in S.ENTITY_LABELS)  # fmt: skip
    other = rebase_entities(other, stored_entity_index(stored))
    for nid, d in other.nodes(data=True):
        if nid not in into:
            into.add_node(nid, **{k: (set(v) if k == "__labels__" else v) for k, v in d.items()})
            continue
        mine = into.nodes[nid]
        for k, v in d.items():
            if v is None or k == "__labels__":
                continue
            if k in _LIST_PROPS and isinstance(mine.get(k), list):
                mine[k] = mine[k] + [x for x in v if x not in mine[k]]
            elif k == "in_corpus":
                mine[k] = bool(mine.get(k)) or bool(v)
            else:
                mine[k] = v
    for u, v, key, d in other.edges(keys=True, data=True):
        if into.has_edge(u, v, key):
            into.edges[u, v, key].update({k: x for k, x in d.items() if x is not None})
        else:
            into.add_edge(u, v, key=key, **d)
    refresh_counts(into)


def refresh_counts(g: nx.MultiDiGraph) -> None:
    """paper_count = distinct papers linked to the entity, and the best result
    per dataset and metric; recomputed after a merge so both stay right when
    new papers arrive."""
    for nid, d in g.nodes(data=True):
        if d.get("label") in S.ENTITY_LABELS:
            d["paper_count"] = sum(1 for p in g.predecessors(nid) if g.nodes[p].get("label") == S.PAPER)
        if d.get("label") in S.ENTITY_LABELS and d.get("name") in d.get("aliases", []):
            d["aliases"] = [a for a in d["aliases"] if a != d["name"]]
    mark_best(g)


@register_store("networkx")
class NetworkXStore:
    name = "networkx"

    def __init__(self, path: str | os.PathLike = "kg-graph", **_: Any) -> None:
        self.dir = Path(path)
        self.file = self.dir / GRAPH_FILE
        self._graph: nx.MultiDiGraph | None = None

    def read(self) -> nx.MultiDiGraph:
        if self._graph is None:
            self._graph = load_graph(self.file) if self.file.exists() else new_graph()
        return self._graph

    def exists(self) -> bool:
        return self.file.exists()

    def write(self, graph: nx.MultiDiGraph) -> None:
        g = self.read()
        if g.number_of_nodes() == 0:
            self._graph = g = graph
            refresh_counts(g)
        else:
            merge_into(g, graph)
        self.dir.mkdir(parents=True, exist_ok=True)
        save_graph(g, self.file)

    def query(self, cypher: str, params: dict[str, Any] | None = None) -> QueryResult:
        from ..query import run_embedded

        return run_embedded(self.read(), cypher, params)

    def counts(self) -> dict[str, dict[str, int]]:
        return summary(self.read())

    def clear(self) -> None:
        self._graph = new_graph()
        if self.file.exists():
            self.file.unlink()

    def close(self) -> None:
        self._graph = None
