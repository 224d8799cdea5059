"""Export the graph to files other tools read: GraphML and GEXF (Gephi,
Cytoscape), node-link JSON, and CSV in the layout ``neo4j-admin database
import`` reads."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import networkx as nx

from . import schema as S

FORMATS = ("graphml", "gexf", "json", "csv")


def _plain_graph(g: nx.MultiDiGraph, scalars: bool) -> nx.MultiDiGraph:
    """Internal attributes and None dropped; with ``scalars`` (GraphML and GEXF
    take nothing else) lists become JSON text."""

    def conv(d: dict) -> dict:
        out = {}
        for k, v in d.items():
            if k == "__labels__" or v is None:
                continue
            out[k] = json.dumps(v, ensure_ascii=False) if scalars and isinstance(v, list | dict) else v
        return out

    h = nx.MultiDiGraph()
    h.add_nodes_from((n, conv(d)) for n, d in g.nodes(data=True))
    h.add_edges_from((u, v, k, conv(d)) for u, v, k, d in g.edges(keys=True, data=True))
    return h


def _csv_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ";".join(str(x).replace(";", ",") for x in v)
    return str(v)


def _csv_type(values: list) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return ":boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return ":long"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return ":double"
    if present and all(isinstance(v, list) for v in present):
        return ":string[]"
    return ""


def export_csv(g: nx.MultiDiGraph, out_dir: Path) -> list[Path]:
    """One node file per label and one relationship file per type, headers in
    neo4j-admin's form (``id:ID``, ``:LABEL``, ``:START_ID``, ``:END_ID``,
    ``:TYPE``); import with ``neo4j-admin database import full
    --nodes=nodes_Paper.csv ... --relationships=rels_CITES.csv ...``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    by_label: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for n, d in g.nodes(data=True):
        by_label[d["label"]].append((n, d))
    for label, nodes in sorted(by_label.items()):
        props = [p for p in (S.KEY, *S.NODE_PROPERTIES.get(label, ())) if any(p in d for _, d in nodes)]
        header = ["id:ID"] + [p + _csv_type([d.get(p) for _, d in nodes]) for p in props] + [":LABEL"]
        path = out_dir / f"nodes_{label}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            for n, d in nodes:
                w.writerow([n] + [_csv_value(d.get(p)) for p in props] + [label])
        written.append(path)
    by_type: dict[str, list[tuple[str, str, dict]]] = defaultdict(list)
    for u, v, k, d in g.edges(keys=True, data=True):
        by_type[k].append((u, v, d))
    for rel, edges in sorted(by_type.items()):
        props = [p for p in S.REL_PROPERTIES.get(rel, ()) if any(p in d for *_, d in edges)]
        header = [":START_ID"] + [p + _csv_type([d.get(p) for *_, d in edges]) for p in props] + [":END_ID", ":TYPE"]
        path = out_dir / f"rels_{rel}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            for u, v, d in edges:
                w.writerow([u] + [_csv_value(d.get(p)) for p in props] + [v, rel])
        written.append(path)
    return written


def export(g: nx.MultiDiGraph, fmt: str, out: Path) -> list[Path]:
    if fmt == "graphml":
        nx.write_graphml(_plain_graph(g, scalars=True), out)
    elif fmt == "gexf":
        nx.write_gexf(_plain_graph(g, scalars=True), out)
    elif fmt == "json":
        data = nx.node_link_data(_plain_graph(g, scalars=False), edges="edges")
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    elif fmt == "csv":
        return export_csv(g, out)
    else:
        raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    return [out]
