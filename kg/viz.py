"""Interactive HTML pages of the graph (``kg viz``), drawn with vis-network
through pyvis, that work offline.

Two steps::

    from kg.viz import render, subgraph_for
    g = subgraph_for(store, entity="BERT", hops=2, types=["Paper", "Dataset"])
    render(g, "bert.html", max_nodes=300)

``subgraph_for`` picks the part of the graph to draw (a Cypher query's nodes,
an entity's neighbourhood, labels to keep, a minimum paper count);
``render`` writes one self-contained page: vis-network's script and style are
inlined from the pyvis package, nothing is fetched from the web, and every
text from a paper reaches the page as JSON that the page's script puts into
the DOM as text, never as markup. ``show`` returns the same page for Jupyter.
See docs/viz.md.
"""

from __future__ import annotations

import heapq
import html
import json
import logging
import math
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import networkx as nx

from . import schema as S

log = logging.getLogger(__name__)

__all__ = ["COLORS", "find_nodes", "page_html", "render", "show", "subgraph_for", "trim"]

DEFAULT_MAX_NODES = 300

# One colour per label (Tableau 10), in legend order.
COLORS: dict[str, str] = {
    S.PAPER: "#4e79a7",
    S.METHOD: "#f28e2b",
    S.MODEL: "#e15759",
    S.DATASET: "#59a14f",
    S.METRIC: "#edc948",
    S.TASK: "#b07aa1",
    S.AUTHOR: "#bab0ac",
    S.VENUE: "#9c755f",
    S.RESULT: "#76b7b2",
}
_OTHER_COLOR = "#999999"

# How much of each text goes into the page.
_LABEL_CHARS = 40
_EVIDENCE_PER_NODE = 3
_EVIDENCE_CHARS = 300
_ABSTRACT_CHARS = 600
_MAX_ALIASES = 10
_MAX_AUTHORS = 6

_VIS_DIR = "lib/vis-9.1.2"
_ASSETS = Path(__file__).with_name("viz_assets")


# -- choosing what to draw --------------------------------------------------
def subgraph_for(
    store: Any,
    query: str | None = None,
    entity: str | None = None,
    hops: int = 1,
    types: Sequence[str] | None = None,
    min_papers: int = 0,
    params: dict[str, Any] | None = None,
) -> nx.MultiDiGraph:
    """The part of the graph to draw, as a new MultiDiGraph.

    ``store`` is a GraphStore (its ``read()`` gives the whole graph, its
    ``query()`` runs Cypher) or a graph itself. The steps, each optional, in
    this order:

    1. ``query``: the nodes the Cypher query returns, and the edges among
       them (only the returned relationships' types, when it returns any);
       see :func:`nodes_from_result` for how results name nodes.
    2. ``entity``: the nodes within ``hops`` of the entity or paper with this
       name, alias, title or key (case-insensitive), edges in either direction.
    3. ``types``: keep only nodes with these labels (``["Method", "Dataset"]``).
    4. ``min_papers``: drop entities found in fewer papers; papers stay.

    Centre nodes found by ``entity`` survive steps 3 and 4, and ``render``
    keeps them when it trims the page to ``max_nodes``.
    """
    g: nx.MultiDiGraph = store if isinstance(store, nx.Graph) else store.read()
    caption: list[str] = []
    nodes: set[str] = set(g)
    edge_types: set[str] | None = None

    if query:
        result = (_run_embedded(g, query, params) if isinstance(store, nx.Graph)
                  else store.query(query, params))  # fmt: skip
        nodes, returned_types = nodes_from_result(result.rows, g)
        if not nodes:
            raise ValueError(
                "the query returned nothing that names a graph node: return nodes (RETURN n), "
                "their keys (RETURN n.key) or their names"
            )
        edge_types = returned_types or None
        caption.append(f"query: {_short(' '.join(query.split()), 120)}")

    centres: list[str] = []
    if entity is not None:
        view = g.subgraph(nodes) if query else g
        centres = find_nodes(view, entity)
        if not centres:
            raise ValueError(_not_found(view, entity))
        nodes = _within_hops(view, centres, hops, edge_types)
        caption.append(f"{hops} hop{'s' if hops != 1 else ''} around {_short(entity, 80)!r}")

    if types and (labels := _labels(types)):
        nodes = {n for n in nodes if g.nodes[n].get("label") in labels}
        caption.append("types: " + ", ".join(sorted(labels)))
    if min_papers > 0:
        nodes = {n for n in nodes
                 if g.nodes[n].get("label") not in S.ENTITY_LABELS or (g.nodes[n].get("paper_count") or 0) >= min_papers}  # fmt: skip
        caption.append(f"entities in at least {min_papers} paper{'s' if min_papers != 1 else ''}")
    nodes |= set(centres)

    sub = g.subgraph(nodes)
    if edge_types is not None:
        sub = nx.subgraph_view(sub, filter_edge=lambda u, v, k: k in edge_types)
    out = nx.MultiDiGraph(sub)  # a copy: attributes are shared, the structure is not
    out.graph["kg_viz"] = {"centres": centres, "caption": "; ".join(caption)}
    return out


def _run_embedded(g: nx.MultiDiGraph, query: str, params: dict[str, Any] | None):
    from .query import run_embedded

    return run_embedded(g, query, params)


def _labels(types: Iterable[str]) -> set[str]:
    known = {label.lower(): label for label in S.NODE_LABELS}
    out = set()
    for t in types:
        t = t.strip()
        if not t:
            continue
        if t.lower() not in known:
            raise ValueError(f"unknown node type {t!r}; known: {', '.join(S.NODE_LABELS)}")
        out.add(known[t.lower()])
    return out


def _fold(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def _names(d: dict[str, Any]) -> Iterator[str]:
    for prop in ("name", "title"):
        if d.get(prop):
            yield str(d[prop])
    yield from (str(a) for a in d.get("aliases") or ())


def find_nodes(g: nx.MultiDiGraph, text: str) -> list[str]:
    """Nodes whose name, title, alias, key or id is ``text``, ignoring case and
    spacing; failing that, entities whose resolved key matches (``"Res-Net"``
    finds ResNet). Sorted by id."""
    want = _fold(text)
    if not want:
        return []
    hits = [n for n, d in g.nodes(data=True)
            if _fold(n) == want or _fold(d.get("key", "")) == want or any(_fold(s) == want for s in _names(d))]  # fmt: skip
    if not hits:
        from .resolve import entity_key

        key = entity_key(text)
        hits = [n for n, d in g.nodes(data=True) if d.get("label") in S.ENTITY_LABELS and d.get("key") == key]
    return sorted(hits)


def _not_found(g: nx.MultiDiGraph, text: str, limit: int = 5) -> str:
    want = _fold(text)
    close = sorted({s for _, d in g.nodes(data=True) for s in _names(d) if want in _fold(s)}, key=len)[:limit]
    hint = f"; did you mean: {', '.join(repr(_short(s, 60)) for s in close)}" if close else ""
    return f"no entity or paper named {_short(text, 80)!r} in the graph{hint}"


def _neighbours(g: nx.MultiDiGraph, n: str, edge_types: set[str] | None = None) -> Iterator[str]:
    for _, v, k in g.out_edges(n, keys=True):
        if edge_types is None or k in edge_types:
            yield v
    for u, _, k in g.in_edges(n, keys=True):
        if edge_types is None or k in edge_types:
            yield u


def _within_hops(g: nx.MultiDiGraph, centres: Iterable[str], hops: int, edge_types: set[str] | None) -> set[str]:
    seen = set(centres)
    frontier = list(seen)
    for _ in range(hops):
        nxt = []
        for n in frontier:
            for m in _neighbours(g, n, edge_types):
                if m not in seen:
                    seen.add(m)
                    nxt.append(m)
        frontier = nxt
    return seen


def nodes_from_result(rows: Iterable[Iterable[Any]], g: nx.MultiDiGraph) -> tuple[set[str], set[str]]:
    """Graph nodes and relationship types named by query results.

    A value names nodes when it is a node (a dict with ``label`` and ``key``,
    as both stores return nodes, or a driver node with labels and a ``key``
    property), a node id (``"Method:bert"``), a key (``"bert"``, every label
    with that key), or a name, title or alias (case-insensitive). Lists are
    searched item by item; numbers and other values are ignored. A returned
    relationship (a dict with ``type``, or a driver relationship) contributes
    its type and, when it has them, its end nodes.
    """
    nodes: set[str] = set()
    types: set[str] = set()
    by_key: dict[str, list[str]] | None = None
    by_name: dict[str, list[str]] | None = None

    def indexes() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        nonlocal by_key, by_name
        if by_key is None or by_name is None:
            by_key, by_name = defaultdict(list), defaultdict(list)
            for n, d in g.nodes(data=True):
                by_key[str(d.get("key", ""))].append(n)
                for s in _names(d):
                    by_name[_fold(s)].append(n)
        return by_key, by_name

    def node(label: str | None, key: Any, props: dict[str, Any]) -> None:
        if label and key is not None and (nid := S.node_id(label, str(key))) in g:
            nodes.add(nid)
        elif key is not None:
            nodes.update(n for n in indexes()[0].get(str(key), ()) if not label or g.nodes[n].get("label") == label)
        else:
            for s in _names(props):
                nodes.update(indexes()[1].get(_fold(s), ()))

    def visit(v: Any) -> None:
        if v is None or isinstance(v, bool | int | float):
            return
        if isinstance(v, str):
            if v in g:
                nodes.add(v)
            elif v in indexes()[0]:
                nodes.update(indexes()[0][v])
            else:
                nodes.update(indexes()[1].get(_fold(v), ()))
        elif isinstance(v, dict):
            if "label" in v or "key" in v or "name" in v or "title" in v:
                node(v.get("label"), v.get("key"), v)
            elif isinstance(v.get("type"), str):
                types.add(v["type"])
        elif isinstance(v, list | tuple | set | frozenset):
            for x in v:
                visit(x)
        elif hasattr(v, "labels") and hasattr(v, "get"):  # a driver's Node
            labels = [lb for lb in v.labels if lb in S.NODE_LABELS]
            node(labels[0] if labels else None, v.get("key"), dict(v))
        elif isinstance(getattr(v, "type", None), str) and hasattr(v, "nodes"):  # a driver's Relationship
            types.add(v.type)
            for end in v.nodes:
                if end is not None:
                    visit(end)
        elif hasattr(v, "nodes") and hasattr(v, "relationships"):  # a driver's Path
            visit(list(v.nodes))
            visit(list(v.relationships))

    for row in rows:
        for value in row:
            visit(value)
    return nodes, types


# -- trimming large graphs --------------------------------------------------
def _degrees(g: nx.MultiDiGraph) -> dict[str, int]:
    """Distinct neighbours, either direction."""
    return {n: len(set(g.successors(n)) | set(g.predecessors(n))) for n in g}


def trim(g: nx.MultiDiGraph, max_nodes: int, keep: Iterable[str] = ()) -> set[str]:
    """The ``max_nodes`` nodes of the most connected part: grown from ``keep``
    (else the best connected node) by always taking the best connected
    neighbour next, so the result hangs together; when a component is used up
    the best connected node left starts the next."""
    if g.number_of_nodes() <= max_nodes:
        return set(g)
    keep = [n for n in keep if n in g]
    deg = _degrees(g)
    order = sorted(g, key=lambda n: (-deg[n], n))
    starts = iter([*keep, *order])
    kept: set[str] = set()
    heap: list[tuple[int, str]] = []
    while len(kept) < max_nodes:
        if not heap:
            for n in starts:
                if n not in kept:
                    heapq.heappush(heap, (-math.inf if n in keep else -deg[n], n))  # type: ignore[arg-type]
                    break
            else:
                break
        _, n = heapq.heappop(heap)
        if n in kept:
            continue
        kept.add(n)
        for m in _neighbours(g, n):
            if m not in kept:
                heapq.heappush(heap, (-deg[m], m))
    return kept


# -- the page ---------------------------------------------------------------
def _short(text: Any, limit: int) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "\u2026"


def _size(x: float) -> float:
    return round(min(60.0, 10.0 + 5.0 * math.log2(1.0 + max(0.0, x))), 1)


def _paper_url(d: dict[str, Any]) -> str | None:
    url = d.get("url")
    if isinstance(url, str) and urlsplit(url.strip()).scheme in ("http", "https"):
        return url.strip()
    if d.get("arxiv_id"):
        return "https://arxiv.org/abs/" + quote(str(d["arxiv_id"]), safe="./")
    if d.get("doi"):
        return "https://doi.org/" + quote(str(d["doi"]), safe="/.:;()-_")
    return None


def _display_name(d: dict[str, Any], nid: str) -> str:
    for prop in ("name", "title", "text", "key"):
        if d.get(prop):
            return str(d[prop])
    return nid


def _node_info(g: nx.MultiDiGraph, nid: str, d: dict[str, Any], citations: dict[str, int]) -> dict[str, Any]:
    label = d.get("label", "")
    fields: list[tuple[str, str]] = []
    info: dict[str, Any] = {"kind": label, "heading": _short(_display_name(d, nid), 400)}
    if label == S.PAPER:
        if d.get("year"):
            fields.append(("Year", str(d["year"])))
        authors = list(d.get("authors") or [])
        if authors:
            more = " et al." if len(authors) > _MAX_AUTHORS else ""
            fields.append(("Authors", ", ".join(map(str, authors[:_MAX_AUTHORS])) + more))
        if d.get("venue"):
            fields.append(("Venue", str(d["venue"])))
        if citations.get(nid):
            fields.append(("Cited by", f"{citations[nid]} in this graph"))
        fields.append(("Key", str(d.get("key", ""))))
        info["url"] = _paper_url(d)
        if d.get("abstract"):
            info["text"] = _short(d["abstract"], _ABSTRACT_CHARS)
    else:
        aliases = [str(a) for a in d.get("aliases") or () if a != d.get("name")]
        if aliases:
            more = f" (+{len(aliases) - _MAX_ALIASES})" if len(aliases) > _MAX_ALIASES else ""
            fields.append(("Aliases", ", ".join(aliases[:_MAX_ALIASES]) + more))
        if "paper_count" in d:
            fields.append(("Papers", str(d.get("paper_count") or 0)))
        elif label in (S.AUTHOR, S.VENUE):
            fields.append(("Papers here", str(sum(1 for _ in _neighbours(g, nid)))))
        for prop in ("value", "unit", "metric", "dataset"):
            if d.get(prop) is not None and label == S.RESULT:
                fields.append((prop.capitalize(), str(d[prop])))
        fields.append(("Key", str(d.get("key", ""))))
        evidence, seen = [], set()
        for u, _, ed in g.in_edges(nid, data=True):
            s = ed.get("evidence")
            if s and s not in seen:
                seen.add(s)
                source = _display_name(g.nodes[u], u)
                same = _fold(source) == _fold(s)  # a title read as the evidence: say it once
                evidence.append({"s": _short(s, _EVIDENCE_CHARS), "p": "" if same else _short(source, 80)})
                if len(evidence) >= _EVIDENCE_PER_NODE:
                    break
        if evidence:
            info["evidence"] = evidence
    info["fields"] = fields
    return info


def _edge_info(g: nx.MultiDiGraph, u: str, v: str, edges: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    fields = [("From", _short(_display_name(g.nodes[u], u), 100)), ("To", _short(_display_name(g.nodes[v], v), 100))]
    evidence = []
    for rel, d in edges:
        extra = [str(d[k]) for k in ("extractor", "confidence", "source", "via") if d.get(k) is not None]
        if extra:
            fields.append((rel, ", ".join(extra)))
        if d.get("evidence"):
            evidence.append({"s": _short(d["evidence"], _EVIDENCE_CHARS), "p": rel if len(edges) > 1 else ""})
    return {
        "kind": "Relationship",
        "heading": " / ".join(rel for rel, _ in edges),
        "fields": fields,
        "evidence": evidence,
    }


def _options(n_nodes: int) -> dict[str, Any]:
    """vis-network options. The layout settles in a fixed number of
    iterations, fewer and coarser (Barnes-Hut theta 1) for big graphs, and the
    page turns physics off once it has: a 2,000-node page is still in ~5 s."""
    big = n_nodes > 500
    small = n_nodes <= 300
    iterations = 600 if small else 400 if n_nodes <= 1000 else 250
    fa2 = {"gravitationalConstant": -60, "centralGravity": 0.01, "springLength": 90, "springConstant": 0.08,
           "damping": 0.5, "theta": 0.8 if small else 1.0, "avoidOverlap": 0.2 if small else 0.0}  # fmt: skip
    return {
        "autoResize": True,
        "layout": {"improvedLayout": n_nodes <= 150, "randomSeed": 7},
        "nodes": {
            "shape": "dot",
            "borderWidth": 1,
            "font": {"size": 12, "face": "sans-serif"},
            "scaling": {"label": {"drawThreshold": 3}},
        },  # fmt: skip
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "color": {"color": "#b5b5b5", "highlight": "#555555", "hover": "#777777", "inherit": False},
            "font": {"size": 9, "color": "#666666", "strokeWidth": 2, "align": "middle"},
            "smooth": {"enabled": not big, "type": "continuous", "roundness": 0.3},
            "width": 1,
        },
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": fa2,
            "maxVelocity": 60,
            "minVelocity": 1.0,
            "timestep": 0.4,
            "stabilization": {"enabled": True, "iterations": iterations, "updateInterval": 25, "fit": True},
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "keyboard": False,
            "multiselect": True,
        },  # fmt: skip
    }


def _network(g: nx.MultiDiGraph) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Nodes and edges as vis-network reads them, assembled with pyvis."""
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="in_line")
    has_cites = any(k == S.CITES for *_, k in g.edges(keys=True))
    citations: dict[str, int] = Counter(v for _, v, k in g.edges(keys=True) if k == S.CITES)
    deg = _degrees(g)
    for nid, d in sorted(g.nodes(data=True), key=lambda x: x[0]):
        label = d.get("label", "")
        name = _display_name(d, nid)
        if label == S.PAPER:
            weight = citations.get(nid, 0) if has_cites else deg[nid]
        elif "paper_count" in d:
            weight = d.get("paper_count") or 0
        else:
            weight = deg[nid]
        size = _size(weight)
        font = {"size": 10 if label == S.PAPER else round(min(26.0, 12 + 2 * math.log2(1 + weight)))}
        color = COLORS.get(label, _OTHER_COLOR)
        net.add_node(nid, label=_short(name, _LABEL_CHARS), color=color, size=size, font=font,
                     info=_node_info(g, nid, d, citations))  # fmt: skip
    pairs: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for u, v, k, d in g.edges(keys=True, data=True):
        pairs[(u, v)].append((str(d.get("type", k)), d))
    for (u, v), rels in sorted(pairs.items()):
        rels.sort(key=lambda r: r[0])
        net.add_edge(u, v, label=" / ".join(r for r, _ in rels), info=_edge_info(g, u, v, rels))
    nodes, edges, *_ = net.get_network_data()
    return nodes, edges


@cache
def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


@cache
def _vis_asset(name: str) -> str:
    import pyvis

    path = Path(pyvis.__file__).parent / "templates" / _VIS_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"vis-network is missing from the pyvis package ({path}); reinstall pyvis>=0.3.2,<0.4")
    return path.read_text(encoding="utf-8")


def _script_safe(js: str) -> str:
    """Script text that cannot end its <script> element early, without a
    source map to look for."""
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.M)
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.I).replace("<!--", "<\\!--")


def _json_for_html(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))  # fmt: skip


def _legend(g: nx.MultiDiGraph) -> str:
    counts = Counter(d.get("label", "") for _, d in g.nodes(data=True))
    order = [*COLORS, *sorted(set(counts) - set(COLORS))]
    items = [
        f'<span class="kg-legend-item" data-label="{html.escape(label)}">'
        f'<span class="kg-swatch" style="background:{COLORS.get(label, _OTHER_COLOR)}"></span>'
        f"{html.escape(label)} ({counts[label]:,})</span>"
        for label in order
        if counts.get(label)
    ]
    rels = Counter(k for *_, k in g.edges(keys=True))
    if rels:
        text = ", ".join(f"{html.escape(str(t))} {c:,}" for t, c in sorted(rels.items()))
        items.append(f'<span class="kg-legend-item kg-legend-edges">edges: {text}</span>')
    return "".join(items)


def _left_out(g: nx.MultiDiGraph, kept: set[str]) -> tuple[str, int, Counter]:
    dropped = Counter(g.nodes[n].get("label", "?") for n in g if n not in kept)
    n_edges = sum(1 for u, v in g.edges() if u not in kept or v not in kept)
    by_label = ", ".join(f"{label} {c:,}" for label, c in dropped.most_common())
    text = (f"Showing the {len(kept):,} most connected of {g.number_of_nodes():,} nodes; "
            f"left out {sum(dropped.values()):,} nodes ({by_label}) and {n_edges:,} edges. "
            "Narrow the selection (--entity, --types, --min-papers, --query) or raise --max-nodes.")  # fmt: skip
    return text, n_edges, dropped


def page_html(graph: nx.MultiDiGraph, max_nodes: int = DEFAULT_MAX_NODES, title: str | None = None) -> str:
    """The whole self-contained page as a string (what ``render`` writes)."""
    meta = graph.graph.get("kg_viz", {})
    note = ""
    g = graph
    if max_nodes < 1:
        raise ValueError("max_nodes must be at least 1")
    if graph.number_of_nodes() > max_nodes:
        kept = trim(graph, max_nodes, keep=meta.get("centres", ()))
        text, _, _ = _left_out(graph, kept)
        log.warning("%s", text)
        note = f'<p id="kg-note" role="note">{html.escape(text)}</p>'
        g = graph.subgraph(kept)
    nodes, edges = _network(g)
    heading = title or ("kg graph" + (f" \u2014 {meta['caption']}" if meta.get("caption") else ""))
    stats = f"{g.number_of_nodes():,} nodes \u00b7 {g.number_of_edges():,} edges"
    data = {"nodes": nodes, "edges": edges, "options": _options(len(nodes))}
    values = {
        "TITLE": html.escape(heading),
        "STATS": html.escape(stats),
        "LEGEND": _legend(g),
        "NOTE": note,
        "N_NODES": f"{len(nodes):,}",
        "DATA": _json_for_html(data),
        "VIS_CSS": _vis_asset("vis-network.css").replace("</", "<\\/"),
        "KG_CSS": _asset("kg-viz.css"),
        "VIS_JS": _script_safe(_vis_asset("vis-network.min.js")),
        "KG_JS": _script_safe(_asset("kg-viz.js")),
    }
    # one pass over the template, so nothing inserted is read as a placeholder
    return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values[m.group(1)], _asset("page.html"))


def render(graph: nx.MultiDiGraph, output_path: str | Path, max_nodes: int = DEFAULT_MAX_NODES,
           title: str | None = None) -> Path:  # fmt: skip
    """Write the interactive page for ``graph`` (at most ``max_nodes`` nodes,
    the most connected part) and return its path."""
    path = Path(output_path)
    page = page_html(graph, max_nodes=max_nodes, title=title)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    log.info("wrote %s (%d bytes)", path, len(page))
    return path


def show(graph: nx.MultiDiGraph, max_nodes: int = DEFAULT_MAX_NODES, title: str | None = None,
         height: int = 650) -> Any:  # fmt: skip
    """The page for Jupyter: an ``IPython.display.HTML`` holding it in a
    sandboxed iframe (scripts run inside, nothing is fetched)."""
    try:
        from IPython.display import HTML
    except ImportError as e:  # pragma: no cover - IPython comes with pyvis
        raise RuntimeError("kg.viz.show needs IPython; use kg.viz.render(graph, path) instead") from e
    page = page_html(graph, max_nodes=max_nodes, title=title)
    frame = (f'<iframe srcdoc="{html.escape(page, quote=True)}" sandbox="allow-scripts allow-popups" '
             f'style="width:100%;height:{int(height)}px;border:1px solid #ddd"></iframe>')  # fmt: skip
    with warnings.catch_warnings():  # IPython suggests IFrame, which needs a URL; srcdoc keeps it in the notebook
        warnings.simplefilter("ignore", UserWarning)
        return HTML(frame)
