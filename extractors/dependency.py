"""Entity-level relations read off a dependency parse.

An option for users who have an English spaCy pipeline with a trained parser
(``en_core_web_sm`` or any pipeline, by package name or path): ``kg build
--parser NAME`` parses each abstract and ``read_relations(..., parsed=doc)``
adds what the tree shows and the surface cues in ``relations.py`` miss: a
subject far from its verb ("BERT, with its masked objective, outperforms
..."), passives and participles ("RoBERTa is fine-tuned on SQuAD", "a model
pre-trained on C4"), and conjoined subjects or objects ("X and Y outperform
Z"). The default stays parse-free: no pipeline can be downloaded where kg is
built, and a parse costs far more than the rules on 50k abstracts.

Verbs are recognised by the start of their lower-cased text, not by lemma or
part of speech, so a pipeline with only a parser (no tagger, no lemmatizer)
is enough.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from .records import Entity, Relation
from .results import MODEL_TYPES
from .spans import Span, entity_spans

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

__all__ = ["ParserUnavailable", "load_parser", "parse_relations"]

_OUTPERFORM = ("outperform", "surpass", "beat", "exceed", "outstrip", "outpace")
_COMPARATIVE = ("better", "superior", "stronger")
# "tun" also covers "fine-tuned" as English tokenizers split it ("fine", "-", "tuned").
_FINE_TUNE = ("fine-tun", "finetun", "tun")
_TRAIN = ("train", "pretrain", "pre-train", *_FINE_TUNE)
_APPLY = ("appl", "use", "used", "using", "employ", "adapt", "leverag", "utiliz", "utilis")
_SUBJECT = ("nsubj", "csubj")
_RELATIVE = ("which", "that", "who")
_PASSIVE_SUBJECT = ("nsubjpass", "csubjpass")
# Children that are part of the same name or noun phrase ("our model, X", "the X baseline").
_SAME_PHRASE = ("appos", "compound", "amod", "nmod", "npadvmod", "det", "poss", "nummod")


class ParserUnavailable(ValueError):
    """The pipeline named for --parser is not installed or has no parser."""


@lru_cache(maxsize=4)
def load_parser(name: str) -> Language:
    """A spaCy pipeline by package name or path, with only what a parse needs."""
    import spacy

    try:
        nlp = spacy.load(name, exclude=["ner", "textcat", "textcat_multilabel", "entity_linker", "entity_ruler"])
    except (OSError, ImportError, ValueError) as e:
        raise ParserUnavailable(
            f"cannot load the spaCy pipeline {name!r} for --parser ({str(e).splitlines()[0][:160]}); install "
            f"one with a parser, e.g. 'python -m spacy download en_core_web_sm', or give its folder"
        ) from None
    if "parser" not in nlp.pipe_names:
        raise ParserUnavailable(f"the spaCy pipeline {name!r} has no 'parser' component: {nlp.pipe_names}")
    return nlp


def parse(nlp: Language, texts: Iterable[str], batch_size: int = 64) -> Iterator[Doc]:
    return nlp.pipe(texts, batch_size=batch_size)


def _starts(tok: Token, stems: tuple[str, ...]) -> bool:
    return tok.lower_.startswith(stems)


def _is_verb(tok: Token) -> bool:
    """A verb by its tag where the pipeline tags, else by its arcs (a
    parser-only pipeline): it has a subject or an object, or it is a clause."""
    if tok.doc.has_annotation("POS"):
        return tok.pos_ == "VERB"
    return tok.dep_ in ("ROOT", "relcl", "acl", "advcl", "xcomp", "ccomp", "pcomp") or any(
        c.dep_ in (*_SUBJECT, *_PASSIVE_SUBJECT, "dobj", "obj", "aux", "auxpass") for c in tok.children
    )


def _with_conjuncts(toks: Iterable[Token]) -> list[Token]:
    out: list[Token] = []
    for t in toks:
        out.append(t)
        out.extend(t.conjuncts)
    return out


def _children(tok: Token, deps: tuple[str, ...]) -> list[Token]:
    """The token's children by arc, a relative pronoun standing for the noun
    its clause hangs on ("X, which was trained on D")."""
    found = [c for c in tok.children if c.dep_ in deps]
    if tok.dep_ == "relcl" and tok.head is not tok:
        found = [tok.head if c.lower_ in _RELATIVE else c for c in found]
    return _with_conjuncts(found)


def _prep_objects(tok: Token, words: tuple[str, ...]) -> list[Token]:
    """Objects of the token's prepositions among ``words`` ("on D", "to T")."""
    out: list[Token] = []
    for p in tok.children:
        if p.dep_ in ("prep", "agent", "dative") and p.lower_ in words:
            out.extend(_children(p, ("pobj",)))
    return out


def _subjects(verb: Token) -> list[Token]:
    """Who does it: the verb's subject, a coordinated verb's shared subject
    ("X improves and outperforms Y"), or the noun a relative clause hangs on
    ("X, which outperforms Y")."""
    found = _children(verb, _SUBJECT)
    if found:
        return found
    if verb.dep_ == "conj" and verb.head is not verb:
        return _subjects(verb.head)
    if verb.dep_ == "relcl":
        return _with_conjuncts([verb.head])
    return []


def _patients(verb: Token) -> list[Token]:
    """What is trained, tuned or applied: the object of an active verb, the
    subject of a passive one, or the noun a participle modifies ("X trained
    on D")."""
    found = _children(verb, ("dobj", "obj") + _PASSIVE_SUBJECT)
    if found:
        return found
    if verb.dep_ in ("acl", "relcl") and verb.head is not verb:
        return _with_conjuncts([verb.head])
    if verb.dep_ == "conj" and verb.head is not verb:
        return _patients(verb.head)
    return []


class _EntityTokens:
    """Which entity each token names, from the same spans the rules use."""

    def __init__(self, doc: Doc, entities: list[Entity]) -> None:
        self.at: dict[int, Span] = {}
        for s in entity_spans(doc.text, entities):
            cs = doc.char_span(s.start, s.end, alignment_mode="expand")
            for t in cs or ():
                self.at.setdefault(t.i, s)

    def entity(self, tok: Token, types: tuple[str, ...]) -> Entity | None:
        """The entity of ``types`` the token names, or that its own noun
        phrase names ("our model, X", "the strong X baseline")."""
        todo, seen = [tok], set()
        while todo:
            t = todo.pop(0)
            if t.i in seen:
                continue
            seen.add(t.i)
            span = self.at.get(t.i)
            if span is not None and span.of(*types) is not None:
                return span.of(*types)
            todo.extend(c for c in t.children if c.dep_ in _SAME_PHRASE)
        return None

    def entities(self, toks: Iterable[Token], types: tuple[str, ...]) -> list[Entity]:
        out: list[Entity] = []
        for t in toks:
            e = self.entity(t, types)
            if e is not None and e not in out:
                out.append(e)
        return out


def _sentence(tok: Token) -> str:
    return tok.sent.text.strip()


def parse_relations(doc: Doc, entities: list[Entity]) -> list[Relation]:
    """OUTPERFORMS (with the dataset "on D" names), TRAINED_ON, FINE_TUNED_ON,
    USED_FOR and BENCHMARK_FOR read from subject, object and preposition arcs.
    ``doc`` is the parse of ``document_text(title, abstract)``, the text the
    entities' offsets index into."""
    ents = _EntityTokens(doc, entities)
    out: list[Relation] = []

    def add(rtype: str, head: Entity, tail: Entity, tok: Token, rule: str, conf: float, ds: str | None = None):
        if head is not tail and head.name != tail.name:
            out.append(Relation(rtype, head.name, head.type, tail.name, tail.type, _sentence(tok),
                                f"dep-{rule}", conf, ds))  # fmt: skip

    for tok in doc:
        if (_starts(tok, _OUTPERFORM) and _is_verb(tok)) or (
            tok.lower_ in _COMPARATIVE and tok.dep_ in ("acomp", "amod", "attr")
        ):
            if tok.lower_ in _COMPARATIVE:  # "X is better than Y": the subject is the copula's
                tails = ents.entities(_prep_objects(tok, ("than", "to")), MODEL_TYPES)
                heads = ents.entities(_subjects(tok.head), MODEL_TYPES)
                where = tok.head
            else:
                tails = ents.entities(_children(tok, ("dobj", "obj")), MODEL_TYPES)
                heads = ents.entities(_subjects(tok), MODEL_TYPES)
                where = tok
            datasets = ents.entities(_prep_objects(where, ("on", "across", "over", "in")), ("Dataset",))
            ds = datasets[0].name if len(datasets) == 1 else None
            for h in heads:
                for t in tails:
                    if not t.proposed:
                        add("OUTPERFORMS", h, t, tok, "outperforms", 0.7, ds)
        elif _starts(tok, _TRAIN) and _is_verb(tok):
            rtype = "FINE_TUNED_ON" if _starts(tok, _FINE_TUNE) else "TRAINED_ON"
            data = ents.entities(_prep_objects(tok, ("on", "with", "using", "from")), ("Dataset",))
            if data:
                for h in ents.entities(_patients(tok), MODEL_TYPES):
                    for d in data:
                        add(rtype, h, d, tok, "trained-on" if rtype == "TRAINED_ON" else "fine-tuned-on", 0.7)
        elif _starts(tok, _APPLY) and _is_verb(tok):
            tasks = ents.entities(_prep_objects(tok, ("to", "for")), ("Task",))
            for h in ents.entities(_patients(tok), MODEL_TYPES):
                for t in tasks:
                    add("USED_FOR", h, t, tok, "applied-to", 0.65)
        # "X for Y" as a noun phrase: a method, model or dataset with a "for" task
        span = ents.at.get(tok.i)
        if span is None or (tok.head is not tok and ents.at.get(tok.head.i) is span):
            continue  # only the head token of a name carries its phrase's arcs
        head = span.of(*MODEL_TYPES) or span.of("Dataset")
        if head is None:
            continue
        for t in ents.entities(_prep_objects(tok, ("for",)), ("Task",)):
            if head.type == "Dataset":
                add("BENCHMARK_FOR", head, t, tok, "dataset-for-task", 0.6)
            else:
                add("USED_FOR", head, t, tok, "x-for-task", 0.65)
    return out
