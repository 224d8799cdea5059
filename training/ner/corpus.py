"""The annotated corpus as spaCy training data.

The corpus (training/corpus/batches) is annotated as document-level sets: each
entity once per abstract, with its name and aliases. A token tagger needs every
mention, so each surface form is found again in the text (whole words only,
longest first, so "BERT" inside "RoBERTa" or inside "BERT-base" is not a
mention of BERT). A reviewed batch (NNN.jsonl) is used where there is one,
otherwise the first annotator's pass (NNN.a.jsonl); `reviewed` says which.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from extractors.records import Entity, document_text
from extractors.spans import entity_spans

log = logging.getLogger(__name__)

BATCHES = Path(__file__).resolve().parents[1] / "corpus" / "batches"
SPLITS = ("train", "validation", "test")


@dataclass(slots=True)
class Record:
    id: str
    title: str
    abstract: str
    split: str
    entities: list[dict]
    reviewed: bool
    raw: dict

    @property
    def text(self) -> str:
        return document_text(self.title, self.abstract)


def records(batches: Path = BATCHES, reviewed_only: bool = False) -> Iterator[Record]:
    """Every annotated abstract, reviewed version first."""
    for inp in sorted(batches.glob("[0-9][0-9][0-9].input.jsonl")):
        stem = inp.name.split(".")[0]
        final, first = batches / f"{stem}.jsonl", batches / f"{stem}.a.jsonl"
        path = final if final.exists() else first
        if not path.exists() or (reviewed_only and path is first):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                yield Record(d["id"], d["title"], d["abstract"], d["split"], d.get("entities") or [],
                             path is final, d)


def mention_spans(text: str, entities: list[dict]) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, type) for every mention of every entity,
    found as the relation reader finds them (extractors.spans)."""
    ents = [Entity(e["type"], e["name"], list(e.get("aliases") or [])) for e in entities]
    return [(s.start, s.end, s.ents[0].type) for s in entity_spans(text, ents)]


def to_doc(nlp: Language, rec: Record, stats: dict[str, int] | None = None) -> Doc:
    doc = nlp.make_doc(rec.text)
    spans = []
    for a, b, t in mention_spans(rec.text, rec.entities):
        span = doc.char_span(a, b, label=t, alignment_mode="expand")
        if span is None:
            continue
        if stats is not None and span.text != rec.text[a:b]:
            stats["expanded"] = stats.get("expanded", 0) + 1
        spans.append(span)
    # expansion can make two spans touch the same token: keep the first
    kept, last = [], -1
    for s in spans:
        if s.start >= last:
            kept.append(s)
            last = s.end
        elif stats is not None:
            stats["overlap"] = stats.get("overlap", 0) + 1
    doc.ents = kept
    if stats is not None:
        stats["mentions"] = stats.get("mentions", 0) + len(kept)
    return doc


def write_docbins(nlp: Language, out: Path, batches: Path = BATCHES, limit: int = 0) -> dict[str, int]:
    """train/validation/test .spacy files under OUT; returns abstracts per split.
    ``limit``: at most that many training abstracts (a quick run)."""
    out.mkdir(parents=True, exist_ok=True)
    bins = {s: DocBin(store_user_data=False) for s in SPLITS}
    counts = dict.fromkeys(SPLITS, 0)
    stats: dict[str, int] = {}
    for rec in records(batches):
        if limit and rec.split == "train" and counts["train"] >= limit:
            continue
        bins[rec.split].add(to_doc(nlp, rec, stats))
        counts[rec.split] += 1
    for s, db in bins.items():
        db.to_disk(out / f"{s}.spacy")
    log.info("abstracts per split %s; mentions %s", counts, stats)
    return counts


def write_gold(out: Path, split: str, batches: Path = BATCHES, reviewed_only: bool = False) -> int:
    """The split as a gold JSONL file for ../shared/eval/score.py."""
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for rec in records(batches, reviewed_only):
            if rec.split == split:
                f.write(json.dumps(rec.raw, ensure_ascii=False) + "\n")
                n += 1
    return n
