"""The default extractor: a blank English spaCy pipeline with lexicon and rule
components, so it runs offline from what PyPI installs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from importlib import resources

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from .canonical import canonical_key
from .records import ENTITY_TYPES, Entity, Mention, document_text
from .registry import register

if not Doc.has_extension("kg_entities"):
    Doc.set_extension("kg_entities", default=None)

_PROPOSE = re.compile(r"\b(?:we|this paper|this work)\s+(?:propose|introduce|present|develop)s?\b", re.I)


def load_lexicon(entity_type: str) -> list[str]:
    text = resources.files("extractors").joinpath("lexicons", f"{entity_type}.txt").read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@Language.factory("kg_lexicon")
def make_lexicon_matcher(nlp: Language, name: str) -> LexiconMatcher:
    return LexiconMatcher(nlp)


class LexiconMatcher:
    """Marks spans that match the shipped lexicons as ``doc.spans['kg']``."""

    def __init__(self, nlp: Language) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for etype in ENTITY_TYPES:
            self.matcher.add(etype, list(nlp.tokenizer.pipe(load_lexicon(etype))))

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, s, e, label=mid) for mid, s, e in self.matcher(doc)]
        doc.spans["kg"] = spacy.util.filter_spans(spans)
        return doc


def build_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("kg_lexicon")
    return nlp


def doc_entities(doc: Doc, title: str) -> list[Entity]:
    by_key: dict[tuple[str, str], Entity] = {}
    for span in doc.spans.get("kg", []):
        key = (span.label_, canonical_key(span.text))
        sent = span.sent.text if doc.has_annotation("SENT_START") else doc.text
        mention = Mention(span.start_char, span.end_char, span.text, sent)
        ent = by_key.get(key)
        if ent is None:
            proposed = span.start_char < len(title) and title[span.end_char:].lstrip().startswith(":")
            proposed = proposed or bool(_PROPOSE.search(sent[: span.start_char - span.sent.start_char]))
            ent = by_key[key] = Entity(span.label_, span.text, proposed=proposed, confidence=0.8)
        elif span.text != ent.name and span.text not in ent.aliases:
            ent.aliases.append(span.text)
        ent.mentions.append(mention)
    return list(by_key.values())


class RulesExtractor:
    name = "rules"

    def __init__(self) -> None:
        self.nlp = build_nlp()

    def extract(self, title: str, abstract: str) -> list[Entity]:
        return doc_entities(self.nlp(document_text(title, abstract)), title)

    def pipe(
        self, docs: Iterable[tuple[str, str]], *, n_process: int = 1, batch_size: int = 64
    ) -> Iterator[list[Entity]]:
        stream = ((document_text(t, a), t) for t, a in docs)
        for doc, title in self.nlp.pipe(stream, as_tuples=True, n_process=n_process, batch_size=batch_size):
            yield doc_entities(doc, title)


@register("default")
@register("rules")
def rules_extractor() -> RulesExtractor:
    return RulesExtractor()
