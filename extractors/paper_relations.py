"""Which paper-level relation each entity has: a learned choice over the rules'.

The rules in ``relations`` give every entity one paper-level relation from its
type and a few cues (a Dataset is EVALUATES_ON when an evaluation word is near,
a Model is COMPARES_WITH when a comparison names it, ...). On unseen abstracts
that choice was right about half the time for USES and ADDRESSES. Here a
multinomial logistic model, fitted on the annotated corpus's training split
(training/relations/fit.py), reads the rules' choice as one feature among the
words around the entity's mentions, and its probability becomes the
relation's confidence. The weights ship with the pipeline
(``extractors/pipeline/paper_relations.json``); without them the rules stand.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .records import PAPER_RELATION_TYPES, Entity

_WORD = re.compile(r"[a-z][a-z\-]+")
WINDOW = 6  # words on each side of a mention
MODEL_FILE = "paper_relations.json"


@dataclass(slots=True)
class Softmax:
    weights: dict[str, dict[str, float]] = field(default_factory=dict)  # label -> feature -> weight
    bias: dict[str, float] = field(default_factory=dict)

    def probabilities(self, features: dict[str, float]) -> dict[str, float]:
        z = {y: self.bias.get(y, 0.0) + sum(w.get(k, 0.0) * v for k, v in features.items()) for y, w in self.weights.items()}
        top = max(z.values())
        e = {y: math.exp(v - top) for y, v in z.items()}
        total = sum(e.values())
        return {y: v / total for y, v in e.items()}

    def to_disk(self, path: Path) -> None:
        path.write_text(json.dumps({"weights": self.weights, "bias": self.bias}, sort_keys=True), encoding="utf-8")

    @classmethod
    def from_disk(cls, path: Path) -> Softmax:
        d = json.loads(path.read_text(encoding="utf-8"))
        return cls(d["weights"], d["bias"])


def features(ent: Entity, rule_type: str, text: str, sentences: list[str], title_end: int) -> dict[str, float]:
    """``text`` is the flattened document text the mentions index into;
    ``sentences`` the text of the sentences holding each mention, in order."""
    f: dict[str, float] = {f"rule={rule_type}": 1.0, f"type={ent.type}": 1.0, f"type={ent.type}&rule={rule_type}": 1.0,
                           "mentions": math.log1p(len(ent.mentions))}  # fmt: skip
    if ent.proposed:
        f["proposed"] = 1.0
        f[f"proposed&type={ent.type}"] = 1.0
    for m in ent.mentions[:4]:
        if m.start < title_end:
            f["in_title"] = 1.0
        for w in _WORD.findall(text[max(0, m.start - 60) : m.start].lower())[-WINDOW:]:
            f[f"L:{w}"] = 1.0
        for w in _WORD.findall(text[m.end : m.end + 60].lower())[:WINDOW]:
            f[f"R:{w}"] = 1.0
    for s in sentences[:3]:
        for w in dict.fromkeys(_WORD.findall(s.lower())):
            f[f"S:{w}"] = 0.5
    return f


@lru_cache(maxsize=4)
def _load(path: str) -> Softmax | None:
    p = Path(path)
    return Softmax.from_disk(p) if p.exists() else None


def shipped_model() -> Softmax | None:
    """The model in the shipped (or KG_PIPELINE) pipeline, if it has one."""
    from .trained import pipeline_path

    return _load(str(pipeline_path() / MODEL_FILE))


# What each relation may point at (training/relations/GUIDELINE.md); MENTIONS fits any entity.
ALLOWED: dict[str, frozenset[str]] = {
    "Method": frozenset({"PROPOSES", "USES", "COMPARES_WITH", "MENTIONS"}),
    "Model": frozenset({"PROPOSES", "USES", "COMPARES_WITH", "MENTIONS"}),
    "Dataset": frozenset({"PROPOSES", "EVALUATES_ON", "MENTIONS"}),
    "Metric": frozenset({"PROPOSES", "MEASURES", "MENTIONS"}),
    "Task": frozenset({"ADDRESSES", "MENTIONS"}),
}


def decide(model: Softmax, feats: dict[str, float], entity_type: str) -> tuple[str, float]:
    """The most probable relation among those the entity's type allows, with
    its probability renormalised over them (a Method is never EVALUATES_ON)."""
    allowed = ALLOWED.get(entity_type, frozenset(PAPER_RELATION_TYPES))
    probs = {y: p for y, p in model.probabilities(feats).items() if y in allowed}
    total = sum(probs.values()) or 1.0
    label = max(sorted(probs), key=probs.get)
    return label, probs[label] / total
