"""Relations and results read from one abstract and its entities.

``read_relations(title, abstract, entities)`` gives exactly one paper-level
relation per entity (head None: the paper itself) and the entity-level
relations one sentence states (USED_FOR, TRAINED_ON, FINE_TUNED_ON,
OUTPERFORMS, BENCHMARK_FOR), plus the numeric results (see ``results``).

Everything is regular expressions over sentences and entity offsets: no parse,
so it keeps up with the rule extractor on tens of thousands of abstracts. The
cues are general wording ("X outperforms Y", "fine-tune X on D", "X for Y",
"we evaluate on D"), not names, so they carry to unseen abstracts; where a cue
is ambiguous the relation is left out (precision first).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .canonical import canonical_key
from .paper_relations import Softmax, decide, shipped_model
from .paper_relations import features as paper_features
from .records import Entity, Relation, Result, document_text
from .results import MODEL_TYPES, sentence_results
from .spans import Span, SpanIndex, entity_spans, flatten, sentences

if TYPE_CHECKING:
    from spacy.tokens import Doc as SpacyDoc

__all__ = ["read_relations"]

# -- cues -------------------------------------------------------------------------
_EVAL_CUE = re.compile(
    r"\b(?:evaluat\w*|experiment\w*|results?|achiev\w*|outperform\w*|surpass\w*|benchmark(?:s|ed|ing)?|"
    r"test(?:s|ed|ing)?|"
    r"state-of-the-art|sota|accuracy|scores?|performance|improv\w*|validat\w*|empirical\w*|report\w*|attain\w*|"
    r"obtain\w*|reach\w*|comparable|superior\w*|gains?|assess\w*|measur\w*|demonstrat\w*|generaliz\w*|"
    r"effectiveness|robust\w*)\b", re.I)
# Wording that on its own says a sentence reports an evaluation.
_STRONG_EVAL = re.compile(
    r"\b(?:evaluat\w*|experiment\w*|results?|achiev\w*|outperform\w*|surpass\w*|benchmarked|benchmarking|"
    r"test(?:s|ed|ing)?|state-of-the-art|sota|accuracy|validat\w*|empirical\w*|attain\w*|conducted on|assess\w*|"
    r"we benchmark)\b", re.I)
_RESULT_NUMBER = re.compile(r"\d(?:\.\d+)?\s?(?:\\?%|x\b|×|pp\b|points\b|percent\b)")
_NEW_DATASET_AFTER = re.compile(r"\s*(?:\([^()]{1,30}\)\s*)?,?\s*(?:a|an|the first|our)\s+(?:[\w\-]+\s+){0,4}?"
                                r"(?:new|novel|first|newly|proposed)\b", re.I)
_NEW_DATASET_BEFORE = re.compile(
    r"\b(?:newly[- ](?:constructed|built|created|collected|curated|introduced|proposed|released)|our\s+(?:own|new|"
    r"proposed)|(?:the|our)\s+proposed|self-(?:constructed|collected|built))\s+(?:[\w\-]+\s+){0,2}$", re.I)
_TITLE_DATASET = re.compile(r"\s*:\s*(?:[\w\-]+\s+){0,8}?(?:dataset|benchmark|corpus|suite|testbed)\b", re.I)
_SOURCE_BEFORE = re.compile(
    r"\b(?:built|constructed|derived|sourced|collected|curated|drawn|sampled|extracted|adapted|created|"
    r"generated|compiled|repurposed|extend\w*|augment\w*)\s+(?:\w+\s+){0,2}?(?:on|from|upon|of)\s+"
    r"(?:the\s+|a\s+)?(?:[\w\-]+\s+){0,3}$", re.I)
# Training as a verb with its data behind it ("trained on D", "fine-tune X on D"), not "training time".
_TRAIN_CUE = re.compile(r"\b(?:pre-?train\w*|train(?:s|ed|ing)?|fine-?tun\w*|finetun\w*|distill\w*|"
                        r"learn(?:s|ed)? from)\s+"
                        r"(?:[\w\-]+\s+){0,4}?(?:on|with|using|from)\b", re.I)
_EVAL_VERB = re.compile(r"\b(?:evaluat\w*|test\w*|benchmark\w*|experiment\w*|results?|achiev\w*|outperform\w*|"
                        r"surpass\w*|assess\w*|validat\w*|report\w*|perform\w*)\b", re.I)
_PROPOSAL_BEFORE = re.compile(
    r"\b(?:we|this (?:paper|work|study)|our (?:paper|work))\s+(?:\w+ly\s+)?(?:also\s+|further\s+|first\s+)?"
    r"(?:introduc\w*|present\w*|propos\w*|releas\w*|construct\w*|buil\w*|creat\w*|collect\w*|curat\w*|"
    r"contribut\w*|develop\w*|design\w*|provid\w*)\s+(?:[\w\-]+\s+){0,4}$", re.I)
_BACKGROUND = re.compile(
    r"^\W*(?:existing|previous|prior|recent|current|most|many|traditional|conventional|popular|standard)\b|"
    r"\b(?:have|has) been\b|\bwidely used\b|\bcommonly used\b", re.I)
_IT_SUBJECT = re.compile(r"\bit\s+(?:\w+ly\s+|also\s+|further\s+)?(?:achiev|reach|obtain|attain|improv|outperform|"
                         r"surpass|yield|deliver|show|exhibit|set|establish|reduc|increas|boost)\w*", re.I)
_OURS = re.compile(r"\b(?:we|our|ours)\b|\bthe proposed\b|\bthis (?:paper|work)\b", re.I)
_COMPARE_BEFORE = re.compile(
    r"(?:\b(?:outperform\w*|surpass\w*|beat(?:s|ing)?|exceed\w*|better than|superior to|compared (?:to|with)|"
    r"comparison (?:to|with)|comparing (?:\w+ )?(?:to|with)|against|versus|vs\.?|relative to|than|"
    r"baselines?\s*(?:such as|like|including|e\.g\.,?|:|\())|"
    r"(?:improvements?|gains?|%|points|advantage|margin)\s+over)\b", re.I)
_BASELINE_AFTER = re.compile(r"\s*(?:\([^()]{1,30}\)\s*)?baselines?\b", re.I)
_COMPARE_BREAK = re.compile(r"\b(?:we|while|whereas|which|but|and (?:we|it|also|achiev\w*|reduc\w*|us\w*))\b|"
                            r", and\b|\bby\b",
                            re.I)
_NOT_SUBJECT_BEFORE = re.compile(
    r"(?:\b(?:than|over|compared (?:to|with)|against|outperform\w*|surpass\w*|beat\w*|vs\.?|versus|like|such as|"
    r"including|from|to|of|on|with|using|based on|exceed\w*)\s+(?:the\s+|a\s+|an\s+)?(?:[\w\-]+\s+){0,2}|\()$", re.I)
_OUTPERFORM = re.compile(
    r"\b(?:outperform\w*|surpass\w*|beats?|beating|exceed(?:s|ed|ing)?|(?:is|are|was|were|performs?|performing)\s+"
    r"(?:\w+\s+)?better than|superior to|improves? (?:up)?on)\b", re.I)
_OUTPERFORM_WORDS = ("outperform", "surpass", "beat", "exceed", "better than", "superior to", "improve")
_PRONOUN_SUBJECT = re.compile(r"\b(?:it|which|that)\s+(?:\w+ly\s+|also\s+|still\s+|even\s+|further\s+)*$", re.I)
_OUR_SUBJECT = re.compile(
    r"\b(?:our|the proposed)\s+(?:[\w\-]+\s+){0,2}?(?:method|approach|model|framework|system|technique|algorithm|"
    r"architecture|agent|pipeline|strategy|variant|solution|design)s?\b|\bwe\b", re.I)
_CLAUSE_END = re.compile(r";|\bwhile\b|\bwhereas\b|, which\b|, but\b|\. |"
                         r",\s*(?:achiev|reach|obtain|yield|show|demonstrat|"
                         r"highlight|indicat|reduc|improv|with|making|leading|resulting|setting|establish)\w*|"
                         r",? and (?:is|are|was|were|has|have|achiev\w*|"
                         r"reach\w*|remain\w*|we|it|also|even|still|perform\w*|show\w*|obtain\w*|yield\w*)\b")
_TAIL_SETTING = re.compile(r"\b(?:on|using|with|for|in|across|under|via|from)\s+(?:the\s+|a\s+|an\s+)?$", re.I)
_PREP_DATASET = re.compile(r"\b(?:on|in|across|over)\s+(?:the\s+|both\s+|all\s+)?$", re.I)
_ON_DATASET = re.compile(r"\b(?:on|across)\s+(?:the\s+|both\s+|all\s+)?(?:[\w\-+]+,?\s+){0,5}$", re.I)
_TRAIN_VERB = re.compile(r"\b(fine-?tun\w*|finetun\w*|pre-?train\w*|train(?:s|ed|ing)?)\b", re.I)
_HEAD_TO_VERB = re.compile(
    r"^\s*(?:\([^()]{1,30}\)\s*)?(?:(?:models?|networks?|,|which|that|is|are|was|were|being|been|when|then|"
    r"further|first|also|additionally|subsequently|initially|\w+ly)\s*)*$", re.I)
_VERB_TO_HEAD = re.compile(r"^\s*(?:(?:the|a|an|our|their|its|pretrained|pre-trained|base|original|existing|"
                           r"off-the-shelf)\s+)*$", re.I)
_HEAD_TO_ON = re.compile(r"^\s*(?:\([^()]{1,30}\)\s*)?(?:models?\s+|(?:[\w\-]+\s+){0,2}?)?(?:on|using|with)\s+"
                         r"(?:the\s+|a\s+|our\s+)?(?:[\w\-]+\s+){0,1}?$", re.I)
_FOR_GAP = re.compile(
    r"^\s*(?:\([^()]{1,40}\)\s*)?(?:(?:models?|methods?|approach(?:es)?|frameworks?|modules?|networks?|architectures?|"
    r"representations?|features?|systems?|pipelines?|algorithms?|techniques?|datasets?|benchmarks?|corpus|corpora|"
    r"suite)\s+)?(?:(?:,|:|-)\s*(?:an?|the)\s+(?:[\w\-]+,?\s+){0,8}?)?"
    r"(?:for|to|towards|capable of|designed for|tailored (?:for|to)|applied to|dedicated to)\s+"
    r"(?:the\s+)?(?:(?:task|tasks|problem|problems) of\s+)?(?:(?:simultaneous|efficient|accurate|robust|joint|"
    r"zero-shot|few-shot|improved|better|downstream|multiple|various|general|generalizable)\s+)?$", re.I)
_LIST_GAP = re.compile(r"^\s*(?:\([^()]{1,30}\)\s*)?(?:,|and|or|,\s*and|,\s*or)\s*$")
_TASK_THEN_DATASET = re.compile(
    r"^\s*(?:\([^()]{1,30}\)\s*)?(?:(?:tasks?|benchmarks?|datasets?|corpora)\s*(?:such as|like|including|e\.g\.,?|"
    r"namely|:|,|\()?|(?:,\s*)?(?:such as|like|including|e\.g\.,?|namely))\s*(?:the\s+)?$|"
    r"^\s*(?:tasks?\s+)?(?:on|using)\s+(?:the\s+)?$", re.I)


class _Doc:
    """One abstract prepared for the rules: text, sentences, entity offsets."""

    def __init__(self, title: str, abstract: str, entities: list[Entity]) -> None:
        self.raw = document_text(title, abstract)
        self.has_title = bool(title.strip())
        self.text = flatten(self.raw)
        self.sents = sentences(self.text)
        self.entities = entities
        self.index = SpanIndex(entity_spans(self.text, entities))
        self.sent_spans: list[list[Span]] = [self.index.within(a, b) for a, b in self.sents]
        self._main: list[Entity | None] = self._main_proposed()
        self.starts = [a for a, _ in self.sents]
        self._sentence_text: dict[int, str] = {}
        # sentences holding a comparison or a training verb: the entity-level rules skip the others
        lower = self.text.lower()
        # sentences that may hold a comparison or a training verb (a substring test, far cheaper than the
        # expressions): the entity-level rules skip the others
        self.outperform_sents = self._sentences_with(lower, _OUTPERFORM_WORDS)
        self.train_sents = self._sentences_with(lower, ("train", "tun"))

    def _sentences_with(self, lower: str, words: tuple[str, ...]) -> set[int]:
        if not any(w in lower for w in words):
            return set()
        return {i for i, (a, b) in enumerate(self.sents) if any(w in lower[a:b] for w in words)}

    def _main_proposed(self) -> list[Entity | None]:
        """For each sentence, the proposed Method/Model that "our method" or
        "we" most likely means there: the latest sentence up to it whose first
        proposed Method/Model mention names it."""
        fallback = max((e for e in self.entities if e.proposed and e.type in MODEL_TYPES),
                       key=lambda e: len(e.mentions), default=None)  # fmt: skip
        out: list[Entity | None] = []
        current: Entity | None = None
        for spans in self.sent_spans:
            for s in spans:
                ent = s.of(*MODEL_TYPES)
                if ent is not None and ent.proposed:
                    current = ent
                    break
            out.append(current or fallback)
        return out

    def sentence_of(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.starts, pos) - 1) if self.sents else 0

    def main(self, i: int) -> Entity | None:
        return self._main[i] if 0 <= i < len(self._main) else None

    def sentence(self, i: int) -> str:
        """One string per sentence, however many relations cite it (50k
        abstracts' evidence is held until the graph is built)."""
        if not 0 <= i < len(self.sents):
            return ""
        s = self._sentence_text.get(i)
        if s is None:
            a, b = self.sents[i]
            s = self._sentence_text[i] = self.raw[a:b].strip()
        return s


# -- paper-level --------------------------------------------------------------------
def _proposed_names(entities: list[Entity]) -> set[str]:
    return {canonical_key(f) for e in entities if e.proposed for f in (e.name, *e.aliases)}


def _dataset_evidence(doc: _Doc, ent: Entity) -> int | None:
    """The sentence index where a dataset is evaluated on, or None: an abstract
    sentence naming it with evaluation wording ("we evaluate", "experiments",
    "outperforms", a result number or a metric), or "on D" with weaker wording
    ("performance on D"); not as the object of "we introduce", not as training
    data ("fine-tuned on D") or a source ("built on D"), not as a bracketed
    subset of another dataset, not in background prose, not in the title."""
    first = 1 if doc.has_title else 0
    for i in range(first, len(doc.sents)):
        spans = doc.sent_spans[i]
        a, b = doc.sents[i]
        sent = doc.text[a:b]
        strong = _STRONG_EVAL.search(sent) is not None or _RESULT_NUMBER.search(sent) is not None or any(
            sp.of("Metric") for sp in spans)  # fmt: skip
        for s in spans:
            if not any(x is ent for x in s.ents):
                continue
            before = doc.text[a : s.start]
            if _PROPOSAL_BEFORE.search(before, max(0, len(before) - 150)) or _in_subset_brackets(doc, s):
                continue
            t = [m.end() for m in _TRAIN_CUE.finditer(before)]
            src = _SOURCE_BEFORE.search(before, max(0, len(before) - 80))
            if src:
                t.append(src.start() + 1)  # "built on D": a source, unless evaluation wording is nearer
                t.sort()
            v = [m.end() for m in _EVAL_VERB.finditer(before)]
            if t and (not v or t[-1] > v[-1]):
                continue  # the nearest verb before it is about training
            if _BACKGROUND.search(sent) and not (_OURS.search(sent) or any(
                    e.proposed for sp in spans for e in sp.ents)):  # fmt: skip
                continue
            if strong or (_ON_DATASET.search(before[-30:]) and _EVAL_CUE.search(sent)):
                return i
    return None


def _introduced(doc: _Doc, ent: Entity) -> bool:
    """A dataset the paper itself brings, even when the extractor did not flag it
    proposed: "we introduce D", "D, a new benchmark for ...", a title "D: A ...
    Dataset". Evaluating on one's own dataset is not EVALUATES_ON (guideline)."""
    for i, spans in enumerate(doc.sent_spans):
        a, _ = doc.sents[i]
        for s in spans:
            if not any(x is ent for x in s.ents):
                continue
            if (_PROPOSAL_BEFORE.search(doc.text, max(a, s.start - 150), s.start)
                    or _NEW_DATASET_AFTER.match(doc.text, s.end)
                    or _NEW_DATASET_BEFORE.search(doc.text, max(a, s.start - 60), s.start)):  # fmt: skip
                return True
            if i == 0 and doc.has_title and s.start == 0 and _TITLE_DATASET.match(doc.text, s.end):
                return True
    return False


def _sentence_initial_word(doc: _Doc, ent: Entity) -> bool:
    """"Notable challenges emerged ...", "Leveraging the dataset ...": a single
    capitalised word typed Dataset that is only ever seen starting a sentence or
    in the title is an ordinary word, not a dataset."""
    if " " in ent.name or not ent.name.isalpha() or not ent.name[1:].islower():
        return False
    starts = {a for a, _ in doc.sents}
    title_end = doc.sents[0][1] if doc.has_title and doc.sents else -1
    for spans in doc.sent_spans:
        for s in spans:
            if any(x is ent for x in s.ents) and s.start not in starts and s.start >= title_end:
                return False
    return True


def _in_subset_brackets(doc: _Doc, s: Span) -> bool:
    """"GPQA (Chemistry)": a bracketed name right after a dataset is a part of it."""
    pre = doc.text[max(0, s.start - 3) : s.start]
    if not pre.rstrip().endswith("("):
        return False
    p = doc.text.rfind("(", 0, s.start)
    prev = doc.index.ending_at(p - 1) or doc.index.ending_at(p)
    if prev is None:
        m = re.search(r"(\S+)\s+(?:benchmark|dataset)\s*$", doc.text[max(0, p - 60) : p])
        if m:
            prev = doc.index.ending_at(max(0, p - 60) + m.end(1))
    return prev is not None and prev.of("Dataset") is not None


def _comparisons(doc: _Doc) -> dict[int, int]:
    """For each method or model named as what the paper compares with or beats
    ("outperforms X", "compared with X", "gains over X", "X baselines"): id of
    the entity -> the first sentence saying so. One pass over the mentions."""
    out: dict[int, int] = {}
    for i, spans in enumerate(doc.sent_spans):
        a, _ = doc.sents[i]
        for s in spans:
            ents = [e for e in s.ents if e.type in MODEL_TYPES and id(e) not in out]
            if not ents:
                continue
            hit = _BASELINE_AFTER.match(doc.text, s.end) is not None
            if not hit:
                cue = None
                for cue in _COMPARE_BEFORE.finditer(doc.text, max(a, s.start - 120), s.start):  # noqa: B007
                    pass  # keep the last cue before the mention
                if cue is not None:
                    gap = doc.text[cue.end() : s.start]
                    hit = len(gap) <= 90 and "." not in gap and ";" not in gap and not _COMPARE_BREAK.search(gap)
            if hit:
                for e in ents:
                    out[id(e)] = i
    return out


def paper_relation_features(doc: _Doc, ent: Entity, rule_type: str) -> dict[str, float]:
    """What the learned paper-level model reads for one entity (training/relations/fit.py reads it too)."""
    sents = [doc.sentence(doc.sentence_of(m.start)) for m in ent.mentions[:3]]
    return paper_features(ent, rule_type, doc.text, sents, doc.raw.find("\n") if doc.has_title else 0)


def _paper_relations(doc: _Doc, model: Softmax | None = None) -> list[Relation]:
    """Exactly one paper-level relation per entity: the rules' choice, or the
    learned model's over it when one is given (``paper_relations``)."""
    ours = _proposed_names(doc.entities)
    compared = _comparisons(doc)
    out: list[Relation] = []
    for ent in doc.entities:
        first = doc.sentence_of(ent.mentions[0].start) if ent.mentions else 0
        if ent.proposed or canonical_key(ent.name) in ours:
            rtype, rule, i, conf = "PROPOSES", "proposed" if ent.proposed else "proposed-name", first, 0.8
        elif ent.type == "Dataset":
            i = None if _introduced(doc, ent) or _sentence_initial_word(doc, ent) else _dataset_evidence(doc, ent)
            rtype, rule, conf = ("MENTIONS", "default", 0.5) if i is None else ("EVALUATES_ON", "evaluation-cue", 0.75)
            i = first if i is None else i
        elif ent.type in MODEL_TYPES:
            i = compared.get(id(ent))
            rtype, rule, conf = ("COMPARES_WITH", "comparison-cue", 0.7) if i is not None else ("USES", "default", 0.6)
            i = first if i is None else i
        elif ent.type == "Metric":
            rtype, rule, i, conf = "MEASURES", "metric", first, 0.7
        elif ent.type == "Task":
            rtype, rule, i, conf = "ADDRESSES", "task", first, 0.6
        else:
            rtype, rule, i, conf = "MENTIONS", "default", first, 0.5
        if model is not None:
            learned, conf = decide(model, paper_relation_features(doc, ent, rtype), ent.type)
            rtype, rule, i = (learned, "learned", i) if learned == rtype else (learned, "learned", first)
            conf = round(conf, 4)
        out.append(Relation(rtype, None, None, ent.name, ent.type, doc.sentence(i), rule, conf))
    return out


# -- entity-level ---------------------------------------------------------------------
def _outperforms(doc: _Doc, i: int) -> list[Relation]:
    """"X outperforms Y (on D)", "X surpasses Y", "X is better than Y"; "our
    method"/"we"/"it" as subject stand for the paper's proposed method."""
    a, b = doc.sents[i]
    text = doc.text
    out: list[Relation] = []
    spans = doc.sent_spans[i]
    for m in _OUTPERFORM.finditer(text, a, b):
        pre = text[a : m.start()]
        cut = max(pre.rfind(";"), -1)
        head: Entity | None = None
        befores = [s for s in spans if a + cut < s.start and s.end <= m.start() and s.of(*MODEL_TYPES)]
        if _PRONOUN_SUBJECT.search(pre):
            head = befores[-1].of(*MODEL_TYPES) if befores else doc.main(i)
        else:
            subj = [s for s in befores if not _NOT_SUBJECT_BEFORE.search(text[max(a, s.start - 40) : s.start])]
            named = [s for s in subj if s.of(*MODEL_TYPES).proposed]
            if named:
                head = named[0].of(*MODEL_TYPES)
            elif _OUR_SUBJECT.search(pre[cut + 1 :]):
                head = doc.main(i)
            elif subj:
                head = subj[0].of(*MODEL_TYPES)
        if head is None:
            continue
        stop = _CLAUSE_END.search(text, m.end(), b)
        end = stop.start() if stop else b
        dataset = _where(doc, i, m.start())
        for s in spans:
            if not (m.end() <= s.start and s.end <= end):
                continue
            tail = s.of(*MODEL_TYPES)
            if tail is None or tail is head or tail.proposed or canonical_key(tail.name) == canonical_key(head.name):
                continue
            if _TAIL_SETTING.search(text[max(m.end(), s.start - 12) : s.start]):
                continue  # "outperforms baselines on LLaMA-2": the model is the setting
            out.append(Relation("OUTPERFORMS", head.name, head.type, tail.name, tail.type, doc.sentence(i),
                                "outperforms-verb", 0.7, dataset))  # fmt: skip
    return out


def _where(doc: _Doc, i: int, pos: int) -> str | None:
    """The one dataset a comparison sentence names behind "on/in/across"."""
    a, _ = doc.sents[i]
    found = {s.of("Dataset").name for s in doc.sent_spans[i] if s.of("Dataset") is not None
             and _PREP_DATASET.search(doc.text[max(a, s.start - 20) : s.start])
             and not _TRAIN_CUE.search(doc.text[max(a, s.start - 30) : s.start])}  # fmt: skip
    return next(iter(found)) if len(found) == 1 else None


def _trained_on(doc: _Doc, i: int) -> list[Relation]:
    """"fine-tune X on D", "X fine-tuned on D", "X pre-trained on D"."""
    a, b = doc.sents[i]
    text = doc.text
    spans = doc.sent_spans[i]
    out: list[Relation] = []
    for m in _TRAIN_VERB.finditer(text, a, b):
        verb = m.group(1).lower()
        rtype = "FINE_TUNED_ON" if "tun" in verb else "TRAINED_ON"
        heads = [s for s in spans if s.end <= m.start() and s.of(*MODEL_TYPES)
                 and _HEAD_TO_VERB.match(text[s.end : m.start()])]  # fmt: skip
        after = [s for s in spans if s.start >= m.end() and s.of(*MODEL_TYPES)
                 and _VERB_TO_HEAD.match(text[m.end() : s.start])]  # fmt: skip
        head_span = heads[-1] if heads else (after[0] if after else None)
        if head_span is None:
            continue
        head = head_span.of(*MODEL_TYPES)
        on_from = max(m.end(), head_span.end)
        first = True
        last_end = on_from
        for s in spans:
            if s.start < on_from or s.of("Dataset") is None:
                continue
            gap = text[last_end : s.start]
            if (first and re.match(r"^\s*(?:\([^()]{1,30}\)\s*)?(?:\w+\s+){0,1}?on\s+(?:the\s+|a\s+|our\s+)?$", gap)
                    if head_span in heads else (first and _HEAD_TO_ON.match(text[head_span.end : s.start]))) or (
                    not first and _LIST_GAP.match(gap)):  # fmt: skip
                ds = s.of("Dataset")
                out.append(Relation(rtype, head.name, head.type, ds.name, "Dataset", doc.sentence(i),
                                    "trained-on" if rtype == "TRAINED_ON" else "fine-tuned-on", 0.7))  # fmt: skip
                first = False
                last_end = s.end
            elif not first:
                break
            else:
                break
    return out


def _used_for(doc: _Doc, i: int) -> list[Relation]:
    """"X for Y", "X: a ... for Y", "apply X to Y": USED_FOR when X is a method
    or model, BENCHMARK_FOR when X is a dataset; a list of tasks after "for"
    gives one relation each. "Y benchmarks such as D" and "Y on D" also give
    BENCHMARK_FOR."""
    text = doc.text
    spans = doc.sent_spans[i]
    out: list[Relation] = []
    done: set[int] = set()
    for k, ys in enumerate(spans):
        if ys.of("Task") is None or k in done:
            continue
        heads = [s for s in spans[:k] if s.of(*MODEL_TYPES, "Dataset") is not None
                 and _FOR_GAP.match(text[s.end : ys.start])]  # fmt: skip
        if not heads:
            continue
        proposed = [s for s in heads if any(e.proposed for e in s.ents)]
        xs = (proposed or heads)[0 if proposed else -1]
        x = xs.of("Dataset") if xs.of(*MODEL_TYPES) is None else xs.of(*MODEL_TYPES)
        rtype = "BENCHMARK_FOR" if x.type == "Dataset" else "USED_FOR"
        rule = "dataset-for-task" if rtype == "BENCHMARK_FOR" else "x-for-task"
        last = ys
        for j in range(k, len(spans)):
            s = spans[j]
            if j > k and not (s.of("Task") is not None and _LIST_GAP.match(text[last.end : s.start])):
                break
            task = s.of("Task")
            if task is None:
                break
            out.append(Relation(rtype, x.name, x.type, task.name, "Task", doc.sentence(i), rule, 0.65))
            done.add(j)
            last = s
    # "Y benchmarks such as D", "Y on D"
    a, b = doc.sents[i]
    for k, ys in enumerate(spans):
        task = ys.of("Task")
        if task is None:
            continue
        last = ys
        for s in spans[k + 1 :]:
            ds = s.of("Dataset")
            gap = text[last.end : s.start]
            if ds is None:
                break
            if last is ys:
                m = _TASK_THEN_DATASET.match(gap)
                if not m or (("on" in gap or "using" in gap) and not _EVAL_CUE.search(text, a, b)):
                    break
            elif not _LIST_GAP.match(gap):
                break
            out.append(Relation("BENCHMARK_FOR", ds.name, "Dataset", task.name, "Task", doc.sentence(i),
                                "task-then-dataset", 0.6))  # fmt: skip
            last = s
    return out


def _entity_relations(doc: _Doc) -> list[Relation]:
    out: list[Relation] = []
    for i in range(len(doc.sents)):
        if not doc.sent_spans[i]:
            continue
        if i in doc.outperform_sents:
            out.extend(_outperforms(doc, i))
        if i in doc.train_sents:
            out.extend(_trained_on(doc, i))
        out.extend(_used_for(doc, i))
    seen: set[tuple[str, str | None, str]] = set()
    unique = []
    for r in out:
        key = (r.type, r.head, r.tail)
        if key not in seen and r.head != r.tail:
            seen.add(key)
            unique.append(r)
    return unique


# -- results ----------------------------------------------------------------------------
def _achiever(doc: _Doc) -> Callable[[int, int, int], Entity | None]:
    """Who achieved a number: a proposed method or model named before it in the
    sentence; else "our method"/"we" as the paper's proposed one; else the first
    method or model named before it that is not on the compared side."""

    def who(a: int, b: int, pos: int) -> Entity | None:
        i = doc.sentence_of(a)
        befores = [s for s in doc.sent_spans[i] if s.end <= pos and s.of(*MODEL_TYPES) is not None]
        subj = [s for s in befores if not _NOT_SUBJECT_BEFORE.search(doc.text[max(a, s.start - 40) : s.start])]
        named = [s for s in befores if s.of(*MODEL_TYPES).proposed]
        if named:
            return named[0].of(*MODEL_TYPES)
        if _OURS.search(doc.text[a:pos]) or _IT_SUBJECT.search(doc.text[a:pos]):
            return doc.main(i)
        return subj[0].of(*MODEL_TYPES) if subj else None

    return who


def _results(doc: _Doc) -> list[Result]:
    metrics = {canonical_key(e.name): e for e in doc.entities if e.type == "Metric"}
    who = _achiever(doc)
    out: list[Result] = []
    for a, b in doc.sents:
        for r in sentence_results(doc.text, a, b, doc.index, metrics, who):
            r.text = doc.raw[r.start : r.end]
            r.evidence = doc.raw[a:b].strip()
            out.append(r)
    return out


def read_relations(
    title: str, abstract: str, entities: list[Entity], parsed: SpacyDoc | None = None, *, learned: bool = True
) -> tuple[list[Relation], list[Result]]:
    """Relations and results of one abstract. ``entities`` are the extractor's
    entities for the same title and abstract (their offsets index into
    ``document_text(title, abstract)``). Returns exactly one paper-level
    relation per entity, the entity-level relations, and the results.

    ``parsed``, a dependency parse of ``document_text(title, abstract)`` (see
    ``extractors.dependency``), adds the entity-level relations its tree
    shows that the cue patterns did not find. ``learned=False`` keeps the
    rules' paper-level choice even when the pipeline ships a learned model."""
    doc = _Doc(title or "", abstract or "", entities)
    entity_level = _entity_relations(doc)
    if parsed is not None:
        if parsed.text != doc.raw:
            raise ValueError("the parse is not of document_text(title, abstract)")
        from .dependency import parse_relations

        seen = {(r.type, r.head, r.tail) for r in entity_level}
        for r in parse_relations(parsed, entities):
            if (r.type, r.head, r.tail) not in seen:
                seen.add((r.type, r.head, r.tail))
                entity_level.append(r)
    return _paper_relations(doc, shipped_model() if learned else None) + entity_level, _results(doc)
