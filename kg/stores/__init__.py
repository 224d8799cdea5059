"""Stores hold the graph: NetworkX on disk (embedded, the default) or Neo4j
over Bolt. Both take the same graph records and answer the same Cypher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import networkx as nx


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or refuses us (server down, bad password)."""


class GraphStore(Protocol):
    name: str

    def write(self, graph: nx.MultiDiGraph) -> None:
        """Merge graph records in: idempotent, and entities already there gain
        the new papers' aliases and counts."""

    def read(self) -> nx.MultiDiGraph:
        """The whole graph, in the shape ``kg.graph.build`` makes."""

    def query(self, cypher: str, params: dict[str, Any] | None = None) -> QueryResult: ...

    def counts(self) -> dict[str, dict[str, int]]:
        """Nodes per label and relationships per type."""

    def clear(self) -> None: ...

    def close(self) -> None: ...


_STORES: dict[str, Callable[..., GraphStore]] = {}


def register_store(name: str) -> Callable[[Callable[..., GraphStore]], Callable[..., GraphStore]]:
    def deco(factory: Callable[..., GraphStore]) -> Callable[..., GraphStore]:
        _STORES[name] = factory
        return factory

    return deco


def open_store(backend: str, **options: Any) -> GraphStore:
    if backend == "neo4j" and backend not in _STORES:
        from . import neo4j_store  # noqa: F401  (imports the driver only when asked for)
    try:
        factory = _STORES[backend]
    except KeyError:
        raise KeyError(f"unknown backend {backend!r}; known: {', '.join(sorted(_STORES))}") from None
    return factory(**options)


from . import networkx_store  # noqa: E402,F401
