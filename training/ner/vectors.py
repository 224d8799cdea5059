"""Subword word vectors (floret) trained here on the 50k arXiv abstracts.

No pretrained vectors can be downloaded, and 800 annotated abstracts are too
few to learn what "Llama-3.1-8B" or "contrastive" look like; 50k unannotated
abstracts of the same field are not. floret hashes character n-grams into a
fixed table, so unseen names ("GPT-5o") still get a vector and the table's
size is fixed (BUCKETS x DIM floats) whatever the vocabulary.

The corpus's test and validation abstracts and the dev set are left out, so no
held-out text shapes the vectors.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

import spacy

from extractors.records import document_text

from .corpus import BATCHES

log = logging.getLogger(__name__)

ARXIV = Path(__file__).resolve().parents[3] / "shared" / "data" / "arxiv_ml_abstracts_2025_2026" / "ml_abstracts_50k.jsonl"
DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev.jsonl"
DIM, BUCKETS = 100, 25_000


def held_out_titles() -> set[str]:
    """Titles of the corpus's validation and test abstracts (from the batch
    inputs, annotated or not: the split is fixed before annotation) and dev's."""
    titles = set()
    for inp in sorted(BATCHES.glob("[0-9][0-9][0-9].input.jsonl")):
        for line in inp.read_text(encoding="utf-8").splitlines():
            if line.strip() and (d := json.loads(line))["split"] != "train":
                titles.add(d["title"].strip().lower())
    if DEV.exists():
        for line in DEV.read_text(encoding="utf-8").splitlines():
            if line.strip():
                titles.add(json.loads(line)["title"].strip().lower())
    return titles


def write_text(out: Path, source: Path = ARXIV, limit: int | None = None) -> int:
    """One tokenized abstract per line, as the pipeline's tokenizer splits it."""
    nlp = spacy.blank("en")
    skip = held_out_titles()
    n = 0
    with source.open(encoding="utf-8") as f, out.open("w", encoding="utf-8") as w:
        rows = (json.loads(line) for line in f if line.strip())
        rows = (r for r in rows if r.get("title", "").strip().lower() not in skip)
        texts = (document_text(r.get("title", ""), r.get("abstract", "")) for r in rows)
        for doc in nlp.tokenizer.pipe(texts, batch_size=256):
            w.write(" ".join(t.text for t in doc if not t.is_space) + "\n")
            n += 1
            if limit and n >= limit:
                break
    return n


def train_vectors(out_dir: Path, limit: int | None = None, epochs: int = 5) -> Path:
    """floret vectors as a spaCy vectors directory (for [initialize] vectors).
    One thread: fastText is deterministic (its seed is fixed at 0) only then."""
    import floret  # training extra

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "text.txt"
        n = write_text(text, limit=limit)
        log.info("floret on %d abstracts", n)
        model = floret.train_unsupervised(
            str(text), model="cbow", mode="floret", hashCount=2, bucket=BUCKETS, minn=4, maxn=5,
            minCount=3, dim=DIM, epoch=epochs, thread=1, verbose=0,
        )  # fmt: skip
        raw = Path(tmp) / "vectors.floret"
        model.save_floret_vectors(str(raw))
        subprocess.run(
            [sys.executable, "-m", "spacy", "init", "vectors", "en", str(raw), str(out_dir), "--mode", "floret"],
            check=True, capture_output=True,
        )  # fmt: skip
    return out_dir
