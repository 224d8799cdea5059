#!/usr/bin/env python3
"""Extraction throughput: the default extractor against spaCy's blank English
tokenizer on the same abstracts, in the same run.

usage: python benchmarks/bench_extract.py [--limit N] [--workers N] [--extractor NAME] [--data PATH]

The issue asks the whole extractor to keep at least half the tokenizer's speed
in one process; the tokenizer is the floor any spaCy pipeline pays, so the
ratio says how much the rules cost on top of it.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import spacy

from extractors import document_text, get_extractor

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data" / "arxiv_ml_abstracts_2025_2026" / "ml_abstracts_50k.jsonl"


def read(path: Path, limit: int | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                out.append((d.get("title") or "", d.get("abstract") or ""))
                if limit and len(out) >= limit:
                    break
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=None, help="first N abstracts (default: all)")
    ap.add_argument("--workers", type=int, default=1, help="processes for the extractor (nlp.pipe n_process)")
    ap.add_argument("--extractor", default="default")
    ap.add_argument("--batch-size", type=int, default=256)
    args = ap.parse_args(argv)

    docs = read(args.data, args.limit)
    texts = [document_text(t, a) for t, a in docs]
    n_chars = sum(map(len, texts))
    print(f"{len(docs)} abstracts, {n_chars / 1e6:.1f} M characters from {args.data.name}")

    tok = spacy.blank("en").tokenizer
    t0 = time.perf_counter()
    n_tokens = sum(len(d) for d in tok.pipe(texts, batch_size=args.batch_size))
    t_tok = time.perf_counter() - t0
    print(f"spacy.blank('en').tokenizer (1 process): {len(texts) / t_tok:8.0f} abstracts/s  ({n_tokens} tokens)")

    ex = get_extractor(args.extractor)
    ex.extract(*docs[0])  # build lexicons before timing
    t0 = time.perf_counter()
    n_ents = sum(len(ents) for ents in ex.pipe(docs, n_process=args.workers, batch_size=args.batch_size))
    t_ex = time.perf_counter() - t0
    print(f"extractor {args.extractor!r} ({args.workers} process{'es' if args.workers > 1 else ''}): "
          f"{len(docs) / t_ex:8.0f} abstracts/s  ({n_ents} entities)")
    print(f"ratio extractor / tokenizer: {t_tok / t_ex:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
