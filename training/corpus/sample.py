#!/usr/bin/env python3
"""Draw the annotation corpus and fix its train / validation / test split before anything is annotated.

usage: python training/corpus/sample.py [--arxiv N] [--seeds N] [--seed S] [--batch B]

Abstracts come from the seed listings and the 50k arXiv file in ../shared,
stratified by primary category and month (proportional allocation, at least
one per stratum with papers), with a fixed seed. Dev abstracts
(../shared/eval/dev.jsonl) and every abstract of an earlier gold set of ours
are left out, matched by normalised title, so the corpus is text no rule was
written against. The split is decided here, by a hash of the id, so that no
later choice can move a paper between splits. Batches of B abstracts are
written as ``batches/NNN.input.jsonl`` for annotators, each with its split.
The first ``--double`` abstracts (four batches) are annotated twice,
independently, for inter-annotator agreement.

``--extend N`` draws N more arXiv abstracts, the same way but with another
seed, leaving out everything already in a batch, and writes them as batches
after the last one, all in the train split: the held-out splits stay the
first draw's, whose text the floret vectors never saw.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
ARXIV = SHARED / "data/arxiv_ml_abstracts_2025_2026/ml_abstracts_50k.jsonl"
HERE = Path(__file__).resolve().parent
MAIN_CATEGORIES = ("cs.CV", "cs.CL", "cs.AI", "cs.LG", "stat.ML")


def norm_title(t: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", t.lower())


def split_of(pid: str) -> str:
    """70 / 15 / 15 by a hash of the id: stable whatever else is drawn."""
    h = int(hashlib.sha256(pid.encode()).hexdigest()[:8], 16) % 100
    return "test" if h < 15 else "validation" if h < 30 else "train"


def excluded_titles() -> set[str]:
    seen = set()
    files = [SHARED / "eval/dev.jsonl", *sorted((ROOT / "training").rglob("gold_*.jsonl")),
             *sorted((ROOT / "training/annotations").glob("*.jsonl"))]
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen.add(norm_title(json.loads(line)["title"]))
    return seen


def stratified(rows: list[dict], n: int, key, rng: random.Random) -> list[dict]:
    strata: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        strata[key(r)].append(r)
    total = len(rows)
    picked = []
    for k in sorted(strata):
        group = strata[k]
        want = max(1, round(n * len(group) / total))
        picked += rng.sample(group, min(want, len(group)))
    rng.shuffle(picked)
    return picked[:n]


def arxiv_rows(exclude: set[str]) -> list[dict]:
    out = []
    for line in ARXIV.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if not r.get("abstract") or norm_title(r["title"]) in exclude:
            continue
        cats = r.get("categories") or []
        cats = cats.split() if isinstance(cats, str) else cats
        cat = cats[0] if cats and cats[0] in MAIN_CATEGORIES else "other"
        out.append({"id": f"arxiv:{r['arxiv_id']}", "title": r["title"], "abstract": r["abstract"],
                    "source": "arxiv-50k", "stratum": f"{cat}|{r['date'][:7]}"})
    return out


def seed_rows(exclude: set[str]) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from kg.readers import read_papers

    papers, _ = read_papers([SHARED / "seeds"])
    out = []
    for p in papers:
        if p.abstract and norm_title(p.title) not in exclude:
            out.append({"id": p.id, "title": p.title, "abstract": p.abstract, "source": "seeds",
                        "stratum": "seeds|" + Path(p.sources[0].rsplit(":", 1)[0]).name})
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--arxiv", type=int, default=1000)
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--double", type=int, default=100)
    ap.add_argument("--extend", type=int, default=0)
    a = ap.parse_args(argv)
    if a.extend:
        return extend(a.extend, a.seed + 1, a.batch)
    rng = random.Random(a.seed)
    exclude = excluded_titles()
    picked = stratified(arxiv_rows(exclude), a.arxiv, lambda r: r["stratum"], rng)
    picked += stratified(seed_rows(exclude), a.seeds, lambda r: r["stratum"], rng)
    seen, corpus = set(), []
    for r in picked:
        t = norm_title(r["title"])
        if t not in seen:
            seen.add(t)
            corpus.append(dict(r, split=split_of(r["id"])))
    rng.shuffle(corpus)
    out = HERE / "batches"
    out.mkdir(exist_ok=True)
    for i in range(0, len(corpus), a.batch):
        chunk = corpus[i:i + a.batch]
        (out / f"{i // a.batch:03d}.input.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chunk), encoding="utf-8")
    counts = defaultdict(int)
    for r in corpus:
        counts[r["split"]] += 1
    print(f"{len(corpus)} abstracts in {(len(corpus) + a.batch - 1) // a.batch} batches of {a.batch}: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
          + f"; batches 000-{a.double // a.batch - 1:03d} are annotated twice")
    return 0


def extend(n: int, seed: int, batch: int) -> int:
    out = HERE / "batches"
    inputs = sorted(out.glob("[0-9][0-9][0-9].input.jsonl"))
    exclude = excluded_titles() | {norm_title(json.loads(line)["title"]) for f in inputs
                                   for line in f.read_text(encoding="utf-8").splitlines() if line.strip()}  # fmt: skip
    rng = random.Random(seed)
    corpus = [dict(r, split="train") for r in stratified(arxiv_rows(exclude), n, lambda r: r["stratum"], rng)]
    first = int(inputs[-1].name[:3]) + 1
    for i in range(0, len(corpus), batch):
        (out / f"{first + i // batch:03d}.input.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in corpus[i:i + batch]), encoding="utf-8")
    print(f"{len(corpus)} more training abstracts in batches {first:03d}-{first + (len(corpus) - 1) // batch:03d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
