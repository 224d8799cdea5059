"""End-to-end build throughput and peak memory, next to spaCy's blank English
tokenizer on the same texts in the same run.

    python benchmarks/bench_build.py [--input FILE] [--limit N] [--workers N]

Target (issue 2): the whole build (read, extract, resolve, build the graph,
write the embedded store) at no less than a third of the tokenizer's
throughput on one core, and under 2 GB peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "arxiv_ml_abstracts_2025_2026" / "ml_abstracts_50k.jsonl"


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # ru_maxrss is in KiB on Linux


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, default=DEFAULT)
    ap.add_argument("--limit", type=int, default=None, help="only the first N records")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)

    import spacy

    from kg.graph import build_graph, extract_all, summary
    from kg.readers import read_papers
    from kg.stores import open_store

    src = args.input
    if args.limit:
        tmp = Path(tempfile.mkdtemp()) / "input.jsonl"
        with src.open(encoding="utf-8") as f, tmp.open("w", encoding="utf-8") as out:
            for i, line in enumerate(f):
                if i >= args.limit:
                    break
                out.write(line)
        src = tmp

    # Baseline: the blank tokenizer over the same title + abstract texts.
    texts = []
    with src.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            texts.append(f"{rec['title']}\n{rec['abstract']}")
    tok = spacy.blank("en").tokenizer

    def tokenizer_seconds() -> float:
        t0 = time.perf_counter()
        for _ in tok.pipe(texts, batch_size=256):
            pass
        return time.perf_counter() - t0

    tok_before = tokenizer_seconds()

    out_dir = Path(tempfile.mkdtemp()) / "graph"
    t0 = time.perf_counter()
    papers, report = read_papers([src])
    t_read = time.perf_counter()
    extractions = extract_all(papers, workers=args.workers, all_mentions=False)
    t_extract = time.perf_counter()
    graph = build_graph(papers, extractions)
    t_graph = time.perf_counter()
    store = open_store("networkx", path=out_dir)
    store.write(graph)
    t_end = time.perf_counter()

    # The baseline runs before and after the build and the two are averaged, so
    # a change in the machine's load during the run weighs on both sides.
    tok_after = tokenizer_seconds()
    n = len(papers)
    total = t_end - t0
    counts = summary(graph)
    tok_rate, build_rate = 2 * n / (tok_before + tok_after), n / total
    print(f"input: {args.input.name}{f' (first {args.limit})' if args.limit else ''}, {n} papers, workers={args.workers}")
    print(f"tokenizer baseline (spacy.blank('en').tokenizer): {tok_rate:,.0f} papers/s "
          f"(before {n / tok_before:,.0f}, after {n / tok_after:,.0f})")  # fmt: skip
    print(f"kg build end to end: {build_rate:,.0f} papers/s ({total:.1f} s)")
    print(f"  read {t_read - t0:.1f} s | extract {t_extract - t_read:.1f} s | graph {t_graph - t_extract:.1f} s | "
          f"write {t_end - t_graph:.1f} s")  # fmt: skip
    print(f"ratio build / tokenizer: {build_rate / tok_rate:.3f} (target >= 0.333)")
    print(f"peak memory: {peak_rss_mb():,.0f} MB (target < 2048 MB)")
    print(f"graph: {sum(counts['nodes'].values()):,} nodes, {sum(counts['edges'].values()):,} edges; "
          f"skipped {len(report.skipped)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
