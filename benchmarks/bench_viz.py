"""How long a large ``kg viz`` page takes to settle in headless Chromium.

    python benchmarks/bench_viz.py [--input FILE | --graph DIR] [--nodes 2000] [--repeat 3]

Builds the graph of the 5k arXiv sample (or reads a built one), renders the
most connected ``--nodes`` nodes as a page, opens it in headless Debian
Chromium (the same driver as tests/test_viz.py) and times, per run, the
page's own stabilisation (vis-network's ``stabilizationIterationsDone``,
measured in the page) and the wall time from navigation to a settled page.

Target (issue 6): a 2,000-node page settles in under 15 seconds.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "arxiv_ml_abstracts_2025_2026" / "ml_abstracts_5k_sample.jsonl"
TARGET_S = 15.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, default=DEFAULT, help="papers to build the graph from")
    ap.add_argument("--graph", type=Path, default=None, help="a graph directory already built (skips the build)")
    ap.add_argument("--nodes", type=int, default=2000, help="nodes on the page")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--screenshot", type=Path, default=None, help="save a screenshot of the settled page here")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    sys.path.insert(0, str(ROOT / "tests"))
    from test_viz import chromium_binary

    binary = chromium_binary()
    if not binary:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    if args.graph:
        from kg.stores import open_store

        g = open_store("networkx", path=args.graph).read()
    else:
        from kg.graph import build
        from kg.readers import read_papers

        papers, _ = read_papers([args.input])
        g = build(papers)
    build_s = time.perf_counter() - t0

    with tempfile.TemporaryDirectory(prefix="kg-bench-viz-") as tmp:
        return measure(g, build_s, Path(tmp) / "graph.html", binary, args)


def measure(g, build_s: float, page: Path, binary: str, args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_viz import Chromium, local_only

    from kg.viz import render

    t0 = time.perf_counter()
    render(g, page, max_nodes=args.nodes)
    render_s = time.perf_counter() - t0

    runs = []
    with Chromium(binary) as browser:
        print(f"browser: {browser.send('Browser.getVersion')['product']}", file=sys.stderr)
        for i in range(args.repeat):
            started = browser.open(page)
            browser.wait_for("window.kgViz && window.kgViz.stabilized", timeout=120)
            wall = time.monotonic() - started
            state = browser.evaluate(
                "({ms: kgViz.stabilizationMs, iterations: kgViz.iterations,"
                " nodes: network.body.data.nodes.length, edges: network.body.data.edges.length})"
            )
            runs.append({"run": i + 1, "settled_s": round(wall, 2), "stabilisation_s": round(state["ms"] / 1000, 2),
                         "iterations": state["iterations"], "nodes": state["nodes"], "edges": state["edges"]})  # fmt: skip
            print(json.dumps(runs[-1]), file=sys.stderr)
        if args.screenshot:
            time.sleep(0.6)
            browser.screenshot(args.screenshot)
        outside = local_only(browser.requests())
        errors = browser.errors()

    settled = statistics.median(r["settled_s"] for r in runs)
    summary = {
        "graph_nodes": g.number_of_nodes(),
        "page_nodes": runs[0]["nodes"],
        "page_edges": runs[0]["edges"],
        "page_mb": round(page.stat().st_size / 1e6, 2),
        "build_s": round(build_s, 1),
        "render_s": round(render_s, 2),
        "settled_median_s": settled,
        "stabilisation_median_s": statistics.median(r["stabilisation_s"] for r in runs),
        "target_s": TARGET_S,
        "requests_leaving_machine": len(outside),
        "console_errors": len(errors),
    }
    print(json.dumps(summary, indent=2))
    return 0 if settled < TARGET_S and not outside and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
