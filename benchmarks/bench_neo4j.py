"""Loading throughput of the Neo4j store over Bolt: the graph built from the
5k arXiv sample, written with batched UNWIND ... MERGE, in nodes/s and
relationships/s, next to a baseline measured in the same run on the same
server: one MERGE statement per relationship (what a naive loader does), on
a sample of the same relationships.

    python benchmarks/bench_neo4j.py [--input FILE] [--batch-size N] [--uri bolt://...]

Without --uri (or KG_TEST_BOLT_URI / NEO4J_URI) it starts a FalkorDB with
.ci/falkordb and stops it at the end. The database is cleared before and
after. Target (issue 4): at least 20,000 relationships per second.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "arxiv_ml_abstracts_2025_2026" / "ml_abstracts_5k_sample.jsonl"
BASELINE_SAMPLE = 2000


def _start_falkordb() -> dict[str, str]:
    out = subprocess.run([str(ROOT / ".ci" / "falkordb"), "start"], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHON": sys.executable})  # fmt: skip
    return dict(line.split("=", 1) for line in out.stdout.split() if "=" in line)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, default=DEFAULT)
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--uri", default=os.environ.get("KG_TEST_BOLT_URI") or os.environ.get("NEO4J_URI"))
    ap.add_argument("--user", default=os.environ.get("KG_TEST_BOLT_USER") or os.environ.get("NEO4J_USER", "falkordb"))
    args = ap.parse_args(argv)
    password = os.environ.get("KG_TEST_BOLT_PASSWORD", os.environ.get("NEO4J_PASSWORD", ""))

    from kg import schema as S
    from kg.graph import build, summary
    from kg.readers import read_papers
    from kg.stores import open_store

    started_here = args.uri is None
    if started_here:
        env = _start_falkordb()
        args.uri, args.user, password = env["KG_TEST_BOLT_URI"], env["KG_TEST_BOLT_USER"], ""
    try:
        t = time.perf_counter()
        papers, _ = read_papers([args.input])
        graph = build(papers)
        counts = summary(graph)
        n_nodes, n_rels = graph.number_of_nodes(), graph.number_of_edges()
        print(f"input: {args.input.name}, {len(papers)} papers -> {n_nodes} nodes, {n_rels} relationships "
              f"(built in {time.perf_counter() - t:.1f} s)")  # fmt: skip

        store = open_store("neo4j", uri=args.uri, user=args.user, password=password, batch_size=args.batch_size)
        print(f"server: {store.uri} ({store.flavour}{', ' + store.server_version if store.server_version else ''}), "
              f"key index: ", end="")  # fmt: skip
        try:
            store.clear()
            t = time.perf_counter()
            store.write(graph)
            load_s = time.perf_counter() - t
            first = dict(store.last_write)
            print(store.key_index)
            assert store.counts() == counts, "the load lost or duplicated records"

            t = time.perf_counter()
            store.write(graph)
            rerun_s = time.perf_counter() - t
            assert store.counts() == counts, "a rerun changed the counts"

            # Baseline: the same kind of relationship MERGE, one statement per row.
            edges = [(u, v, k) for u, v, k in graph.edges(keys=True)
                     if graph.nodes[u]["label"] == S.PAPER][:BASELINE_SAMPLE]  # fmt: skip
            t = time.perf_counter()
            for u, v, k in edges:
                lu, lv = graph.nodes[u], graph.nodes[v]
                store.query(
                    f"MATCH (a:{S.PAPER} {{key: $s}}) MATCH (b:{lv['label']} {{key: $t}}) "
                    f"MERGE (a)-[r:{k}]->(b) SET r.bench = 1",
                    {"s": lu["key"], "t": lv["key"]},
                )
            base_s = time.perf_counter() - t
        finally:
            store.clear()
            store.close()
    finally:
        if started_here:
            subprocess.run([str(ROOT / ".ci" / "falkordb"), "stop"], check=False)

    phases = store.last_write  # of the rerun
    rels_s = n_rels / first["relationships"]
    base_rels_s = len(edges) / base_s
    print(f"load: {load_s:.2f} s in all (batch size {args.batch_size}): "
          + ", ".join(f"{k} {v:.2f} s" for k, v in first.items()))
    print(f"  nodes: {n_nodes / first['nodes']:,.0f} nodes/s; relationships: {rels_s:,.0f} relationships/s; "
          f"end to end: {n_rels / load_s:,.0f} relationships/s")  # fmt: skip
    print("rerun phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
    print(f"rerun (idempotent, same counts): {rerun_s:.2f} s")
    print(f"baseline, one MERGE per relationship ({len(edges)} rows): {base_rels_s:,.0f} relationships/s")
    print(f"ratio to baseline: {rels_s / base_rels_s:.1f}x")
    print(f"target >= 20,000 relationships/s: {'met' if rels_s >= 20_000 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
