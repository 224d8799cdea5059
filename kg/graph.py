"""From papers to graph records: extract, resolve, then lay out typed nodes and
edges in a NetworkX MultiDiGraph whose shape every store shares."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from extractors import Entity, Relation, Result, document_text, get_extractor, read_relations

from . import schema as S
from .records import Paper
from .resolve import entity_key, resolve

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


def new_graph() -> nx.MultiDiGraph:
    return nx.MultiDiGraph(kg_schema=1)


def add_node(g: nx.MultiDiGraph, label: str, key: str, **props) -> str:
    """Add or update a node; ``None`` properties never overwrite known values."""
    nid = S.node_id(label, key)
    props = {k: v for k, v in props.items() if v is not None}
    if nid in g:
        g.nodes[nid].update(props)
    else:
        g.add_node(nid, label=label, key=key, __labels__={label}, **props)
    return nid


def add_edge(g: nx.MultiDiGraph, u: str, v: str, rel: str, **props) -> None:
    """One edge per (u, v, type): re-adding updates it, so builds are idempotent."""
    props = {k: v for k, v in props.items() if v is not None}
    data = g.get_edge_data(u, v, rel)  # the stored attribute dict itself, or None
    if data is not None:
        data.update(props)
    else:
        g.add_edge(u, v, key=rel, type=rel, __labels__={rel}, **props)


def paper_props(p: Paper) -> dict:
    return {
        "title": p.title, "abstract": p.abstract, "year": p.year, "date": p.date, "doi": p.doi,
        "arxiv_id": p.arxiv_id, "s2_id": p.s2_id, "openalex_id": p.openalex_id, "url": p.url,
        "authors": list(p.authors), "venue": p.venue, "in_corpus": p.in_corpus, "sources": list(p.sources),
    }  # fmt: skip


@dataclass(slots=True)
class Extraction:
    """What was read from one paper: its entities, one paper-level relation
    per entity plus the entity-level ones, and the results it reports."""

    paper_id: str
    entities: list[Entity]
    relations: list[Relation] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)


def read_extraction(paper: Paper, entities: list[Entity], parsed: Any = None) -> Extraction:
    relations, results = read_relations(paper.title or "", paper.abstract or "", entities, parsed)
    return Extraction(paper.id, entities, relations, results)


def extract_all(
    papers: Sequence[Paper], extractor: str = "default", workers: int = 1, progress: Progress | None = None,
    all_mentions: bool = True, parser: str | None = None, min_confidence: float = 0.0,
) -> list[Extraction]:
    """What each paper says. Relations and results are read while every
    mention is at hand; then ``all_mentions=False`` keeps only the first
    mention of each entity (its evidence sentence): on 50k papers the rest is
    most of the extraction's memory. ``parser`` names an installed spaCy
    pipeline with a dependency parser (package or folder) whose parse adds
    entity-level relations (``extractors.dependency``). Entities whose
    calibrated ``confidence`` is under ``min_confidence`` are dropped before
    any relation is read from them."""  # fmt: skip
    ex = get_extractor(extractor)
    out: list[Extraction] = []
    docs = ((p.title, p.abstract) for p in papers)
    batch = 64 if workers <= 1 else 256
    parses: Iterator[Any] = itertools.repeat(None, len(papers))
    if parser:
        from extractors.dependency import load_parser

        texts = (document_text(p.title or "", p.abstract or "") for p in papers)
        parses = load_parser(parser).pipe(texts, batch_size=batch)
    entity_lists = ex.pipe(docs, n_process=workers, batch_size=batch)
    for p, entities, parsed in zip(papers, entity_lists, parses, strict=True):
        if min_confidence > 0:
            entities = [e for e in entities if e.confidence >= min_confidence]
        found = read_extraction(p, entities, parsed)
        if not all_mentions:
            for e in entities:
                del e.mentions[1:]
        out.append(found)
        if progress:
            progress(1)
    return out


def build_graph(
    papers: Sequence[Paper], extractions: Iterable[Extraction | tuple[str, list[Entity]]]
) -> nx.MultiDiGraph:
    """Graph records for papers and what was read from them. Plain
    ``(paper_id, entities)`` pairs get their relations read here, from the
    entities' mentions."""
    from .relations import mark_best

    g = new_graph()
    by_id = {p.id: p for p in papers}

    def as_extraction(x: Extraction | tuple[str, list[Entity]]) -> Extraction:
        if isinstance(x, Extraction):
            return x
        pid, entities = x
        return read_extraction(by_id[pid], entities) if pid in by_id else Extraction(pid, entities)

    extractions = [as_extraction(x) for x in extractions]
    add_papers(g, papers)
    resolved, lookup = resolve((x.paper_id, x.entities) for x in extractions)
    for (label, key), r in resolved.items():
        add_node(g, label, key, name=r.name, aliases=r.aliases, paper_count=len(r.papers))
    add_extractions(g, extractions, lookup)
    mark_best(g)

    from .citations import add_builds_on, add_citations

    add_citations(g, papers)
    add_builds_on(g, papers)
    return g


def add_papers(g: nx.MultiDiGraph, papers: Iterable[Paper]) -> None:
    """Paper nodes, their Author and Venue nodes, AUTHORED and PUBLISHED_IN."""
    for p in papers:
        pid = add_node(g, S.PAPER, p.id, **paper_props(p))
        for pos, name in enumerate(p.authors):
            aid = add_node(g, S.AUTHOR, entity_key(name), name=name)
            add_edge(g, aid, pid, S.AUTHORED, position=pos)
        if p.venue:
            add_edge(g, pid, add_node(g, S.VENUE, entity_key(p.venue), name=p.venue), S.PUBLISHED_IN)


def add_extractions(
    g: nx.MultiDiGraph, extractions: Iterable[Extraction], lookup: dict[tuple[str, str, str], tuple[str, str]]
) -> None:
    """What each paper says as edges: one Paper -> entity edge per entity,
    the entity-level relations, the Result nodes and theirs. ``lookup`` maps
    (paper id, type, canonical key of the entity's name) to the resolved
    (label, key), as :func:`kg.resolve.resolve` returns it; it needs to hold
    only these papers' entities."""
    from .relations import add_entity_relations, add_results

    for x in extractions:
        pid = x.paper_id
        paper_node = S.node_id(S.PAPER, pid)

        def node(typ: str | None, name: str, pid: str = pid) -> str | None:
            found = lookup.get((pid, typ, entity_key(name))) if typ else None
            return S.node_id(*found) if found else None

        read = {(r.tail_type, r.tail): r for r in x.relations if r.head is None}
        for e in x.entities:
            rel = read.get((e.type, e.name))
            if rel is not None:
                typ, props = rel.type, {"evidence": rel.evidence, "extractor": f"{e.extractor}/{rel.rule}",
                                        "confidence": round(min(e.confidence, rel.confidence), 3)}  # fmt: skip
            else:
                typ = S.PROPOSES if e.proposed else S.MENTION_REL[e.type]
                props = {"evidence": e.mentions[0].sentence if e.mentions else None, "extractor": e.extractor,
                         "confidence": round(e.confidence, 3)}  # fmt: skip
            add_edge(g, paper_node, node(e.type, e.name), typ, **props)
        add_entity_relations(g, pid, x.relations, node)
        add_results(g, pid, x.results, node)


def build(
    papers: Iterable[Paper], extractor: str = "default", workers: int = 1, progress: Progress | None = None,
    min_confidence: float = 0.0,
) -> nx.MultiDiGraph:
    """Papers in, knowledge graph out (the Python face of ``kg build``)."""
    papers = list(papers)
    return build_graph(papers, extract_all(papers, extractor, workers, progress, all_mentions=False,
                                           min_confidence=min_confidence))  # fmt: skip


def summary(g: nx.MultiDiGraph) -> dict[str, dict[str, int]]:
    """Nodes per label and edges per type."""
    nodes: dict[str, int] = {}
    for _, label in g.nodes(data="label"):
        nodes[label] = nodes.get(label, 0) + 1
    edges: dict[str, int] = {}
    for *_, t in g.edges(keys=True):
        edges[t] = edges.get(t, 0) + 1
    return {"nodes": dict(sorted(nodes.items())), "edges": dict(sorted(edges.items()))}
