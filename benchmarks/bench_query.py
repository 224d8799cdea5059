"""`kg query` latency from a fresh process, on a built graph, next to the
grand-cypher path it replaced, measured in the same run.

    python benchmarks/bench_query.py --graph DIR [--runs 5] [--baseline-runs 1] [--baseline-src DIR]

DIR is a graph directory built from the 50k arXiv file (``kg build
../shared/data/arxiv_ml_abstracts_2025_2026/ml_abstracts_50k.jsonl --out DIR``).
Five representative questions (top-k aggregate, two-hop pattern, filtered
look-up, variable-length path, leaderboard) each run ``--runs`` times as
``python -m kg.cli query --graph DIR --json ...`` in a new process; the
median is the figure. Target (issue 16): every median under 1 s.

The baseline is the same command from a source tree of kg before issue 16
(``--baseline-src``: a checkout of commit d33ed1a or any tree whose kg/query.py
runs grand-cypher), which loads graph.json.gz and imports spaCy on every call;
each baseline run is capped at ``--baseline-timeout`` seconds. Parameters are
chosen from the graph with the new engine (not timed), so each query finds
something.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

QUERIES: dict[str, str] = {
    "top-k aggregate": "MATCH (p:Paper)-[:USES]->(m:Method) RETURN m.name AS method, count(p) AS papers "
                       "ORDER BY papers DESC LIMIT 10",
    "two-hop pattern": "MATCH (m:Method)<-[:USES]-(p:Paper)-[:EVALUATES_ON]->(d:Dataset) WHERE m.name = $method "
                       "RETURN d.name AS dataset, count(p) AS papers ORDER BY papers DESC LIMIT 10",
    "filtered look-up": "MATCH (p:Paper) WHERE p.key = $paper RETURN p.title AS title, p.date AS date",
    "variable-length path": "MATCH (a:Paper)-[:BUILDS_ON*1..3]->(b:Paper) WHERE a.key = $paper "
                            "RETURN b.key AS builds_on",
    "leaderboard": "MATCH (p:Paper)-[:REPORTS]->(r:Result)-[:ON_DATASET]->(d:Dataset) "
                   "WHERE d.name = $dataset AND r.relative = false "
                   "RETURN r.metric AS metric, r.value AS value, p.title AS paper ORDER BY value DESC LIMIT 10",
}  # fmt: skip


def kg_query(src: Path, graph: Path, cypher: str, params: dict[str, str], timeout: float) -> tuple[float, int | None]:
    """Seconds for one fresh ``kg query`` process from source tree ``src``, and the rows it printed."""
    cmd = [sys.executable, "-m", "kg.cli", "query", "--graph", str(graph), "--json", cypher]
    for k, v in params.items():
        cmd += ["--param", f"{k}={v}"]
    env = {**os.environ, "PYTHONPATH": str(src)}
    t0 = time.perf_counter()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=src, timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t0, None
    elapsed = time.perf_counter() - t0
    if out.returncode:
        sys.stderr.write(f"  failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}\n")
        return elapsed, None
    return elapsed, len(json.loads(out.stdout))


def pick_params(graph: Path) -> dict[str, str]:
    """The method most papers use, the paper with most BUILDS_ON chains, the dataset with most results."""
    import kg

    method = kg.query(graph, "MATCH (p:Paper)-[:USES]->(m:Method) RETURN m.name, count(p) AS n "
                             "ORDER BY n DESC LIMIT 1").rows  # fmt: skip
    paper = kg.query(graph, "MATCH (a:Paper)-[:BUILDS_ON*1..3]->(b) RETURN a.key, count(*) AS n "
                            "ORDER BY n DESC, a.key LIMIT 1").rows  # fmt: skip
    dataset = kg.query(graph, "MATCH (r:Result)-[:ON_DATASET]->(d:Dataset) WHERE r.relative = false "
                              "RETURN d.name, count(r) AS n ORDER BY n DESC LIMIT 1").rows  # fmt: skip
    return {"method": method[0][0], "paper": paper[0][0], "dataset": dataset[0][0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graph", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--baseline-src", type=Path, default=None, help="kg source tree before issue 16 (grand-cypher)")
    ap.add_argument("--baseline-runs", type=int, default=1)
    ap.add_argument("--baseline-timeout", type=float, default=300.0)
    args = ap.parse_args(argv)

    # the first query after a build or a copy of the directory may build the database: not a figure
    kg_query(ROOT, args.graph, "MATCH (n) RETURN count(*)", {}, timeout=3600)
    params = pick_params(args.graph)
    print(f"graph: {args.graph}; parameters: {json.dumps(params, ensure_ascii=False)}")
    print(f"{'query':<22} {'kg query (LadybugDB)':>24} {'grand-cypher':>20} {'ratio':>8}  rows")
    worst = 0.0
    for name, cypher in QUERIES.items():
        used = {k: v for k, v in params.items() if f"${k}" in cypher}
        times, rows = [], None
        for _ in range(args.runs):
            t, rows = kg_query(ROOT, args.graph, cypher, used, timeout=600)
            times.append(t)
        med = statistics.median(times)
        worst = max(worst, med)
        base = "not run"
        ratio = ""
        if args.baseline_src:
            bt = []
            for _ in range(args.baseline_runs):
                t, brows = kg_query(args.baseline_src, args.graph, cypher, used, args.baseline_timeout)
                bt.append(t if brows is not None else float("inf"))
            bmed = statistics.median(bt)
            base = f"{bmed:.2f} s" if bmed != float("inf") else f"failed/>{args.baseline_timeout:.0f} s"
            ratio = f"{bmed / med:.0f}x" if bmed != float("inf") else ""
        spread = f"{min(times):.2f}-{max(times):.2f}"
        print(f"{name:<22} {med:>8.2f} s ({spread:>9}) {base:>20} {ratio:>8}  {rows}")
    print(f"slowest median: {worst:.2f} s (target < 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
