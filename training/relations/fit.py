#!/usr/bin/env python3
"""Fit the paper-level relation model (extractors/paper_relations.py) on the corpus's training split.

usage: python -m training.relations.fit [--pipeline extractors/pipeline]

The pipeline's own entities are read from each training abstract; each
entity's label is the paper-level relation the annotators gave the gold
entity it matches (any surface form, any type), MENTIONS when none does
(the scorer ignores MENTIONS, so that is "no relation"). The features are
the rules' choice and the words around the mentions. Writes
PIPELINE/paper_relations.json.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from extractors.canonical import canonical_key
from extractors.paper_relations import MODEL_FILE, Softmax
from extractors.relations import _Doc, _paper_relations, paper_relation_features

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger("fit_relations")
# When an annotator gave one entity several paper-level relations, the most specific one is its label.
PRIORITY = ("PROPOSES", "EVALUATES_ON", "COMPARES_WITH", "USES", "MEASURES", "ADDRESSES")


def gold_labels(rec: dict) -> list[tuple[set[str], str]]:
    """(forms, label) for every gold entity."""
    out = []
    for e in rec.get("entities") or []:
        forms = {k for k in map(canonical_key, [e["name"], *(e.get("aliases") or [])]) if k}
        types = {r["type"] for r in rec.get("relations") or [] if r.get("head") in (None, "PAPER")
                 and forms & {canonical_key(x) for x in [r["tail"], *(r.get("tail_aliases") or [])]}}  # fmt: skip
        label = next((t for t in PRIORITY if t in types), "MENTIONS")
        out.append((forms, label))
    return out


def rows(extractor, recs: list[dict]) -> tuple[list[dict[str, float]], list[str]]:
    x, y = [], []
    docs = ((r["title"], r["abstract"]) for r in recs)
    for rec, ents in zip(recs, extractor.pipe(docs), strict=True):
        doc = _Doc(rec["title"], rec["abstract"], ents)
        gold = gold_labels(rec)
        for ent, rel in zip(ents, _paper_relations(doc), strict=True):
            keys = {canonical_key(f) for f in (ent.name, *ent.aliases)}
            x.append(paper_relation_features(doc, ent, rel.type))
            y.append(next((label for forms, label in gold if forms & keys), "MENTIONS"))
    return x, y


def fit(x: list[dict[str, float]], y: list[str], c: float = 0.5) -> Softmax:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    lr = LogisticRegression(C=c, max_iter=3000)
    lr.fit(vec.fit_transform(x), y)
    weights = {str(label): {f: round(float(w), 5) for f, w in zip(vec.feature_names_, row, strict=True) if abs(w) >= 1e-3}
               for label, row in zip(lr.classes_, lr.coef_, strict=True)}  # fmt: skip
    return Softmax(weights, {str(label): round(float(b), 5) for label, b in zip(lr.classes_, lr.intercept_, strict=True)})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pipeline", type=Path, default=ROOT / "extractors" / "pipeline")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    from extractors.trained import TrainedExtractor
    from training.ner.corpus import records

    train = [r.raw for r in records() if r.split == "train"][: args.limit or None]
    x, y = rows(TrainedExtractor(args.pipeline), train)
    model = fit(x, y)
    model.to_disk(args.pipeline / MODEL_FILE)
    log.info("paper-level relations: %d entities of %d training abstracts; wrote %s", len(x), len(train),
             args.pipeline / MODEL_FILE)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
