"""The staged build at scale (issue 17): the 50k file built by one process,
then on a 2-worker Dask LocalCluster; papers/s of each, their ratio, the
peak memory of every process (the build, Dask's scheduler, nannies and
workers), and whether the two graphs are equal (node counts per label, edge
counts per type).

    python benchmarks/bench_scale.py [--input FILE] [--limit N] [--workers 2] [--extractor NAME]
    python benchmarks/bench_scale.py --copies 20 --csv [--workers 2] [--extractor rules]

``--copies K`` builds the input read K times, each copy with fresh ids and
titles (generated into a temporary file, never committed); ``--csv`` writes
neo4j-admin CSV by the streaming writer instead of the embedded store (the
1M-paper check: 50k x 20). Every build runs in a fresh ``kg build`` process
into a fresh directory; memory is sampled from the process tree every 0.2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "arxiv_ml_abstracts_2025_2026" / "ml_abstracts_50k.jsonl"


def prepare_input(src: Path, limit: int | None, copies: int, tmp: Path) -> tuple[Path, int]:
    """The first ``limit`` records, ``copies`` times; copies after the first get
    new ids and titles (and lose the identifiers that would merge them)."""
    if not limit and copies == 1:
        with src.open(encoding="utf-8") as f:
            return src, sum(1 for _ in f)
    out = tmp / "input.jsonl"
    n = 0
    with out.open("w", encoding="utf-8") as w:
        for c in range(copies):
            with src.open(encoding="utf-8") as f:
                for i, line in enumerate(f):
                    if limit and i >= limit:
                        break
                    if c:
                        rec = json.loads(line)
                        rec["id"] = f"copy{c}:{rec.get('id') or i}"
                        rec["title"] = f"{rec.get('title') or ''} (copy {c})"
                        for k in ("doi", "arxiv_id", "url"):
                            rec.pop(k, None)
                        line = json.dumps(rec, ensure_ascii=False) + "\n"
                    w.write(line)
                    n += 1
    return out, n


class TreeMemory(threading.Thread):
    """Peak RSS of a process and every descendant, by pid."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak: dict[int, tuple[str, int]] = {}
        self.stop = threading.Event()

    @staticmethod
    def _label(p: psutil.Process) -> str:
        cmd = " ".join(p.cmdline())
        for key, name in (("kg.cli", "kg build"), ("spawn_main", "dask worker/nanny"), ("dask", "dask")):
            if key in cmd:
                return name
        return cmd[:40]

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    name = self.peak.get(p.pid, (None, 0))[0] or self._label(p)
                except psutil.Error:
                    continue
                if rss > self.peak.get(p.pid, (name, 0))[1]:
                    self.peak[p.pid] = (name, rss)
            time.sleep(0.2)


def run_build(args: list[str], env: dict) -> tuple[float, dict, list[tuple[str, int]]]:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "-v", "build", *args, "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)  # fmt: skip
    mem = TreeMemory(proc.pid)
    mem.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    mem.stop.set()
    mem.join()
    if proc.returncode != 0:
        sys.exit(f"kg build {' '.join(args)} failed:\n{err[-3000:]}")
    for line in err.splitlines():  # the stages' timings, from kg's log
        if any(k in line for k in ("merged on disk in", "extracted, in", "CSV written in", "query database")):
            print("   ", " ".join(line.split()))
    return wall, json.loads(out), sorted(mem.peak.values(), key=lambda x: -x[1])


def show(label: str, n: int, wall: float, peaks: list[tuple[str, int]]) -> None:
    print(f"{label}: {n:,} papers in {wall:,.1f} s = {n / wall:,.1f} papers/s")
    for name, rss in peaks:
        print(f"    peak {rss / 2**30:5.2f} GiB  {name}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, default=DEFAULT)
    ap.add_argument("--limit", type=int, default=None, help="only the first N records of the input")
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--extractor", default="default")
    ap.add_argument("--csv", action="store_true", help="write neo4j-admin CSV (streaming) instead of the embedded store")
    ap.add_argument("--skip-single", action="store_true", help="only the cluster build (no baseline)")
    ap.add_argument("--keep", type=Path, default=None, help="build under this directory and keep it")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="kg-scale-", dir=args.keep))
    src, n = prepare_input(args.input, args.limit, args.copies, tmp)
    env = {**os.environ, "KG_EXTRACTOR": args.extractor if args.extractor != "default" else os.environ.get("KG_EXTRACTOR", "")}
    backend = ["--backend", "csv"] if args.csv else []
    print(f"input: {src} ({n:,} papers); extractor {args.extractor}; {os.cpu_count()} cores")

    counts = {}
    if not args.skip_single:
        wall1, out1, peaks1 = run_build([str(src), "--out", str(tmp / "single"), *backend], env)
        show("single process", n, wall1, peaks1)
        counts["single"] = out1["store"]
    wall2, out2, peaks2 = run_build([str(src), "--out", str(tmp / "cluster"), "--workers", str(args.workers), *backend], env)
    show(f"LocalCluster of {args.workers} workers", n, wall2, peaks2)
    counts["cluster"] = out2["store"]
    if not args.skip_single:
        print(f"ratio (cluster / single process, papers/s): {wall1 / wall2:.2f}")
        same = counts["single"] == counts["cluster"]
        print(f"graphs equal (nodes per label, edges per type): {same}")
        if not same:
            print(json.dumps(counts, indent=1))
            return 1
    print(json.dumps(counts["cluster"]))
    top = max(rss for _, rss in peaks2)
    print(f"largest process: {top / 2**30:.2f} GiB (target < 4 GiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
