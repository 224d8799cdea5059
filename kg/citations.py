"""CITES edges from bibliographic metadata.

A reference that resolves to a paper in the corpus links the two; one that does
not becomes a Paper node marked ``in_corpus = false``.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx

from . import schema as S
from .dedup import PaperIndex
from .records import Paper, PaperRef


def _ref_key(ref: PaperRef) -> str | None:
    try:
        return S.paper_key(id=ref.id, doi=ref.doi, arxiv_id=ref.arxiv_id, title=ref.title) if (
            ref.id or ref.doi or ref.arxiv_id or ref.title
        ) else (f"s2:{ref.s2_id}" if ref.s2_id else (f"openalex:{ref.openalex_id}" if ref.openalex_id else None))
    except ValueError:
        return None


def add_citations(g: nx.MultiDiGraph, papers: Sequence[Paper]) -> int:
    from .build import add_edge, add_node

    index = PaperIndex()
    for p in papers:
        index.add(p)
    added = 0
    for p in papers:
        src = S.node_id(S.PAPER, p.id)
        pairs = [(src, ref, True) for ref in p.references] + [(src, ref, False) for ref in p.cited_by]
        for node, ref, outgoing in pairs:
            target = index.find(ref)
            if target is not None:
                other = S.node_id(S.PAPER, target.id)
            else:
                key = _ref_key(ref)
                if key is None:
                    continue
                other = add_node(g, S.PAPER, key, title=ref.title, doi=ref.doi, arxiv_id=ref.arxiv_id,
                                 s2_id=ref.s2_id, openalex_id=ref.openalex_id, year=ref.year, in_corpus=False)
            u, v = (node, other) if outgoing else (other, node)
            if u != v:
                add_edge(g, u, v, S.CITES, source="metadata")
                added += 1
    return added
