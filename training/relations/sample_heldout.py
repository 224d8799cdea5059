#!/usr/bin/env python3
"""Draw a held-out sample of arXiv abstracts that report numbers, for a fresh relation gold set.

usage: python training/relations/sample_heldout.py N SEED OUT.jsonl

The seed gold sets (A, B, C) were all looked at while writing rules; a set drawn
here, annotated by someone who has not seen the extractor and scored once,
tells how the rules carry to text nobody tuned them on. Abstracts are drawn
from the 50k arXiv file in ../shared/data with a fixed seed, keeping those
with a number followed by a percent sign, a multiple sign or a metric word,
so that most of them report results.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared/data/arxiv_ml_abstracts_2025_2026/ml_abstracts_50k.jsonl"
_RESULT_LIKE = re.compile(
    r"\d(?:\.\d+)?\s?(?:%|\\%|×|x\b)|\b(?:accuracy|F1|BLEU|ROUGE|AUC|mAP|win rate|error)\b[^.]{0,40}?\d", re.I
)


def main(argv: list[str]) -> int:
    n, seed, out = int(argv[0]), int(argv[1]), Path(argv[2])
    rows = [json.loads(line) for line in SOURCE.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("abstract") and _RESULT_LIKE.search(r["abstract"])]
    picked = random.Random(seed).sample(rows, n)
    out.write_text(
        "".join(
            json.dumps({"id": f"arxiv:{r['arxiv_id']}", "title": r["title"], "abstract": r["abstract"]},
                       ensure_ascii=False) + "\n"  # fmt: skip
            for r in picked
        ),
        encoding="utf-8",
    )
    print(f"{n} of {len(rows)} result-like abstracts -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
