"""Cypher on the embedded store, in Neo4j's dialect.

A graph directory is queried through its LadybugDB mirror (kg.stores.
ladybug_store), which answers without loading the graph; a graph object in
memory is copied into an in-memory LadybugDB database first. Either way the
query is Neo4j's Cypher, translated by kg.cypher, and values come back as the
Neo4j store returns them.

This module is also callable: ``import kg.query`` makes ``kg.query`` this
module (Python sets a package's attribute to a submodule it imports), which
used to hide the ``kg.query()`` function after its first call. Calling the
module calls that function, so ``kg.query(graph, ...)`` works however often,
and whichever was imported first.
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cypher import QueryError, translate
from .stores import QueryResult

if TYPE_CHECKING:
    import networkx as nx

    from .stores import GraphStore

__all__ = ["QueryError", "query", "run_embedded"]


def run_embedded(g: nx.MultiDiGraph, cypher: str, params: dict[str, Any] | None = None) -> QueryResult:
    """Cypher over a graph object: copied into an in-memory LadybugDB
    database (0.8 s for the seed graph, 70-100 s at 50k papers), then
    queried; a graph directory answers from its database instead."""
    from .stores.ladybug_store import memory_database, run_on

    text, used = translate(cypher, params)  # a bad query fails before the copy
    db = memory_database(g)
    try:
        return run_on(db, text, used, cypher)
    finally:
        db.close()


def query(
    graph: nx.MultiDiGraph | GraphStore | str | os.PathLike, cypher: str, params: dict[str, Any] | None = None
) -> QueryResult:
    """Cypher on a graph object, a store, or a graph directory (its query
    database, without loading the graph)."""
    if isinstance(graph, str | os.PathLike):
        from .stores.ladybug_store import LadybugMirror

        d = Path(graph)
        if not (d / "graph.json.gz").exists():
            raise QueryError(f"no graph in {str(d)!r}: run 'kg build INPUT... --out {d}' first")
        return LadybugMirror(d).query(cypher, params)
    if hasattr(graph, "query") and hasattr(graph, "write"):
        return graph.query(cypher, params)
    return run_embedded(graph, cypher, params)


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> QueryResult:
        return query(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
