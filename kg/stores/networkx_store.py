"""The embedded store: a NetworkX MultiDiGraph persisted as node-link JSON in a
directory. No server; Cypher through a LadybugDB database kept beside the
graph file (kg.stores.ladybug_store), so a query never loads the graph."""

from __future__ import annotations

import gzip
import json
import logging
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx

from .. import schema as S
from ..atomic import write_gzip
from . import QueryResult, register_store
from .ladybug_store import LadybugMirror, graph_file_state
from .locks import directory_lock

log = logging.getLogger(__name__)

GRAPH_FILE = "graph.json.gz"
FORMAT_VERSION = 2
_LIST_PROPS = ("aliases", "sources", "authors")
_FILE_STATE = tuple[int, int, int]  # (inode, size, mtime_ns) of the file a graph was read from


class CorruptGraphError(ValueError):
    """The graph file cannot be read back; the message names it and the way out."""


def _records(g: nx.MultiDiGraph) -> Iterator[str]:
    """Node-link JSON with every node's and edge's attributes nested under
    ``properties``: a property may be called ``id``, ``source``, ``target`` or
    ``key`` (CITES has a ``source``) without overwriting the endpoints."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def props(d: dict) -> dict:
        return {k: v for k, v in d.items() if k != "__labels__"}

    yield (f'{{"format":"kg-node-link","version":{FORMAT_VERSION},"directed":true,"multigraph":true,'
           f'"graph":{dumps(dict(g.graph))},"nodes":[')  # fmt: skip
    for i, (n, d) in enumerate(g.nodes(data=True)):
        yield ("," if i else "") + dumps({"id": n, "properties": props(d)})
    yield '],"edges":['
    for i, (u, v, k, d) in enumerate(g.edges(keys=True, data=True)):
        yield ("," if i else "") + dumps({"source": u, "target": v, "key": k, "properties": props(d)})
    yield "]}"


def save_graph(g: nx.MultiDiGraph, path: Path) -> None:
    """Written record by record, whole or not at all (``kg.atomic``)."""
    write_gzip(path, _records(g))


def load_graph(path: Path) -> nx.MultiDiGraph:
    """The graph saved by ``save_graph`` (or by kg before format 2, whose flat
    records are read as they were). Any damage is one ``CorruptGraphError``."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            data = json.load(f)
        if data.get("version", 1) >= 2:
            g = nx.MultiDiGraph(**data.get("graph", {}))
            for n in data["nodes"]:
                g.add_node(n["id"], **n["properties"])
            g.add_edges_from((e["source"], e["target"], e["key"], e["properties"]) for e in data["edges"])
        else:
            g = nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
        for _, d in g.nodes(data=True):
            d["__labels__"] = {d["label"]}
        for *_, d in g.edges(data=True):
            d["__labels__"] = {d["type"]}
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, zlib.error) as e:
        raise CorruptGraphError(
            f"{path} is not a readable kg graph ({type(e).__name__}: {e}); rebuild it with "
            f"'kg build INPUT... --out {path.parent} --fresh'"
        ) from e
    return g


def check_graph_head(path: Path) -> None:
    """The first bytes of a graph file: gzip, then one of kg's node-link layouts."""
    try:
        with gzip.open(path, "rb") as f:
            head = f.read(64)
    except (OSError, EOFError, zlib.error) as e:
        head, why = b"", f"{type(e).__name__}: {e}"
    else:
        why = "not kg's node-link JSON"
    if not head.startswith((b'{"format":"kg-node-link"', b'{"directed"')):
        raise CorruptGraphError(f"{path} is not a readable kg graph ({why}); rebuild it with "
                                f"'kg build INPUT... --out {path.parent} --fresh'")  # fmt: skip


def _file_state(path: Path) -> _FILE_STATE | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files of writers that were killed; only called under the lock,
    when no other writer can own one."""
    for tmp in path.parent.glob(path.name + ".*.tmp"):
        tmp.unlink(missing_ok=True)
        log.info("removed %s, left by an interrupted write", tmp)


def new_graph() -> nx.MultiDiGraph:
    from ..graph import new_graph as _new

    return _new()


def summary(g: nx.MultiDiGraph) -> dict[str, dict[str, int]]:
    from ..graph import summary as _summary

    return _summary(g)


_Changes = tuple[set[str], set[tuple[str, str, str]], set[tuple[str, str, str]]]


def merge_into(into: nx.MultiDiGraph, other: nx.MultiDiGraph) -> _Changes:
    """MERGE semantics: nodes by id, edges by (u, v, type); list properties are
    unioned, other properties updated where the new value is known. A new
    entity whose name or long-form alias is already a stored entity's name or
    alias joins that entity, as it would have in one build of all papers.

    Returns the nodes and edges the merge touched (by their ids in ``into``),
    with every node whose count or best result the merge changed, and the
    edges it removed (none yet): what the query database must change to stay
    in step."""
    from ..resolve import rebase_entities, rebase_papers, stored_entity_index, stored_paper_index

    derived = {nid: (d.get("paper_count"), d.get("best"), d.get("aliases")) for nid, d in into.nodes(data=True)
               if d.get("label") in S.ENTITY_LABELS or d.get("label") == S.RESULT}  # fmt: skip
    stored = ((d["label"], d["key"], [d.get("name") or "", *(d.get("aliases") or [])]) for _, d in into.nodes(data=True)
              if d.get("label") in S.ENTITY_LABELS)  # fmt: skip
    other = rebase_entities(other, stored_entity_index(stored))
    other = rebase_papers(other, stored_paper_index(d for _, d in into.nodes(data=True) if d.get("label") == S.PAPER))
    touched_nodes: set[str] = set(other.nodes)
    touched_edges: set[tuple[str, str, str]] = set()
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
        touched_edges.add((u, v, key))
        if into.has_edge(u, v, key):
            into.edges[u, v, key].update({k: x for k, x in d.items() if x is not None})
        else:
            into.add_edge(u, v, key=key, **d)
    refresh_counts(into)
    for nid, before in derived.items():
        d = into.nodes[nid]
        if (d.get("paper_count"), d.get("best"), d.get("aliases")) != before:
            touched_nodes.add(nid)
    return touched_nodes, touched_edges, set()


def graph_difference(old: nx.MultiDiGraph, new: nx.MultiDiGraph) -> tuple[
        list[str], list[tuple[str, str, str]], list[tuple[str, str, str]], list[tuple[str, str]]]:  # fmt: skip
    """What turns ``old`` into ``new``: nodes new or changed, edges new or
    changed, edges gone between nodes that stay, and nodes gone (label, key),
    whose edges go with them."""

    def same(a: dict, b: dict) -> bool:
        return {k: v for k, v in a.items() if k != "__labels__"} == {k: v for k, v in b.items() if k != "__labels__"}

    nodes = [n for n, d in new.nodes(data=True) if n not in old or not same(old.nodes[n], d)]
    gone_nodes = [(d["label"], d[S.KEY]) for n, d in old.nodes(data=True) if n not in new]
    edges = [(u, v, k) for u, v, k, d in new.edges(keys=True, data=True)
             if not old.has_edge(u, v, k) or not same(old.edges[u, v, k], d)]  # fmt: skip
    gone_edges = [(u, v, k) for u, v, k in old.edges(keys=True) if u in new and v in new and not new.has_edge(u, v, k)]
    return nodes, edges, gone_edges, gone_nodes


def refresh_counts(g: nx.MultiDiGraph) -> None:
    """paper_count = distinct papers linked to the entity, and the best result
    per dataset and metric; recomputed after a merge so both stay right when
    new papers arrive."""
    for nid, d in g.nodes(data=True):
        if d.get("label") in S.ENTITY_LABELS:
            d["paper_count"] = sum(1 for p in g.predecessors(nid) if g.nodes[p].get("label") == S.PAPER)
        if d.get("label") in S.ENTITY_LABELS and d.get("name") in d.get("aliases", []):
            d["aliases"] = [a for a in d["aliases"] if a != d["name"]]
    from ..relations import mark_best

    mark_best(g)


@register_store("networkx")
class NetworkXStore:
    name = "networkx"

    def __init__(self, path: str | os.PathLike = "kg-graph", **_: Any) -> None:
        self.dir = Path(path)
        if self.dir.exists() and not self.dir.is_dir():
            raise NotADirectoryError(f"{self.dir} is a file, not a graph directory: choose another --out")
        self.file = self.dir / GRAPH_FILE
        self.mirror = LadybugMirror(self.dir, GRAPH_FILE)
        self._graph: nx.MultiDiGraph | None = None
        self._state: _FILE_STATE | None = None  # the file self._graph was read from or saved to

    def read(self) -> nx.MultiDiGraph:
        if self._graph is None:
            self._state = _file_state(self.file)
            self._graph = load_graph(self.file) if self._state else new_graph()
        return self._graph

    def exists(self) -> bool:
        return self.file.exists()

    def prepare(self, fresh: bool = False) -> None:
        """Fail before any work when the directory cannot be made or written,
        or (unless ``fresh``) holds a file that is not a kg graph; damage
        further in is found when the graph is read."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if not os.access(self.dir, os.W_OK):
            raise PermissionError(f"{self.dir} is not writable")
        if not fresh and self.file.exists():
            check_graph_head(self.file)

    def write(self, graph: nx.MultiDiGraph) -> None:
        """Merge ``graph`` into what is on disk now, under the directory lock:
        another process may have written since this store last read, and its
        papers must survive this write."""
        with directory_lock(self.dir):
            _remove_stale_temporaries(self.file)
            if self._graph is not None and self._state != _file_state(self.file):
                self._graph = None  # someone else wrote: merge into theirs
            before = graph_file_state(self.file)
            g = self.read()
            if g.number_of_nodes() == 0:
                self._graph = g = graph
                refresh_counts(g)
                changes = None
            else:
                changes = merge_into(g, graph)
            mirrored = self.mirror.begin_write(before)  # the graph file is about to change
            save_graph(g, self.file)
            self._state = _file_state(self.file)
            after = graph_file_state(self.file)
            if changes is None or mirrored is None:
                self.mirror.rebuild(g, after)
            else:
                nodes, edges, removed = changes
                self.mirror.update(g, nodes, edges, removed, mirrored=mirrored, after=after)

    def replace(self, graph: nx.MultiDiGraph) -> None:
        """Make ``graph`` the stored graph (a build of every paper the
        directory holds), and bring the query database in step by its
        difference from the graph on disk: nodes and relationships added,
        changed and gone, never a rebuild from scratch when few changed."""
        with directory_lock(self.dir):
            _remove_stale_temporaries(self.file)
            before = graph_file_state(self.file)
            old = load_graph(self.file) if self.file.exists() else None
            refresh_counts(graph)
            mirrored = self.mirror.begin_write(before)
            save_graph(graph, self.file)
            self._graph, self._state = graph, _file_state(self.file)
            after = graph_file_state(self.file)
            if old is None or mirrored is None:
                self.mirror.rebuild(graph, after)
                return
            nodes, edges, gone_edges, gone_nodes = graph_difference(old, graph)
            self.mirror.update(graph, nodes, edges, gone_edges, mirrored=mirrored, after=after, removed_nodes=gone_nodes)

    def query(self, cypher: str, params: dict[str, Any] | None = None) -> QueryResult:
        """Full Cypher in Neo4j's dialect (kg.cypher translates), answered by
        the LadybugDB mirror without loading the graph."""
        return self.mirror.query(cypher, params)

    def counts(self) -> dict[str, dict[str, int]]:
        return summary(self.read())

    def clear(self) -> None:
        with directory_lock(self.dir):
            self._graph = new_graph()
            self.mirror.remove()
            self.file.unlink(missing_ok=True)
            self._state = None

    def close(self) -> None:
        self._graph = None
