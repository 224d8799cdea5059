"""Which entities the paper itself introduces (``proposed``).

A logistic model over the cues a reader uses: a proposal verb before the first
mention in its sentence ("we propose X", "we call it X", "X, a new ..."), the
coined name of a title "X: ...", a defined acronym, a name's shape. It is
fitted on the training split's annotations (training/ner/fit.py); the weights
ship with the pipeline. Registered as ``kg_proposals``; runs after
``kg_entities`` and sets ``proposed`` on ``doc._.kg_entities``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from .canonical import canonical_key
from .logistic import Logistic
from .records import Entity
from .spans import flatten

# Cues looked for in the sentence before an entity's first mention, each its own feature.
CUES: dict[str, re.Pattern] = {
    "propose": re.compile(r"\b(?:propos|introduc|present|develop|design|devis|construct|build|creat|releas|curat|contribut|formulat)\w*", re.I),
    "named": re.compile(r"\b(?:called|termed|dubbed|named|coined|refer to (?:it |this )?as|which we call|we call)\b", re.I),
    "we": re.compile(r"\b(?:we|our|this (?:paper|work|study))\b", re.I),
    "new": re.compile(r"\b(?:new|novel|first)\b", re.I),
    "existing": re.compile(r"\b(?:existing|prior|previous|state-of-the-art|baselines?|such as|including|e\.g\.|compared?|outperform\w*|than|like)\b", re.I),
    "use": re.compile(r"\b(?:us(?:e|es|ing)|appl(?:y|ies|ying)|leverag\w*|adopt\w*|based on|built on|follow\w*|fine-tun\w*)\b", re.I),
}  # fmt: skip
# "we propose X", "we introduce a new benchmark, X": the verb right before the name
_ADJACENT = re.compile(r"\b(?:propos|introduc|present|develop|design|releas|build|construct|creat|call|term|dub|nam)\w*"
                       r"\s+(?:(?:a|an|the|our|new|novel|simple|first)\s+){0,3}(?:[\w-]+\s+){0,3}?(?:,\s*)?$", re.I)
_AFTER_NEW = re.compile(r"^\s*(?:\([^)]{1,40}\))?\s*[,:]?\s*(?:a|an|the)?\s*(?:new|novel|simple|unified|general|lightweight)\b", re.I)


def title_lead(title: str) -> str | None:
    """The part before ":" of a title "X: ...", when it is short enough to be a name."""
    if ":" not in title:
        return None
    lead = title.split(":", 1)[0].strip()
    return lead if lead and len(lead.split()) <= 4 and len(lead) <= 40 else None


def features(ent: Entity, text: str, title_end: int) -> dict[str, float]:
    lead = title_lead(text[:title_end])
    keys = {canonical_key(f) for f in (ent.name, *ent.aliases)}
    flat = flatten(text)
    first = min((m.start for m in ent.mentions), default=0)
    sent = next((m.sentence for m in ent.mentions if m.start == first), "")
    before = flat[max(0, first - 160) : first]
    cut = max(before.rfind(". "), before.rfind("\n"))
    before = before[cut + 1 :] if cut >= 0 else before
    after = flat[max((m.end for m in ent.mentions if m.start == first), default=first) :][:60]
    f: dict[str, float] = {
        f"type={ent.type}": 1.0,
        "rules_said": float(ent.proposed),
        "title_lead": float(lead is not None and canonical_key(lead) in keys),
        "in_title": float(first < title_end),
        "after_new": float(bool(_AFTER_NEW.match(after))),
        "acronym_defined": float(any(f.isupper() and len(f) <= 8 for f in ent.aliases)),
        "mixed": float(any(c.isupper() for c in ent.name[1:]) and not ent.name.isupper()),
        "lower": float(ent.name == ent.name.lower()),
        "digit": float(any(c.isdigit() for c in ent.name)),
        "occ": math.log1p(len(ent.mentions)),
        "position": first / max(len(text), 1),
        "our_name": float(bool(re.search(r"\bour\s+(?:\S+\s+){0,2}$", before, re.I))),
        "cue_adjacent": float(bool(_ADJACENT.search(before[-80:]))),
    }
    for k, rx in CUES.items():
        if rx.search(before):
            f[f"cue_{k}"] = 1.0
            f[f"cue_{k}&type={ent.type}"] = 1.0
    if sent and first >= title_end and CUES["propose"].search(sent) and CUES["we"].search(sent):
        f["sentence_we_propose"] = 1.0
    return f


@Language.factory("kg_proposals")
def make_proposals(nlp: Language, name: str) -> ProposalTagger:
    return ProposalTagger()


class ProposalTagger:
    def __init__(self) -> None:
        self.model: Logistic | None = None  # until fitted, the rules' flag stands

    def __call__(self, doc: Doc) -> Doc:
        if self.model is None:
            return doc
        text = doc.text
        title_end = text.find("\n") if "\n" in text else len(text)
        for ent in doc._.kg_entities or ():
            ent.proposed = self.model.probability(features(ent, text, title_end)) >= self.model.threshold
        return doc

    def to_disk(self, path: Path, *, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.model is not None:
            self.model.to_disk(path / "model.json")

    def from_disk(self, path: Path, *, exclude=()) -> ProposalTagger:
        p = Path(path) / "model.json"
        self.model = Logistic.from_disk(p) if p.exists() else None
        return self
