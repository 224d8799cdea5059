"""Fit the small models after the tagger, and score a pipeline on a split.

- ``kg_entities``: keep-or-drop, fitted on the validation split's candidates
  (the tagger never trained on them), so its probabilities are calibrated there.
- ``kg_proposals``: the ``proposed`` flag, fitted on the training split's
  entities; its threshold is chosen on validation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from spacy.language import Language

from extractors.canonical import canonical_key
from extractors.logistic import Logistic
from extractors.proposals import features as proposal_features

from .corpus import Record

log = logging.getLogger(__name__)


def _gold_keys(rec: Record) -> list[tuple[str, set[str], bool]]:
    return [(g["type"], {k for k in map(canonical_key, [g["name"], *(g.get("aliases") or [])]) if k},
             bool(g.get("proposed"))) for g in rec.entities]  # fmt: skip


def _fit(rows: list[dict[str, float]], labels: list[int], c: float = 1.0) -> Logistic:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    x = vec.fit_transform(rows)
    lr = LogisticRegression(C=c, max_iter=2000)
    lr.fit(x, labels)
    weights = {name: round(float(w), 6) for name, w in zip(vec.feature_names_, lr.coef_[0], strict=True) if w}
    return Logistic(weights, round(float(lr.intercept_[0]), 6))


def _best_threshold(probs: list[float], labels: list[int], n_gold: int) -> float:
    """The probability cut with the best F1 (recall over all gold, not only candidates)."""
    best, best_f = 0.5, -1.0
    order = sorted(zip(probs, labels, strict=True), reverse=True)
    tp = 0
    for i, (p, y) in enumerate(order, 1):
        tp += y
        prec, rec = tp / i, tp / max(n_gold, 1)
        f = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if f > best_f:
            best_f, best = f, p
    return round(best, 4)


def fit_entities(nlp: Language, validation: Iterable[Record]) -> dict[str, float]:
    decider = nlp.get_pipe("kg_entities")
    decider.model = Logistic(threshold=0.0)
    rows, labels, n_gold = [], [], 0
    names = [n for n in nlp.pipe_names if n not in ("kg_entities", "kg_proposals")]
    for rec in validation:
        doc = nlp(rec.text, disable=["kg_entities", "kg_proposals"]) if names else nlp(rec.text)
        gold = _gold_keys(rec)
        n_gold += len(gold)
        for cand, f, _ in decider.scored(doc):
            keys = set(cand.keys())
            rows.append(f)
            labels.append(int(any(t == cand.type and keys & gk for t, gk, _ in gold)))
    model = _fit(rows, labels)
    probs = [model.probability(f) for f in rows]
    model.threshold = _best_threshold(probs, labels, n_gold)
    decider.model = model
    log.info("kg_entities: %d candidates, %d right; threshold %.3f", len(rows), sum(labels), model.threshold)
    return {"candidates": len(rows), "right": sum(labels), "threshold": model.threshold}


def _proposal_rows(nlp: Language, recs: Iterable[Record]) -> tuple[list[dict[str, float]], list[int], int]:
    rows, labels, n_gold = [], [], 0
    for rec in recs:
        doc = nlp(rec.text, disable=["kg_proposals"])
        text = doc.text
        title_end = text.find("\n")
        gold = _gold_keys(rec)
        n_gold += sum(p for _, _, p in gold)
        for ent in doc._.kg_entities:
            keys = {canonical_key(f) for f in (ent.name, *ent.aliases)}
            rows.append(proposal_features(ent, text, title_end))
            labels.append(int(any(p and keys & gk for _, gk, p in gold)))
    return rows, labels, n_gold


def fit_proposals(nlp: Language, train: list[Record], validation: list[Record]) -> dict[str, float]:
    tagger = nlp.get_pipe("kg_proposals")
    rows, labels, _ = _proposal_rows(nlp, train)
    model = _fit(rows, labels)
    vrows, vlabels, vgold = _proposal_rows(nlp, validation)
    model.threshold = _best_threshold([model.probability(f) for f in vrows], vlabels, vgold)
    tagger.model = model
    log.info("kg_proposals: %d train entities, %d proposed; threshold %.3f", len(rows), sum(labels), model.threshold)
    return {"entities": len(rows), "proposed": sum(labels), "threshold": model.threshold}
