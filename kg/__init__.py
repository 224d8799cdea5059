"""kg: citation and knowledge graphs from research papers.

The Python face of the CLI::

    import kg
    papers, report = kg.read_papers(["papers.jsonl"])
    graph = kg.build(papers)                 # networkx.MultiDiGraph
    kg.query(graph, "MATCH (d:Dataset) RETURN d.name, d.paper_count")
    kg.query("kg-graph", "MATCH (p:Paper) RETURN count(*)")   # a graph directory

Imports are deferred so that ``import kg`` (and ``kg --help``) stays quick:
spaCy loads only when something is extracted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

    from .records import Paper, ReadReport
    from .stores import GraphStore, QueryResult

__version__ = "0.1.0"
__all__ = ["build", "open_store", "query", "read_papers", "summary"]


def read_papers(
    inputs: Iterable[str | Path], fmt: str | None = None
) -> tuple[list[Paper], ReadReport]:
    """Read files or directories into deduplicated papers, and a report of what was skipped."""
    from .readers import read_papers as _read

    return _read(inputs, fmt)


def build(
    papers: Iterable[Paper], extractor: str = "default", workers: int = 1,
    progress: Callable[[int], None] | None = None, min_confidence: float = 0.0,
) -> nx.MultiDiGraph:  # fmt: skip
    """Extract, resolve and lay out the knowledge graph of these papers;
    ``min_confidence`` drops entities less likely than that to be right."""
    from .graph import build as _build

    return _build(papers, extractor=extractor, workers=workers, progress=progress, min_confidence=min_confidence)


def query(
    graph: nx.MultiDiGraph | GraphStore | str | Path, cypher: str, params: dict[str, Any] | None = None
) -> QueryResult:
    """Cypher in Neo4j's dialect on a graph object, a store or a graph
    directory (see docs/cypher.md). ``kg.query`` stays callable after
    ``import kg.query``: that module calls this function."""
    from .query import query as _query

    return _query(graph, cypher, params)


def open_store(backend: str = "networkx", **options: Any) -> GraphStore:
    """``open_store("networkx", path=DIR)`` or ``open_store("neo4j", uri=..., user=..., password=...)``."""
    from .stores import open_store as _open

    return _open(backend, **options)


def summary(graph: nx.MultiDiGraph) -> dict[str, dict[str, int]]:
    """Nodes per label and edges per type."""
    from .graph import summary as _summary

    return _summary(graph)
