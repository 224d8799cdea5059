"""Mentions to entities: the trained tagger's spans and the rules' candidates,
grouped by name, acronym and long form made one, each kept or dropped by a
calibrated logistic model.

The tagger (spaCy ``ner``) finds most names but sees one token window at a
time; the rules know the lexicons and the shapes of coined names. Neither is
the final word: every name either of them proposes becomes a candidate, and a
model fitted on the validation split (training/ner/fit.py) gives each one a
probability of being a right entity of its type. That probability is the
entity's ``confidence``; candidates under the fitted threshold are dropped.

Registered as ``kg_entities``; reads ``doc.ents``, ``doc._.kg_entities`` (the
rules' candidates, when ``kg_entity_rules`` runs earlier) and
``doc._.kg_abbreviations``; leaves the result on ``doc._.kg_entities``.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from .canonical import canonical_key
from .logistic import Logistic
from .records import Entity, Mention
from .spans import entity_spans, flatten, sentences

if not Doc.has_extension("kg_entities"):
    Doc.set_extension("kg_entities", default=None)


@dataclass(slots=True)
class Candidate:
    """One name in one abstract, with what each source said about it."""

    forms: Counter = field(default_factory=Counter)  # surface -> mentions found by a source
    ner_types: Counter = field(default_factory=Counter)
    rule: Entity | None = None
    long_form: str | None = None
    short_form: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)

    def keys(self) -> list[str]:
        return list(dict.fromkeys(k for k in map(canonical_key, self.forms) if k))

    @property
    def type(self) -> str:
        """The tagger's most frequent label (ties by name, so the same text always gets the same type), else the rules'."""
        if self.ner_types:
            return min(self.ner_types, key=lambda t: (-self.ner_types[t], t))
        assert self.rule is not None
        return self.rule.type

    @property
    def name(self) -> str:
        """The most complete form (the guideline's name): an acronym's long
        form, else the rules' name, else the longest form found."""
        if self.long_form:
            return self.long_form
        if self.rule is not None:
            return self.rule.name
        return max(self.forms, key=lambda f: (len(f), self.forms[f], f))


def candidates(doc: Doc, rule_entities: list[Entity] | None) -> list[Candidate]:
    """Tagger spans and rule entities grouped by canonical key; an acronym and
    its long form join one group when either is a candidate."""
    groups: list[Candidate] = []
    by_key: dict[str, Candidate] = {}

    def join(keys: list[str]) -> Candidate:
        # lists, never sets, all through: the grouping (and so each name's type) must not depend on hash order
        found = list({id(by_key[k]): by_key[k] for k in keys if k in by_key}.values())
        if not found:
            group = Candidate()
            groups.append(group)
        else:
            group = found[0]
            for other in found[1:]:  # a new form joins two groups: merge them
                group.forms.update(other.forms)
                group.ner_types.update(other.ner_types)
                group.rule = group.rule or other.rule
                group.long_form = group.long_form or other.long_form
                group.short_form = group.short_form or other.short_form
                group.spans += other.spans
                groups.remove(other)
                for k in other.keys():
                    by_key[k] = group
        for k in keys:
            by_key[k] = group
        return group

    for ent in doc.ents:
        key = canonical_key(ent.text)
        if key:
            g = join([key])
            g.forms[ent.text] += 1
            g.ner_types[ent.label_] += 1
            g.spans.append((ent.start_char, ent.end_char))
    for ent in rule_entities or ():
        forms = [f for f in (ent.name, *ent.aliases) if canonical_key(f)]
        if forms:
            g = join([canonical_key(f) for f in forms])
            if g.rule is None:
                g.rule = ent
            for f in forms:
                g.forms.setdefault(f, 0)
    text = doc.text
    for (la, lb), (sa, sb) in doc._.kg_abbreviations or ():
        lf, sf = text[la:lb], text[sa:sb]
        keys = [k for k in dict.fromkeys((canonical_key(lf), canonical_key(sf))) if k]
        if any(k in by_key for k in keys):
            g = join(keys)
            g.forms.setdefault(lf, 0)
            g.forms.setdefault(sf, 0)
            g.long_form, g.short_form = lf, sf
    return groups


def features(cand: Candidate, text: str, title_end: int) -> dict[str, float]:
    """What the keep-or-drop model sees. Names say what they measure; counts are log-scaled."""
    spans = entity_spans(text, [Entity(cand.type, f) for f in cand.forms])
    occ = len(spans)
    ner_n = sum(cand.ner_types.values())
    name = cand.name
    letters = [c for c in name if c.isalpha()]
    etype = cand.type
    f: dict[str, float] = {
        f"type={etype}": 1.0,
        "occ": math.log1p(occ),
        "title": float(any(s.start < title_end for s in spans)),
        "abbrev": float(cand.short_form is not None),
        "upper": float(len(letters) > 1 and all(c.isupper() for c in letters)),
        "digit": float(any(c.isdigit() for c in name)),
        "mixed": float(any(c.isupper() for c in name[1:]) and not all(c.isupper() for c in letters)),
        "lower": float(name == name.lower()),
        "words": min(len(name.split()), 6) / 6,
        "short": float(len(name) <= 2),
    }
    if ner_n:
        top = cand.ner_types.most_common(1)[0][1]
        f.update({"ner": 1.0, "ner_n": math.log1p(ner_n), "ner_frac": min(1.0, ner_n / max(occ, 1)),
                  "ner_share": top / ner_n, f"ner&type={etype}": 1.0})  # fmt: skip
    if cand.rule is not None:
        f.update({"rules": 1.0, f"rules_conf={cand.rule.confidence:.2f}": 1.0, f"rules&type={etype}": 1.0})
        if ner_n:
            f["both"] = 1.0
            f["agree"] = float(cand.rule.type == etype)
    return f


@Language.factory("kg_entities", default_config={"use_rules": True})
def make_entities(nlp: Language, name: str, use_rules: bool) -> EntityDecider:
    return EntityDecider(use_rules)


class EntityDecider:
    """Groups candidates and keeps those the fitted model believes; see the module docstring."""

    extractor_name = "trained"

    def __init__(self, use_rules: bool = True) -> None:
        self.use_rules = use_rules
        self.model = Logistic(threshold=0.0)  # until fitted, keep every candidate

    def __call__(self, doc: Doc) -> Doc:
        doc._.kg_entities = self.entities(doc)
        return doc

    def scored(self, doc: Doc) -> list[tuple[Candidate, dict[str, float], float]]:
        """Every candidate with its features and probability (training reads this)."""
        text = doc.text
        title_end = text.find("\n") if "\n" in text else len(text)
        out = []
        for cand in candidates(doc, doc._.kg_entities if self.use_rules else None):
            f = features(cand, text, title_end)
            out.append((cand, f, self.model.probability(f)))
        return out

    def entities(self, doc: Doc) -> list[Entity]:
        text = doc.text
        flat = flatten(text)
        sents = sentences(flat)
        starts = [a for a, _ in sents]
        out = []
        for cand, _, p in self.scored(doc):
            if p < self.model.threshold:
                continue
            name = cand.name
            ent = Entity(cand.type, name, [f for f in cand.forms if f != name and canonical_key(f) != canonical_key(name)],
                         proposed=bool(cand.rule and cand.rule.proposed), confidence=round(p, 4),
                         extractor=self.extractor_name)  # fmt: skip
            for s in entity_spans(text, [ent]):
                i = bisect.bisect_right(starts, s.start) - 1
                a, b = sents[i] if i >= 0 else (0, len(text))
                ent.mentions.append(Mention(s.start, s.end, text[s.start : s.end], text[a:b].strip()))
            out.append(ent)
        return out

    def to_disk(self, path: Path, *, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.model.to_disk(path / "model.json")

    def from_disk(self, path: Path, *, exclude=()) -> EntityDecider:
        self.model = Logistic.from_disk(Path(path) / "model.json")
        return self
