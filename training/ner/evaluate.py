#!/usr/bin/env python3
"""Score an entity pipeline with the project's scorer, and its calibration.

usage: python -m training.ner.evaluate [--split validation|test|dev|FILE.jsonl]
           [--pipeline DIR | --extractor NAME] [--json OUT]

Scores are ../shared/eval/score.py's (extractors.scoring, tested equal to it).
``--split test`` is the corpus's held-out test split: score it only at
milestones, and say so next to every figure from it. ``dev`` is
../shared/eval/dev.jsonl (never trained on). Calibration: each predicted
entity's ``confidence`` against whether it matches a gold entity of its type;
a reliability table of ten bins and the expected calibration error (ECE).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from extractors.canonical import canonical_key
from extractors.scoring import format_table, score

from .corpus import write_gold

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def predict(extractor, gold: list[dict]) -> list[dict]:
    ents = extractor.pipe((g.get("title", ""), g.get("abstract", "")) for g in gold)
    return [{"id": g["id"], "entities": [e.to_dict() for e in es]} for g, es in zip(gold, ents, strict=True)]


def calibration(gold: list[dict], pred: list[dict], bins: int = 10) -> dict:
    """Reliability table and ECE over every predicted entity."""
    rows = []
    for g, p in zip(gold, pred, strict=True):
        gk = [(e["type"], {canonical_key(f) for f in [e["name"], *(e.get("aliases") or [])]}) for e in g.get("entities", [])]
        for e in p["entities"]:
            keys = {canonical_key(f) for f in [e["name"], *e.get("aliases", [])]}
            rows.append((float(e["confidence"]), int(any(t == e["type"] and keys & k for t, k in gk))))
    table, ece = [], 0.0
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        sel = [(c, y) for c, y in rows if lo <= c < hi or (i == bins - 1 and c == 1.0)]
        if sel:
            conf = sum(c for c, _ in sel) / len(sel)
            acc = sum(y for _, y in sel) / len(sel)
            ece += len(sel) / len(rows) * abs(acc - conf)
            table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": len(sel), "confidence": round(conf, 3), "accuracy": round(acc, 3)})
    return {"ece": round(ece, 4), "entities": len(rows), "table": table}


def load_gold(split: str) -> list[dict]:
    if split == "dev":
        path = DEV
    elif split in ("train", "validation", "test"):
        path = Path(tempfile.mkdtemp()) / f"{split}.jsonl"
        write_gold(path, split)
    else:
        path = Path(split)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(extractor, split: str) -> dict:
    gold = load_gold(split)
    pred = predict(extractor, gold)
    g = {str(d["id"]): d.get("entities") or [] for d in gold}
    p = {str(d["id"]): d["entities"] for d in pred}
    return {"split": split, "scores": score(g, p), "calibration": calibration(gold, pred)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="validation")
    ap.add_argument("--pipeline", type=Path, default=None)
    ap.add_argument("--extractor", default=None)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.extractor:
        from extractors import get_extractor

        extractor = get_extractor(args.extractor)
    else:
        from extractors.trained import TrainedExtractor

        extractor = TrainedExtractor(args.pipeline)
    res = evaluate(extractor, args.split)
    s = res["scores"]
    print(f"{args.split}: {s['papers']} abstracts")
    print(format_table(s, ("mission", "Method", "Model", "Dataset", "Metric", "Task", "untyped", "proposed")))
    cal = res["calibration"]
    print(f"calibration: ECE {cal['ece']:.3f} over {cal['entities']} entities")
    for row in cal["table"]:
        print(f"  {row['bin']}  n={row['n']:5d}  confidence {row['confidence']:.3f}  right {row['accuracy']:.3f}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
