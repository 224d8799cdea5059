"""The default extractor: a blank English spaCy pipeline with lexicon and rule
components, so it runs offline from what PyPI installs.

The component (registered with ``@Language.factory`` so it can be added to any spaCy
pipeline):

- ``kg_entity_rules``: lexicon look-ups, acronym definitions (Schwartz-Hearst),
  coined-name and context rules, and "proposed" cues; it stores the entities
  on ``doc._.kg_entities``.

Matching works on word n-grams looked up in dictionaries rather than on big
regular-expression alternations: that keeps the whole pipeline within a small
factor of the tokenizer's own speed.
"""

from __future__ import annotations

import bisect
import multiprocessing
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from .canonical import canonical_key
from .records import ENTITY_TYPES, Entity, Mention, document_text
from .registry import register
from .spans import sentences

if not Doc.has_extension("kg_entities"):
    Doc.set_extension("kg_entities", default=None)

MAX_NGRAM = 6
MAX_CHARS = 200_000  # longer texts are cut: an abstract is never this long, and rules stay linear

# Word-ish pieces: letters/digits with inner hyphens, dots, slashes, @, + and apostrophes.
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'+@/.\-]*[A-Za-z0-9+]|[A-Za-z0-9]")
_SIZE = re.compile(r"^(?:v?\d+(?:\.\d+)*[a-z]?|\d+(?:\.\d+)?[BMKbmk]|[xX]?[LlSsMm]|XXL|XL|o|Instruct|Chat|Base|Turbo|turbo|"
                   r"mini|Mini|Lite|Large|large|Small|small|Pro|Max|Plus|Coder|Math|VL|Vision|Distill|Preview|Flash|"
                   r"Sonnet|Opus|Haiku|Ultra|Nano|R1|V\d|it|hf|HF)$")
_FAMILY_PREFIX = re.compile(r"^([A-Za-z]+)(\d+(?:\.\d+)*[a-z]?)?$")
_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z]|.*[A-Z].*\d)[A-Za-z0-9][A-Za-z0-9\-&.]{0,11}$")
_ACRONYM_PAREN = re.compile(r"\(([A-Za-z][A-Za-z0-9\-&]{1,11})(?:\s+(loss|model|score|method|network|index|accuracy|rate|error))?"
                            r"(?:[;,][^)]{0,80})?\)")
_CAMEL = re.compile(r"^(?:[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*|[a-z]+[A-Z][A-Za-z0-9]*|[A-Z]{2,}[a-z]+[A-Za-z0-9]*|"
                    r"[A-Z]{2,}[0-9]+[A-Za-z0-9]*)$")
# A hyphenated name is coined when one part is: "ZIP-FIT", "Light-PEFT", "CoPA-Merging", not "Task-Specific".
_CODED_PART = re.compile(r"^(?:[A-Z]{2,}[A-Za-z0-9]*|[A-Za-z]+[A-Z][A-Za-z0-9]*|[A-Za-z]*\d+[A-Za-z0-9]*)$")
# (The lookahead names the letters every cue starts with, so the engine skips other positions fast.)
_PROPOSE = re.compile(
    r"(?=[wtocndipa])\b(?:we|this (?:paper|work|study)|our (?:paper|work))\s+(?:\w+ly\s+)?(?:(?:also|further|then|first)\s+)?"
    r"(?:propos|introduc|present|develop|design|construct|creat|releas|contribut|curat|collect|nam|call|term|dub|offer|"
    r"devis|buil|formulat|establish)\w*\b|\b(?:called|named|termed|dubbed|coined)\b|\bintroduc(?:e|es|ed|ing)\b|"
    r"\bpropos(?:e|es|ed|ing|al of)\b|\b(?:a|an) (?:new|novel)\b", re.I)
# Between a cue and a name these words mean the name is someone else's ("we propose X, which outperforms Y").
_NOT_OURS = re.compile(r"\b(?:by|than|from|against|over|outperform\w*|compared?|baselines?|existing|previous|prior|"
                       r"like|such as|e\.g\.|including|versus|vs\.?|on|using|with|across|achiev\w*|surpass\w*)\b", re.I)
# "which we term state tuning", "dubbed X", "introducing the idea of "Concept Depth"": a named contribution.
_NAMING = re.compile(
    r"(?:\bwe (?:term|call|name|dub)(?: it| this| them| our \w+)?|(?<!so-)\b(?:termed|dubbed|coined)(?: as)?|"
    r"\bintroduc\w* (?:the (?:idea|notion|concept) of )?(?=[\"“]))\s+[\"“']?"
    r"([A-Za-z][\w\-]*(?: [A-Za-z][\w\-]*){0,3}?)[\"”']?"
    r"(?=[,.;:()\"”]|\s+(?:that|which|to|for|in|and|with|as|by|on|tailored|is|are|was|where|whose)\b)")
# Capitalised multi-word names in a proposal sentence: "two methods: Masked Early Pruning of the Foundation Model".
_CAP_PHRASE = re.compile(r"(?<![\w-])[A-Z][\w\-]+(?: (?:of (?:the )?|for |via |on |with )?[A-Z][\w\-]+)+")

# Head nouns that type a phrase ("Gradient Collision loss" is a Method).
_TYPE_HEADS: dict[str, str] = {
    **dict.fromkeys("dataset datasets benchmark benchmarks corpus corpora suite testbed leaderboard collection "
                    "bank set".split(), "Dataset"),
    **dict.fromkeys("model models llm llms network net transformer encoder decoder agent agents".split(), "Model"),
    **dict.fromkeys("score index ratio rate accuracy error gap metric measure distance divergence f1 precision recall "
                    "auc correlation coefficient perplexity match".split(), "Metric"),
    **dict.fromkeys("recognition detection segmentation classification generation translation summarization answering "
                    "retrieval captioning parsing tagging reasoning enhancement estimation prediction completion "
                    "planning tracking synthesis editing understanding comprehension localization forecasting "
                    "merging unlearning selection extraction verification attribution outpainting inpainting "
                    "design recall qa".split(), "Task"),
}  # fmt: skip
_METHOD_HEADS = set(
    "method methods approach framework algorithm loss learning training tuning fine-tuning finetuning prompting "
    "pruning distillation adaptation optimization optimisation regularization attention mechanism module strategy "
    "technique paradigm pipeline architecture scheme procedure decoding sampling search merging augmentation "
    "alignment embedding embeddings propagation router routing mask masking policy".split()
)
_STOP_ACRONYMS = set(
    "AI ML NLP CV LLM LLMs LM LMs VLM VLMs MLLM MLLMs API APIs GPU GPUs CPU TPU SOTA US UK EU PhD QA IR RGB HTML URL "
    "PDF JSON SQL ID IDs OOD IID I II III IV KB MB GB TB FLOPs FLOP AGI NLU NLG ASR TTS DL DNN DNNs NN NNs MT "
    # organisations, venues, products and fields: names, but not methods, models or datasets
    "GitHub HuggingFace iPhone iPad IBM SIGIR TREC NeurIPS ICML ICLR ACL EMNLP NAACL CVPR ICCV ECCV AAAI IJCAI KDD "
    "OpenAI DeepMind NVIDIA AMD Intel PyTorch TensorFlow JAX CUDA STEM USA LaTeX YouTube TikTok arXiv ArXiv "
    "LinkedIn WeChat PubMed MacOS iOS IoT VR AR XR UAV UAVs RL CNN RNN CNNs RNNs GNNs GUI GUIs SoTA SotA LaTeX "
    "PLM PLMs VLA VLAs LVLM LVLMs LRM LRMs SLM SLMs MLLM WWW MAP FAST BUT HCI XAI RAM SSD CPUs TPUs NPU NPUs FPGA ASIC EHR EHRs ICU MRI CT PET ECG EEG fMRI DNA RNA COVID".split()
)
_TASK_PRE_STOP = set(
    "the a an of for and or on in to with our their its this these those various diverse downstream complex "
    "challenging multiple different many several such as new novel existing improved effective efficient general "
    "specific standard traditional both each all other from by via using at into that which is are be can "
    "while across between over under within without like including than more most less better robust "
    "strong weak simple key important critical real-world practical large small it we they "
    "improve improves enhance enhances boost boosts generate generates optimize optimise perform performs achieve "
    "support supports enable enables facilitate handle tackle address addresses solve solves study explore "
    "accurate successful either overall towards toward general-purpose better worse good poor high low "
    "incorrect correct final first second unified joint end-to-end any additional certain whether involves "
    "involve involving investigate investigates requires require through about upon per after before during against "
    "among around beyond despite except since until via without further extensive conventional naive direct costly "
    "expensive task-specific only also then thus hence when where how what why whose one two three four five six "
    "seven eight nine ten assume assumes report reports provide provides learn learns show shows use uses make makes "
    "allow allows yield yields produce produces lead leads require requires stronger weaker faster slower "
    "larger smaller higher lower greater but yet so if not no conduct conducts initial little dual "
    "perform performs enhanced".split()
)
_TASK_HEADS = ({h for h, t in _TYPE_HEADS.items() if t == "Task"} | {"decision-making"}) - {"recall", "design", "set"}
# Heads of method and metric phrases ("intermediate fine-tuning", "citation accuracy").
_PHRASE_HEADS = {
    **dict.fromkeys("tuning fine-tuning finetuning prompting pre-training pretraining distillation decomposition "
                    "expansion re-ranking reranking shortlisting".split(), "Method"),
    **dict.fromkeys("accuracy utilization".split(), "Metric"),
}  # fmt: skip


@dataclass(slots=True)
class _Cand:
    start: int
    end: int
    type: str
    confidence: float
    rule: str
    proposed: bool = False
    long_form: tuple[int, int] | None = None  # for an acronym: its definition's span


def _load(entity_type: str) -> list[str]:
    text = resources.files("extractors").joinpath("lexicons", f"{entity_type}.txt").read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


_UPPER_OR_DIGIT = re.compile(r"[A-Z0-9]")
_ALPHA_PREFIX = re.compile(r"[A-Za-z]+")


def _case_sensitive(entry: str) -> bool:
    """Short, all-capital or inner-capital names (MATH, ARC, OPT, Phi, ReAct,
    STaR) are only names in that case: folded, they are ordinary words. Their
    spelling variants with a capital ("Imagenet") are still found through the
    letters-and-digits key."""
    letters = [c for c in entry if c.isalpha()]
    if len(entry) <= 3 or (len(letters) > 1 and all(c.isupper() for c in letters)):
        return True
    word = entry.split()[0] if " " not in entry else ""
    return bool(word) and word.isalpha() and any(c.isupper() for c in word[1:])


class Lexicon:
    """Phrase look-up by word n-grams: case-insensitive, or exact for short and
    all-capital entries."""

    def __init__(self) -> None:
        self.exact: dict[str, str] = {}
        self.folded: dict[str, str] = {}
        self.canon: dict[str, str] = {}  # letters and digits only, for entries long enough to be unambiguous
        self.families: dict[str, str] = {}  # lower-cased model family -> type
        self.longest: dict[str, int] = {}  # lower-cased first word -> words in its longest entry
        self.model_heads: set[str] = set()  # leading letters of model names ("llama" of Llama-3.1-8B)
        for etype in ENTITY_TYPES:
            for entry in _load(etype):
                key = " ".join(w.group(0) for w in _WORD.finditer(entry))
                table = self.exact if _case_sensitive(entry) else self.folded
                table.setdefault(key if table is self.exact else key.lower(), etype)
                first = key.split(" ", 1)[0].lower()
                self.longest[first] = max(self.longest.get(first, 1), key.count(" ") + 1)
                if len(canonical_key(entry)) >= 5:
                    self.canon.setdefault(canonical_key(entry), etype)
                if etype == "Model" and (head := _ALPHA_PREFIX.match(entry)):
                    self.model_heads.add(head.group(0).lower())
                if etype == "Model" and " " not in entry:
                    m = _FAMILY_PREFIX.match(entry.split("-", 1)[0])
                    if m and len(m.group(1)) >= 3 and (m.group(2) or "-" in entry) and entry[0].isupper():
                        self.families.setdefault(m.group(1).lower(), etype)
        # The same words come up in abstract after abstract ("models", "LLMs", "accuracy").
        self.lookup = lru_cache(maxsize=1 << 16)(self._find)

    def _find(self, phrase: str) -> str | None:
        """The entity type of ``phrase`` (``lookup``, which caches this)."""
        found = self.exact.get(phrase) or self.folded.get(phrase.lower())
        if found is None and len(phrase) >= 5 and _UPPER_OR_DIGIT.search(phrase):
            found = self.canon.get(canonical_key(phrase))
        if found is None and len(phrase) > 4 and phrase.endswith("s"):  # plurals: "accuracies", "Transformers"
            low = phrase.lower()
            found = self.folded.get(low[:-3] + "y" if low.endswith("ies") else low[:-1])
        return found


def _model_token(tok: str, lex: Lexicon) -> bool:
    """A single token that is a model name with version/size parts, e.g.
    Llama-3.1-8B, LLaMA2-7B, Qwen2.5-7B-Instruct, GPT-4o-mini."""
    parts = tok.split("-")
    for i in range(len(parts), 0, -1):
        head = "-".join(parts[:i])
        base = lex.lookup(head)
        if base != "Model":
            m = _FAMILY_PREFIX.match(head)
            base = "Model" if m and m.group(1).lower() in lex.families and (m.group(2) or i < len(parts)) else None
        if base == "Model":
            return all(_SIZE.match(p) for p in parts[i:])
    return False


@Language.factory("kg_entity_rules", default_config={"as_dicts": False})
def make_entity_rules(nlp: Language, name: str, as_dicts: bool) -> EntityRules:
    """``as_dicts``: store plain dicts (``Entity.to_dict()``) instead of
    ``Entity`` objects, so docs can cross process boundaries (``n_process``)."""
    return EntityRules(as_dicts=as_dicts)


class EntityRules:
    """Finds entity candidates in a doc and groups them into ``Entity`` records
    on ``doc._.kg_entities``."""

    extractor_name = "rules"

    def __init__(self, as_dicts: bool = False) -> None:
        self.lex = Lexicon()
        self.as_dicts = as_dicts

    def __call__(self, doc: Doc) -> Doc:
        ents = self.entities(doc)
        doc._.kg_entities = [e.to_dict() for e in ents] if self.as_dicts else ents
        return doc

    # -- candidates -------------------------------------------------------------
    def candidates(self, text: str, words: list[re.Match]) -> list[_Cand]:
        lex = self.lex
        out: list[_Cand] = []
        n = len(words)
        i = 0
        toks = [w.group(0) for w in words]
        lowers = [t.lower() for t in toks]
        longest, families, model_heads = lex.longest, lex.families, lex.model_heads
        while i < n:
            hit = None
            low = lowers[i]
            tok = toks[i]
            kmax = longest.get(low, 0)
            if not kmax and (low[-1] == "s" or _UPPER_OR_DIGIT.search(tok)):
                kmax = 1  # plural or spelling variant of a single-word entry ("accuracies", "CIFAR100")
            for k in range(min(kmax, n - i), 0, -1):
                if k > 1 and not _one_phrase(text, words, i, k):
                    continue
                etype = lex.lookup(" ".join(toks[i : i + k]) if k > 1 else tok)
                if etype:
                    hit = (k, words[i].start(), words[i + k - 1].end(), etype)
                    break
            if hit is None:
                base = _strip_suffix(tok) if "-" in tok else tok
                if base != tok:
                    etype = lex.lookup(base)
                    if etype in ("Model", "Dataset", "Method"):
                        hit = (1, words[i].start(), words[i].start() + len(base), etype)
                if hit is None and base[0].isalpha():
                    pre = _ALPHA_PREFIX.match(base)
                    if pre and pre.group(0).lower() in model_heads and _model_token(base, lex):
                        hit = (1, words[i].start(), words[i].start() + len(base), "Model")
                if hit is None and low in families and i + 1 < n and toks[i + 1][0].isdigit() and \
                        _SIZE.match(toks[i + 1]) and _one_phrase(text, words, i, 2):
                    hit = (1, words[i].start(), words[i].end(), "Model")  # "GPT 3.5", "Gemma 2": the version follows
            if hit:
                k, a, b, etype = hit
                if etype == "Model":  # "Llama 2 7B", "GPT-4 Lite": absorb version and size words
                    while i + k < n and words[i + k].start() - b == 1 and _SIZE.match(words[i + k].group(0)):
                        b = words[i + k].end()
                        k += 1
                    if i > 0 and words[i - 1].group(0).lower() in ("multilingual", "monolingual") and \
                            _one_phrase(text, words, i - 1, 2):
                        a = words[i - 1].start()
                elif etype == "Dataset":  # "Natural Instructions V2", "SQuAD 2.0"
                    if i + k < n and words[i + k].start() - b == 1 and _DATASET_VERSION.match(words[i + k].group(0)):
                        b = words[i + k].end()
                        k += 1
                elif etype == "Method" and text[a:b].rsplit(" ", 1)[-1].lower().rsplit("-", 1)[-1] in _PARADIGM_HEADS:
                    # "zero-shot transfer learning", "epsilon-greedy Q-learning", "truncated importance sampling"
                    m = i
                    while m > 0 and i - m < 2 and words[m - 1].group(0).lower() in _PARADIGM_MODS and \
                            _one_phrase(text, words, m - 1, 2):
                        m -= 1
                    a = words[m].start()
                out.append(_Cand(a, b, etype, 0.85, "lexicon"))
                i += k
                continue
            i += 1
        out.extend(self._acronym_definitions(text, words))
        out.extend(self._listed(text))
        out.extend(_number_metrics(text))
        out.extend(self._coined(text, words, out))
        out.extend(_named(text))
        out.extend(self._tasks(text, words))
        return out

    def _acronym_definitions(self, text: str, words: list[re.Match]) -> Iterator[_Cand]:
        """"long form (ACR)": Schwartz-Hearst's rule, the acronym's letters
        found in order in the words before it, the first one starting a word."""
        ends = [w.end() for w in words]
        searched: set[str] = set()
        for m in _ACRONYM_PAREN.finditer(text):
            acr, head = m.group(1), m.group(2)
            if not _ACRONYM.match(acr) or acr in _STOP_ACRONYMS:
                continue
            hi = bisect.bisect_right(ends, m.start())
            before = words[bisect.bisect_right(ends, m.start() - 120, 0, hi) : hi]
            if head:  # "Gradient Collision loss (GC loss)": the head word is shared
                if not before or before[-1].group(0).lower() != head.lower():
                    continue
                start = _long_form_start(acr, before[:-1])
            else:
                start = _long_form_start(acr, before)
            if start is None:
                continue
            short_end = m.end(2) if head else m.end(1)
            yield from self._definition(text, start, before[-1].end(), m.start(1), short_end, searched)
        for m in _ACRONYM_FIRST.finditer(text):  # "SoKA (SVD on Kronecker Adaptation)": the short form first
            acr = m.group(1)
            if not _ACRONYM.match(acr) or acr in _STOP_ACRONYMS or self.lex.lookup(acr):
                continue
            inner = list(_WORD.finditer(text, m.start(2), m.end(2)))
            if len(inner) < 2 or _long_form_start(acr, inner) != inner[0].start():
                continue
            yield from self._definition(text, m.start(2), m.end(2), m.start(1), m.end(1), searched)

    def _definition(self, text: str, lf_a: int, lf_b: int, sf_a: int, sf_b: int, searched: set[str]) -> Iterator[_Cand]:
        """The long form, the short form (an alias of it) and the short form's
        later uses, typed by the long form's head noun."""
        long_form = text[lf_a:lf_b]
        etype = _type_from_head(long_form.split()[-1]) or ("Model" if self.lex.lookup(long_form) == "Model" else None)
        etype = etype or self.lex.lookup(long_form) or "Method"
        yield _Cand(lf_a, lf_b, etype, 0.8, "acronym-definition")
        yield _Cand(sf_a, sf_b, etype, 0.8, "acronym-definition", long_form=(lf_a, lf_b))
        short = text[sf_a:sf_b]  # later uses of the short form ("GC loss selectively unlearns ...")
        if short in searched:
            return
        searched.add(short)
        for a, b in _whole_word_uses(text, short):
            if a != sf_a:
                yield _Cand(a, b, etype, 0.75, "acronym-use", long_form=(lf_a, lf_b))

    def _listed(self, text: str) -> Iterator[_Cand]:
        """Names in a list typed by the noun next to it: "the MVTec-3D AD and
        Eyecandies datasets", "datasets (AC, CL, MACS, WavCaps)", "models such
        as HyKnow and SeKnow". Only name-like items (capitals, digits, lexicon
        entries) are taken, so "large datasets" gives nothing."""
        title_end = text.find("\n")
        for m in _LIST_NOUN.finditer(text):
            etype = _LIST_TYPES[m.group(1).lower()]
            after = _LIST_AFTER.match(text, m.end(), min(len(text), m.end() + 160))
            if after:
                for it in _LIST_ITEM.finditer(after.group(1)):
                    a = after.start(1) + it.start()
                    item = _trim_item(text, a, a + len(it.group(0)), etype, self.lex)
                    if item:
                        yield _Cand(item[0], item[1], etype, 0.65, "context-list")
            lo = max(0, m.start() - 120)
            before = _LIST_BEFORE.search(text, lo, m.start())
            if not before or (0 <= title_end and before.start() < title_end and etype != "Dataset"):
                continue
            for it in _LIST_ITEM.finditer(before.group(1)):
                a = before.start(1) + it.start()
                item = _trim_item(text, a, a + len(it.group(0)), etype, self.lex, single_ok=etype == "Dataset")
                if item and not (0 <= title_end and item[0] < title_end and not _is_coined(text[item[0]:item[1]])):
                    yield _Cand(item[0], item[1], etype, 0.65, "context-list")

    def _coined(self, text: str, words: list[re.Match], found: list[_Cand]) -> Iterator[_Cand]:
        """Coined names (CamelCase, capitalised hyphenations, acronyms with
        digits) typed by the noun that follows or precedes them."""
        taken = sorted((c.start, c.end) for c in found)
        t_starts = [a for a, _ in taken]

        def covered(pos: int) -> bool:
            i = bisect.bisect_right(t_starts, pos) - 1
            return i >= 0 and pos < taken[i][1]

        for j, w in enumerate(words):
            tok = _strip_suffix(w.group(0).rstrip("."))
            if not _is_coined(tok):
                continue
            if tok in _STOP_ACRONYMS or tok.rstrip("s") in _STOP_ACRONYMS or covered(w.start()) or (
                    tok.endswith("s") and len(tok) > 2 and tok[:-1].isupper()):
                continue
            end = w.start() + len(tok)
            nxt = words[j + 1].group(0).lower() if j + 1 < len(words) and _one_phrase(text, words, j, 2) else ""
            shape = _type_from_shape(tok)
            etype = _type_from_head(nxt) or (shape if shape == "Model" else None) or _type_from_context(text, words, j)
            etype = etype or shape
            if etype == "Task":
                continue
            if nxt in _NAME_HEADS:  # "GC loss", "Task-Shared mask": the head is part of the name
                end = words[j + 1].end()
            if etype is None and _BARE_ACRONYM.match(tok) and not _PROPOSE.search(text, max(0, w.start() - 120), w.start()):
                continue  # "BOS", "MCP", "A2A": an undefined short acronym with nothing to type it is too often noise
            yield _Cand(w.start(), end, etype or "Method", 0.6, "coined-name")

    def _tasks(self, text: str, words: list[re.Match]) -> Iterator[_Cand]:
        """Noun phrases ending in a head noun that types them: "composed image
        retrieval" (Task), "mistake tuning" (Method), "citation accuracy"
        (Metric). One or two modifiers are needed: a bare "reasoning" is not a
        task."""
        for j, w in enumerate(words):
            head = w.group(0).lower()
            etype = "Task" if head in _TASK_HEADS else _PHRASE_HEADS.get(head)
            if etype is None or j == 0:
                continue
            k = j
            while k > 0 and j - k < 3:
                prev = words[k - 1].group(0)
                if prev.lower() in _TASK_PRE_STOP or not _one_phrase(text, words, k - 1, 2) or (
                        prev[0].isdigit() and not re.match(r"^\d[dD]$", prev)):
                    break
                if prev.endswith(("ed", "ing", "ly")) and prev.lower() not in ("reading", "question", "learning", "fully"):
                    break
                if (prev.endswith("s") and not prev.endswith(("ss", "us", "is", "ics", "news"))
                                              and self.lex.lookup(prev) is None):
                    break  # "LLMs harmful generation", "models reasoning": a plural noun does not open a task name
                k -= 1
            if k < j:
                yield _Cand(words[k].start(), w.end(), etype, 0.55 if etype == "Task" else 0.5, "task-head")

    # -- grouping -----------------------------------------------------------------
    def entities(self, doc: Doc) -> list[Entity]:
        text = doc.user_data.get(TEXT_KEY) or doc.text
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS]
        original = text
        nl = text.find("\n")
        if nl >= 0 and ("\n" in text[nl + 1 :] or "\r" in text):
            # Hard-wrapped abstracts (half of an arXiv dump): line breaks after the title are spaces to the
            # rules, so phrases and sentences run across them. Same length, so offsets hold; names and
            # mentions are still cut from the original text.
            text = text[: nl + 1] + text[nl + 1 :].replace("\r", " ").replace("\n", " ")
        words = list(_WORD.finditer(text))
        cands = _non_overlapping(self.candidates(text, words), len(text))
        sents = sentences(text)
        title_end = text.find("\n") if "\n" in text else len(text)
        title_lead = _title_lead(text[:title_end], text[title_end:])
        starts = [s for s, _ in sents]
        if title_lead:  # "CliCR: A Dataset of ...": the subtitle types the coined name wherever it occurs
            _retype_title_name(text, cands, canonical_key(title_lead), _title_type(text[:title_end]))

        groups: dict[tuple[str, str], Entity] = {}
        alias_of: dict[tuple[str, str], tuple[str, str]] = {}
        for c in cands:
            surface = original[c.start : c.end]
            key = (c.type, canonical_key(surface))
            if not key[1]:
                continue
            if c.long_form is not None:
                lf_key = (c.type, canonical_key(text[c.long_form[0] : c.long_form[1]]))
                alias_of[key] = lf_key
            target = alias_of.get(key, key)
            ent = groups.get(target)
            i = bisect.bisect_right(starts, c.start) - 1
            sent = sents[i] if i >= 0 and c.start < sents[i][1] else (0, len(text))
            mention = Mention(c.start, c.end, surface, original[sent[0] : sent[1]].strip())
            proposed = bool(
                (title_lead is not None and c.start < title_end and canonical_key(surface) == canonical_key(title_lead))
                or (c.type != "Task" and c.rule in ("coined-name", "acronym-definition", "named", "cap-phrase", "context-list")
                    and _proposal_cue(text, sent[0], c.start))
            )  # fmt: skip
            if ent is None:
                ent = groups[target] = Entity(c.type, surface, proposed=proposed, confidence=c.confidence,
                                              extractor=self.extractor_name)  # fmt: skip
            else:
                ent.proposed = ent.proposed or proposed
                ent.confidence = max(ent.confidence, c.confidence)
                if surface != ent.name and surface not in ent.aliases and canonical_key(surface) != canonical_key(
                    ent.name
                ):
                    if c.long_form is None and len(surface) > len(ent.name) and target == key:
                        ent.aliases.append(ent.name)
                        ent.name = surface
                    else:
                        ent.aliases.append(surface)
            ent.mentions.append(mention)
        # the coined name of a title "X: ..." is always an entity, proposed
        if title_lead and not any(canonical_key(title_lead) in {canonical_key(f) for f in (e.name, *e.aliases)}
                                  for e in groups.values()):  # fmt: skip
            etype = _title_type(text[:title_end])
            groups[(etype, canonical_key(title_lead))] = Entity(
                etype, title_lead, proposed=True, confidence=0.7, extractor=self.extractor_name,
                mentions=[Mention(0, len(title_lead), title_lead, text[:title_end])],
            )  # fmt: skip
        ours = [e.name + "-" for e in groups.values() if e.proposed and len(e.name) >= 3]
        for ent in groups.values():  # "DART-GUI-7B" is a released variant of the proposed DART
            if not ent.proposed and ent.type in ("Model", "Method") and ent.name.startswith(tuple(ours)):
                ent.proposed = True
        for ent in groups.values():  # "F1 scores" is also reported as "F1": keep the bare measure as an alias
            if ent.type == "Metric":
                base = _SCORE_SUFFIX.sub("", ent.name)
                if base != ent.name and len(base) >= 2 and canonical_key(base) not in {canonical_key(x) for x in ent.aliases}:
                    ent.aliases.append(base)
        return list(groups.values())


def _one_phrase(text: str, words: list[re.Match], i: int, k: int) -> bool:
    """Words i..i+k-1 are separated by single spaces (no punctuation between)."""
    return all(words[j + 1].start() - words[j].end() == 1 and text[words[j].end()] == " " for j in range(i, i + k - 1))


_SCORE_SUFFIX = re.compile(r"[\s-](?:score|scores)$", re.I)
_DATASET_VERSION = re.compile(r"^(?:[vV]\d+(?:\.\d+)?|\d\.\d+|\d{4})$")
_PARADIGM_HEADS = {"learning", "tuning", "fine-tuning", "finetuning", "distillation", "sampling", "prompting",
                   "training", "pre-training", "pretraining", "decoding", "search"}
# Modifiers that name a variant of a learning paradigm or technique (not adjectives like "effective").
_PARADIGM_MODS = set(
    "zero-shot few-shot one-shot multi-task multi-agent multi-modal multimodal cross-lingual cross-domain cross-modal "
    "federated continual hierarchical offline online distributed decentralized self-supervised semi-supervised "
    "weakly-supervised unsupervised supervised contrastive adversarial deep meta inverse safe full fully "
    "domain-adaptive multilingual epsilon-greedy truncated weighted clipped regularized stochastic multi-step "
    "multi-turn multi-objective single-agent model-based model-free on-policy off-policy hierarchical "
    "curriculum progressive iterative incremental lifelong parameter-efficient".split()
)
_NAME_HEADS = {"loss", "mask", "prompting", "tuning", "attention", "module", "router", "decoding", "sampling"}
_AFTER = re.compile(r"\s*(?:\(\w+\))?,?\s+(?:which is |is |as )?(?:a|an|the|our)\s+((?:[\w-]+\s+){0,4}?)"
                    r"(dataset|benchmark|corpus|suite|model|llm|framework|method|approach|algorithm|loss|metric|"
                    r"score|index|measure|technique|strategy|pipeline|architecture|system|agent)s?\b", re.I)
_BEFORE = re.compile(r"\b(dataset|benchmark|corpus|suite|model|framework|method|approach|algorithm|metric|"
                     r"technique|strategy|pipeline)s?(?:\s+|,?\s+(?:called|named|termed|dubbed|coined)\s+)$", re.I)
_CONTEXT_TYPE = {"dataset": "Dataset", "benchmark": "Dataset", "corpus": "Dataset", "suite": "Dataset",
                 "model": "Model", "llm": "Model", "metric": "Metric", "score": "Metric", "index": "Metric",
                 "measure": "Metric"}  # fmt: skip


_ACRONYM_FIRST = re.compile(r"(?<![\w-])([A-Za-z][A-Za-z0-9\-]{1,11}) \(([A-Za-z][\w\- ]{4,80}?)\)")
_LIST_NOUN = re.compile(r"\b(datasets?|benchmarks?|corpus|corpora|suites?|challenges?|leaderboards?|testbeds?|models|LLMs|"
                        r"VLMs|MLLMs|retrievers|rerankers|encoders|embedders|metrics)\b")
_LIST_TYPES = {**dict.fromkeys("dataset datasets benchmark benchmarks corpus corpora suite suites challenge challenges "
                                "leaderboard leaderboards testbed testbeds".split(), "Dataset"),
               **dict.fromkeys("models llms vlms mllms retrievers rerankers encoders embedders".split(), "Model"),
               "metrics": "Metric"}  # fmt: skip
_NAME_TOK = r"(?:[A-Z0-9][\w.+&'/\-]*|[a-z]+[A-Z][\w.+\-]*)"
_ITEM = rf"{_NAME_TOK}(?: {_NAME_TOK}){{0,3}}"
_LIST = rf"{_ITEM}(?:(?:, | and |, and | or |, or |/){_ITEM})*"
_LIST_AFTER = re.compile(rf"\s*(?:\(|:|,? (?:such as|like|including|namely|e\.g\.,?|i\.e\.,?))\s*({_LIST})")
_LIST_BEFORE = re.compile(rf"({_LIST})(?:,? (?:(?:two|three|four|five|six|several|both|all|the|a|an|new|novel|"
                          rf"large-scale|public|publicly available|standard|popular|widely used|widely-used|"
                          rf"challenging|real-world|benchmark) ){{1,3}}| )$")
_LIST_ITEM = re.compile(_ITEM)
# Capitalised words that open a list item but are no part of a name ("On MMLU and GSM8K benchmarks").
_ITEM_STOP = set(
    "The A An On In For With From Across Both All Our Their These Those This That Several Multiple Many Various "
    "Different Existing Standard Popular Public Common New Novel Real Synthetic Large Small Two Three Four Five Six "
    "Seven Eight Nine Ten We It Its Using Including Such Other Most Some Each Three Benchmark Benchmarks Dataset "
    "Datasets Model Models Open Closed Recent Prior Previous State Language Vision Reasoning Evaluation Extensive "
    "Experiments Experimental Results Comprehensive Diverse Challenging Additionally Furthermore Moreover However "
    "Specifically Finally Empirical Code Data Math Medical Clinical Scientific Legal Financial English Chinese "
    "Italian French German Spanish Japanese Korean Arabic Hindi Russian Portuguese Dutch Turkish Vietnamese Indonesian "
    "Swahili Multilingual Monolingual Cross-lingual Low-resource High-resource African Asian European Indian".split()
)


_BARE_ACRONYM = re.compile(r"^[A-Z0-9]{2,5}$")
_SIZE_RANGE = re.compile(r"^~?\d+(?:\.\d+)?[BMKbmk]?(?:\s?[-–~]\s?\d+(?:\.\d+)?[BMKbmk])?\+?$")


def _trim_item(text: str, a: int, b: int, etype: str, lex: Lexicon, single_ok: bool = True) -> tuple[int, int] | None:
    """A list item without leading function words; None when it does not look
    like a name (no capital inside, digit, coined shape or lexicon entry)."""
    toks = text[a:b].split(" ")
    while toks and (toks[0] in _ITEM_STOP or toks[0].lower() in _TASK_PRE_STOP or not re.search("[A-Za-z]", toks[0])
                    or (toks[0][0].isdigit() and len(toks) > 1)):
        a += len(toks[0]) + 1
        toks.pop(0)
    while toks and toks[-1] in _ITEM_STOP:
        b -= len(toks[-1]) + 1
        toks.pop()
    if not toks:
        return None
    stripped = _strip_suffix(toks[-1])
    if stripped != toks[-1]:  # "MultiWOZ-based", "BERT-based"
        b -= len(toks[-1]) - len(stripped)
        toks[-1] = stripped
    if len(toks) > 1 and toks[0].istitle() and toks[0].isalpha() and (a == 0 or text[a - 2 : a] in (". ", ".\n")
                                                                       or text[a - 1] == "\n") and lex.lookup(" ".join(toks[1:])):
        a += len(toks[0]) + 1  # "Monolingual BERT models" at a sentence start
        toks.pop(0)
    item = text[a:b].rstrip(".,;:")
    b = a + len(item)
    if len(item) < 2 or item in _STOP_ACRONYMS or item.rstrip("s") in _STOP_ACRONYMS:
        return None
    if _SIZE_RANGE.match(item):
        return None  # "4B-72B models", "7B models": sizes, not names
    if lex.lookup(item) or any(_is_coined(t) or any(ch.isdigit() for ch in t) for t in toks):
        return a, b
    if etype == "Model":
        return None
    return (a, b) if single_ok or len(toks) > 1 else None


_NUMBER_METRIC = re.compile(r"\d(?:\.\d+)?\s?%?\s+(?:(?:absolute|relative|average|mean|higher|lower|better|"
                            r"improvement in|gain in|points? (?:of|in))\s+)?([A-Za-z][A-Za-z0-9@\-]*[A-Za-z0-9@])")


def _may_name(text: str) -> bool:
    """Whether ``_NAMING`` can match at all: each of its cues needs one of
    these strings, and substring tests cost a fraction of running it."""
    return any(w in text for w in ("we term", "we call", "we name", "we dub", "termed", "dubbed", "coined")) or (
        "introduc" in text and ('"' in text or "\u201c" in text)
    )


def _named(text: str) -> Iterator[_Cand]:
    """Names given by the text itself: "which we term state tuning", "dubbed
    X", "introducing the idea of "Concept Depth"", and capitalised phrases
    right after a proposal cue ("two methods: Masked Early Pruning of the
    Foundation Model and ...")."""
    for m in _NAMING.finditer(text) if _may_name(text) else ():
        name = m.group(1)
        if name.lower() in _TASK_PRE_STOP or name.split()[0].lower() in ("a", "an", "the", "it", "this", "our"):
            continue
        etype = _type_from_head(name.rsplit(" ", 1)[-1]) or "Method"
        yield _Cand(m.start(1), m.end(1), "Method" if etype == "Task" else etype, 0.6, "named")
    for cue in _PROPOSE.finditer(text):
        end = text.find(".", cue.end(), cue.end() + 200)
        for m in _CAP_PHRASE.finditer(text, cue.end(), end if end > 0 else min(len(text), cue.end() + 200)):
            if text[m.start() - 2 : m.start()] in (". ", "\n") or _NOT_OURS.search(text, cue.end(), m.start()):
                continue
            words = m.group(0).split()
            if words[0] in _ITEM_STOP or len(words) > 8:
                continue
            etype = _type_from_head(words[-1]) or "Method"
            if etype != "Task":
                yield _Cand(m.start(), m.end(), etype, 0.55, "cap-phrase")


_AT_K = re.compile(r"(?<![\w@])[A-Za-z][A-Za-z\-]*@(?:\d+|[kK])\b")


def _number_metrics(text: str) -> Iterator[_Cand]:
    """"97.1% I-AUROC", "+2.3 mIoU": a coined name right after a number is a
    metric; so is a name at a cut-off ("RP@10", "nDCG@k")."""
    for m in _AT_K.finditer(text) if "@" in text else ():
        yield _Cand(m.start(), m.end(), "Metric", 0.7, "number-metric")
    for m in _NUMBER_METRIC.finditer(text):
        tok = m.group(1)
        if tok in _STOP_ACRONYMS or tok.rstrip("s") in _STOP_ACRONYMS or not _is_coined(tok) or _strip_suffix(tok) != tok:
            continue
        if re.search(r"\d+(?:\.\d+)?[BMK]$", tok) or len(tok) > 12:
            continue
        yield _Cand(m.start(1), m.end(1), "Metric", 0.6, "number-metric")


_DATASET_SHAPE = re.compile(r"(?:Set|[Bb]ench|BENCH|Eval|EVAL|QA|Corpus|Caps|Arena|World|DB|Data)$")
_MODEL_SHAPE = re.compile(r"(?:-\d+(?:\.\d+)?[BbMm](?:-[A-Za-z]+)?|GPT|LLM|LM|-VL|-Chat|-Instruct|-Coder|[A-Za-z]Net\d*|"
                          r"2Vec|BERT)$")


def _type_from_shape(tok: str) -> str | None:
    """"CoTErrorSet", "SWE-Bench" look like datasets; "DART-GUI-7B",
    "BioGPT" like models."""
    if _DATASET_SHAPE.search(tok) and len(tok) > 4:
        return "Dataset"
    if _MODEL_SHAPE.search(tok) and len(tok) > 3:
        return "Model"
    return None


_ADJ_SUFFIX = re.compile(r"-(?:based|driven|generated|aware|free|guided|like|style|specific|level|wise|centric|"
                         r"oriented|augmented|enhanced|powered|only|agnostic|agent|agents|selected|trained|tuned|finetuned|fine-tuned|"
                         r"initialized|pretrained|pre-trained|distilled|compatible|inspired|equipped|informed|"
                         r"conditioned|supervised|specialized|optimized|native)$", re.I)


def _strip_suffix(tok: str) -> str:
    """"BERT-based", "SVD-driven": the name is the part before the adjective suffix."""
    return _ADJ_SUFFIX.sub("", tok) if "-" in tok else tok


def _is_coined(tok: str) -> bool:
    if tok.islower() or tok[:1].isdigit():
        return False
    if _CAMEL.match(tok) or (tok.isupper() and len(tok) >= 3 and tok.isalpha()):
        return True
    parts = tok.split("-")
    coded = [p for p in parts if _CODED_PART.match(p)]
    # "Human-AI", "LLM-Agent" are compounds of common acronyms, not coined names
    return len(parts) > 1 and parts[0][:1].isupper() and any(p not in _STOP_ACRONYMS for p in coded)


def _type_from_context(text: str, words: list[re.Match], j: int) -> str | None:
    """"X, a new benchmark" / "a dataset called X": the noun around a name types it."""
    after = _AFTER.match(text, words[j].end(), min(len(text), words[j].end() + 80))
    if after:
        return _CONTEXT_TYPE.get(after.group(2).lower(), "Method")
    before = _BEFORE.search(text, max(0, words[j].start() - 40), words[j].start())
    if before:
        return _CONTEXT_TYPE.get(before.group(1).lower(), "Method")
    return None


def _type_from_head(word: str) -> str | None:
    w = word.lower().strip(".,;:")
    if w in _METHOD_HEADS:
        return "Method"
    return _TYPE_HEADS.get(w)


def _long_form_start(acr: str, before: list[re.Match]) -> int | None:
    """Schwartz-Hearst: match the acronym's characters right to left in the
    preceding words; the first character must start a word."""
    letters = [c.lower() for c in acr if c.isalnum()]
    if len(letters) < 2 or not before:
        return None
    max_words = min(len(letters) + 5, len(letters) * 2, len(before))
    window = before[-max_words:]
    text = " ".join(w.group(0) for w in window).lower()
    ti, li = len(text) - 1, len(letters) - 1
    spaces_crossed = False  # "AAC datasets (AC)": letters from one word are no definition
    first_hit = None
    while li >= 0:
        c = letters[li]
        while ti >= 0 and (text[ti] != c or (li == 0 and ti > 0 and text[ti - 1].isalnum())):
            ti -= 1
        if ti < 0:
            return None
        first_hit = ti if first_hit is None else first_hit
        ti -= 1
        li -= 1
    spaces_crossed = " " in text[ti + 1 : first_hit + 1]
    if not spaces_crossed:
        return None
    # map the char position back to a word
    pos = 0
    for w in window:
        if pos + len(w.group(0)) > ti + 1:
            n_words = len(window) - window.index(w)
            return w.start() if n_words >= 2 or len(letters) <= len(w.group(0)) // 2 else None
        pos += len(w.group(0)) + 1
    return None


def _title_lead(title: str, abstract: str = "") -> str | None:
    """"X: a subtitle" -> X when X is a short coined name, or a capitalised
    phrase the abstract uses again ("State Tuning: ..." with "which we term
    state tuning"); "Fragile Mastery: ..." and "Judging the Judges: ..." are
    headlines, not names."""
    if ":" not in title:
        return None
    lead = title.split(":", 1)[0].strip()
    if not lead or len(lead.split()) > 4 or len(lead) > 40:
        return None
    words = lead.split()
    if len(words) > 1 and not any((_is_coined(w) and w not in _STOP_ACRONYMS and w.rstrip("s") not in _STOP_ACRONYMS)
                                  or any(c.isdigit() for c in w) for w in words):
        if not (all(w[:1].isupper() for w in words) and lead.lower() in abstract.lower()):
            return None
    return lead


def _proposal_cue(text: str, sent_start: int, pos: int) -> bool:
    """A proposal cue ("we propose", "called", "a new") shortly before pos in
    its sentence, with nothing between them that makes the name someone
    else's."""
    last = None
    for m in _PROPOSE.finditer(text, max(sent_start, pos - 160), pos):
        last = m
    return last is not None and not _NOT_OURS.search(text, last.end(), pos)


def _title_type(title: str) -> str:
    """The type of the coined name of "X: subtitle" from the subtitle's nouns."""
    sub = title.split(":", 1)[-1].lower()
    if re.search(r"\b(?:benchmark|dataset|corpus|test suite)s?\b", sub):
        return "Dataset"
    if re.search(r"\b(?:an?|the)\s+(?:[\w-]+\s+){0,4}(?:model|llm|language model|foundation model)s?\b", sub) or \
            re.search(r"\b(?:text |sentence |universal |general-purpose )?(?:encoders?|embedders?|embeddings)\b", sub):
        return "Model"
    return "Method"


def _retype_title_name(text: str, cands: list[_Cand], lead_key: str, etype: str) -> None:
    """Give the title's coined name (and its acronym partner) the subtitle's
    type, unless the subtitle says nothing (Method is the default) or a
    lexicon already knows the name."""
    if etype == "Method":
        return
    spans = set()
    for c in cands:
        if c.rule != "lexicon" and c.type != "Task" and canonical_key(text[c.start : c.end]) == lead_key:
            c.type = etype
            if c.long_form:
                spans.add(c.long_form)
    for c in cands:
        if (c.start, c.end) in spans:
            c.type = etype
        elif c.long_form in spans or (c.rule == "acronym-use" and canonical_key(text[c.start : c.end]) == lead_key):
            c.type = etype


def _non_overlapping(cands: list[_Cand], size: int) -> list[_Cand]:
    """Earlier rules win over later ones where spans overlap; lexicon matches
    come first, but an acronym's long form absorbs the lexicon hits inside it
    ("Low-Rank Adaptation (LoRA)"). Linear in the text: each character knows
    which chosen candidate owns it."""
    rank = {"lexicon": 0, "acronym-definition": 1, "acronym-use": 1, "context-list": 2, "number-metric": 2,
            "named": 2, "coined-name": 3, "cap-phrase": 4, "task-head": 5}
    owner = [-1] * (size + 1)
    chosen: list[_Cand] = []
    alive: list[bool] = []
    for c in sorted(cands, key=lambda c: (rank[c.rule], -(c.end - c.start), c.start)):
        if (c.rule == "acronym-definition" and c.long_form is None) or c.rule == "context-list":
            for idx in {owner[p] for p in range(c.start, c.end)} - {-1}:
                x = chosen[idx]
                if x.rule == "lexicon" and c.start <= x.start and x.end <= c.end and (x.start, x.end) != (c.start, c.end):
                    alive[idx] = False
                    owner[x.start : x.end] = [-1] * (x.end - x.start)
        if all(owner[p] < 0 for p in range(c.start, c.end)):
            owner[c.start : c.end] = [len(chosen)] * (c.end - c.start)
            chosen.append(c)
            alive.append(True)
    return sorted((c for c, keep in zip(chosen, alive, strict=True) if keep), key=lambda c: c.start)


def _whole_word_uses(text: str, word: str) -> Iterator[tuple[int, int]]:
    """Where ``word``, or its plural in s, stands as a word of its own (not
    inside a longer word or a hyphenated compound). A scan, not a regex: a
    pattern per acronym would be compiled anew for most abstracts."""

    def wordish(ch: str) -> bool:
        return ch.isalnum() or ch in "_-"

    i = text.find(word)
    while i >= 0:
        j = i + len(word)
        if not (i and wordish(text[i - 1])):
            if j < len(text) and text[j] == "s" and not (j + 1 < len(text) and wordish(text[j + 1])):
                yield i, j + 1
            elif not (j < len(text) and wordish(text[j])):
                yield i, j
        i = text.find(word, i + 1)


class SpaceTokenizer:
    """Splits on whitespace only. ``kg_entity_rules`` reads ``doc.text`` and
    finds its own word boundaries, so the English tokenizer's affix work would
    be thrown away; this keeps the default pipeline near the cost of reading
    the text. Users who add ``kg_entity_rules`` to their own pipeline keep
    their tokenizer."""

    def __init__(self, vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words, spaces = [], []
        for word, space, other in _SPACE_TOKEN.findall(text):
            if word:
                words.append(word)
                spaces.append(bool(space))
            else:
                words.append(other)
                spaces.append(False)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        # The text as given: doc.text would join it again from every token (a tenth of the extraction).
        doc.user_data[TEXT_KEY] = text
        return doc


_SPACE_TOKEN = re.compile(r"(\S+)( ?)|(\s)")
# Where SpaceTokenizer leaves the text it split (the same as doc.text, by construction).
TEXT_KEY = "kg_text"


@spacy.registry.tokenizers("kg.space_tokenizer.v1")
def make_space_tokenizer():
    return lambda nlp: SpaceTokenizer(nlp.vocab)


def build_nlp(as_dicts: bool = False) -> Language:
    """A blank English pipeline with a whitespace tokenizer and the rule
    component: nothing to download and nothing statistical."""
    nlp = spacy.blank("en")
    nlp.tokenizer = SpaceTokenizer(nlp.vocab)
    # The rules read doc.text only: computing shape, like_num, prefix... for
    # every new word was a tenth of the extraction's time.
    nlp.vocab.lex_attr_getters = {}
    nlp.add_pipe("kg_entity_rules", config={"as_dicts": as_dicts})
    return nlp


class RulesExtractor:
    name = "rules"

    def __init__(self) -> None:
        self.nlp = build_nlp()

    def extract(self, title: str, abstract: str) -> list[Entity]:
        return self.nlp(_bounded(document_text(title, abstract)))._.kg_entities

    def pipe(
        self, docs: Iterable[tuple[str, str]], *, n_process: int = 1, batch_size: int = 64
    ) -> Iterator[list[Entity]]:
        texts = (_bounded(document_text(t, a)) for t, a in docs)
        if n_process == 1:
            for doc in self.nlp.pipe(texts, batch_size=batch_size):
                yield doc._.kg_entities
            return
        # Worker processes each run the whole pipeline (nlp.pipe) over a batch and send back only the
        # entities as dicts: shipping serialised Docs back, as nlp.pipe(n_process=N) does, costs the
        # parent more than the extraction saves.
        ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with ctx.Pool(n_process, initializer=_init_worker) as pool:
            for batch in pool.imap(_extract_batch, _batched(texts, batch_size)):
                for ents in batch:
                    yield [Entity.from_dict(d) for d in ents]


_WORKER_NLP: Language | None = None


def _init_worker() -> None:
    global _WORKER_NLP
    _WORKER_NLP = build_nlp(as_dicts=True)


def _extract_batch(texts: list[str]) -> list[list[dict]]:
    assert _WORKER_NLP is not None
    return [doc._.kg_entities for doc in _WORKER_NLP.pipe(texts)]


def _batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bounded(text: str) -> str:
    """Huge abstracts (a 5 MB paste) are cut so one record cannot stall a run."""
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS]


@register("rules")
def rules_extractor() -> RulesExtractor:
    return RulesExtractor()
