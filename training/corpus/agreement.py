#!/usr/bin/env python3
"""Inter-annotator agreement on the doubly annotated batches (000-003).

usage: python training/corpus/agreement.py [NNN ...]

Annotator A's pass is scored as gold against B's as predictions with the
project's own scorer (../shared/eval/score.py), so agreement reads on the same
scale as every extractor figure: entity F1 here is symmetric (P and R swap
when A and B swap), and it is the ceiling an extractor can be expected to reach.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCORER = HERE.parents[2] / "shared" / "eval" / "score.py"


def main(argv: list[str] | None = None) -> int:
    """``agreement.py [NNN ...]``: only those batches (all doubly annotated ones by default)."""
    only = set(argv if argv is not None else sys.argv[1:])
    pairs = [(a, a.with_name(a.name.replace(".a.", ".b."))) for a in sorted((HERE / "batches").glob("*.a.jsonl"))]
    pairs = [(a, b) for a, b in pairs if b.exists() and (not only or a.name[:3] in only)]
    with tempfile.TemporaryDirectory() as tmp:
        for side, idx in (("a", 0), ("b", 1)):
            lines = [ln for pair in pairs for ln in pair[idx].read_text(encoding="utf-8").splitlines() if ln.strip()]
            Path(tmp, side).write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = subprocess.run([sys.executable, str(SCORER), f"{tmp}/a", f"{tmp}/b", "--json"], capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
    scores = json.loads(out)
    n = sum(1 for a, _ in pairs for ln in a.read_text(encoding="utf-8").splitlines() if ln.strip())
    print(f"{n} abstracts annotated twice ({', '.join(a.name[:3] for a, _ in pairs)})")
    for k in ("mission", "Method", "Model", "Dataset", "Metric", "Task", "untyped", "proposed"):
        if k in scores:
            print(f"{k:9s} F1 {scores[k]['f1']:.3f}  (A {scores[k]['gold']}, B {scores[k]['predicted']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
