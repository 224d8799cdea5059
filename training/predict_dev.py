#!/usr/bin/env python3
"""Write extractor predictions for a gold JSONL file, so a score is reproducible.

usage: python training/predict_dev.py GOLD.jsonl PRED.jsonl [--extractor NAME] [--workers N]
       python /work/shared/eval/score.py GOLD.jsonl PRED.jsonl

Each output line is ``{"id", "title", "entities": [Entity.to_dict(), ...]}``,
the shape the shared scorer reads (extra keys are ignored).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from extractors import get_extractor

log = logging.getLogger("predict_dev")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold", type=Path)
    ap.add_argument("pred", type=Path)
    ap.add_argument("--extractor", default="default")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    recs = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    ex = get_extractor(args.extractor)
    results = ex.pipe(((r.get("title", ""), r.get("abstract", "")) for r in recs), n_process=args.workers)
    with args.pred.open("w", encoding="utf-8") as f:
        for r, ents in zip(recs, results, strict=True):
            f.write(json.dumps({"id": r["id"], "title": r.get("title", ""),
                                "entities": [e.to_dict() for e in ents]}, ensure_ascii=False) + "\n")
    log.info("wrote %d predictions to %s", len(recs), args.pred)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
