"""Results: the numbers an abstract reports as outcomes, with the metric and the
dataset they apply to and who achieved them.

Precision comes first: a number is kept only when it is clearly an outcome
(a percentage, a multiple, points, or a bare number tied to a named metric),
and its metric and dataset are read from fixed slots around it ("90.97%
accuracy on RAF-DB", "improves F1 by 3%", "In MiniWoB++, X achieves 99.2%").
When a slot holds something that looks like a metric or a benchmark but is
not one of the paper's entities ("32.3% in mean reciprocal rank", "on the
RAFT Benchmark"), the number is dropped rather than reported with a wrong or
missing metric or dataset.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .canonical import canonical_key
from .numbers import NumExpr, number_expressions
from .records import Entity, Result
from .spans import Span, SpanIndex

MODEL_TYPES = ("Method", "Model")

# Hedges between a cue and its number: "by up to 83.5%", "achieves over 98.0%" (and any "-ly" adverb).
_HEDGE_ONE = set(
    "over about around approximately roughly nearly almost only just average averaged a an the another further "
    "additional extra total overall exceed exceeds exceeding surpass surpasses surpassing above beyond below under "
    "maximum max ~ ≈ ∼ $ ~$".split()
)
# "improvements of BLEU-4 scores of 4.01", "gains in accuracy of 3%"
_CHANGE_OF = re.compile(r"\b(?:improvements?|gains?|increases?|reductions?|boosts?|drops?|decreases?)\s+(?:of|in)\s+"
                        r"(?:[\w\-@]+\s+){0,3}(?:of|by|:|=)$", re.I)
_COMPARATOR = re.compile(r"[$(]*\\?(?:geq|leq|ge|le|gt|lt|sim|approx|simeq)?[$]*|[$(]*[<>≥≤~≈∼]+=?[$]*")
_HEDGE_TWO = {"up to", "more than", "less than", "greater than", "at least", "at most", "on average", "an average",
              "a maximum", "a minimum", "a total", "an additional"}  # fmt: skip
_HEDGE_THREE = {"as much as", "as high as", "as low as", "an average of", "a maximum of", "a minimum of", "a total of"}
_BEFORE_WORD = re.compile(r"([\w\-]+)\W*$")
_CHANGE = re.compile(
    r"^(?:improv\w*|gains?|gained|increas\w*|boost\w*|reduc\w*|decreas\w*|drops?|dropp\w*|lifts?|margins?|"
    r"within|sav(?:e|es|ed|ing)|cuts?|cutting|speed\w*|accelerat\w*|"
    r"lower\w*|rais\w*|rise|rises|enhanc\w*|advantage|delta|jump\w*|declin\w*|fall|falls|degrad\w*|"
    r"uplift|improvements?)$", re.I)
_AFTER_REL = re.compile(
    r"^\W*(?:\S+\s+){0,4}?(?:relative|improvements?|gains?|increases?|reductions?|decreases?|boosts?|drops?|"
    r"higher|lower|better|worse|faster|slower|fewer|more|less|larger|smaller|cheaper|speed-?ups?|margin|"
    r"ahead|uplift|lift|advantage|reduced|removed|pruned|saved|eliminated|cut|improved|increased|decreased|"
    r"enhancements?|increments?|degradations?|accelerations?|declines?|superiority)\b|"
    r"^\W*over\b", re.I)
_OF_REFERENCE = re.compile(
    r"^\W*(?:of\s+)?(?:the\s+)?(?:\w+\s+)?(?:performance|accuracy|quality)\s+of\b|"
    r"^\W*of\s+(?:its|the|their|a|his|that|this|these|those)\s+(?:\S+\s+){0,2}?"
    r"(?:teachers?|original|full|baselines?|dense|uncompressed|upper|oracle|human|reference|full-precision|"
    r"unpruned|performance)\b|"
    r"^\W*of\s+(?:the\s+)?(?:state-of-the-art|sota|best|strongest|upper bound|oracle)\b", re.I)
_OUTCOME = re.compile(
    r"\b(?:we|our|achiev\w*|obtain\w*|reach\w*|attain\w*|improv\w*|outperform\w*|surpass\w*|exceed\w*|beat\w*|"
    r"boost\w*|increas\w*|reduc\w*|decreas\w*|lower\w*|higher|gain\w*|speed\w*|faster|accelerat\w*|sav\w*|drop\w*|"
    r"yield\w*|results?|resulting|scor\w*|experiment\w*|evaluat\w*|perform\w*|margin|relative|respectively|compared|"
    r"better|fewer|shows?|demonstrat\w*|maintain\w*|retain\w*|preserv\w*|remov\w*|predict\w*|within)\b", re.I)
# Head words of a metric phrase: a slot holding one of these that is not a Metric entity is a metric we cannot name.
_METRIC_HEAD = re.compile(
    r"\b(?:accuracy|accuracies|scores?|rates?|errors?|precision|recall|f1|f-score|bleu|rouge[\w\-]*|auc|auroc|map|"
    r"iou|miou|perplexity|ppl|em|mrr|ndcg|rank|latency|throughput|time|psnr|ssim|fid|wer|cer|success|win|"
    r"correlation|flops|auprc|mae|mse|rmse|hit|hits|recall@\w+|pass@\w+|exact match|top-\d|index|ratio|dice|"
    r"jaccard|kappa|agreement)\b", re.I)
# The unambiguous ones, for looser contexts ("time", "rank", "success" are too often plain words).
_STRICT_METRIC_HEAD = re.compile(
    r"(?<![\w\-])(?:accuracy|accuracies|scores?|rates?|errors?|precision|recall|f1|bleu|rouge[\w\-]*|auc|auroc|iou|"
    r"miou|perplexity|mrr|ndcg|latency|throughput|psnr|ssim|fid|wer|cer|flops|auprc|mae|mse|rmse|dice|correlation)\b",
    re.I)
_PLACE = re.compile(r"\W*(?:(?:[\w\-]+\s+){0,3}?)(?:on|in|across)\s+(?:the\s+)?([A-Z][\w\-+]*)")
_DATASET_LIST_GAP = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+)(?:the\s+)?$")
_NEXT_MEMBER = re.compile(r"\s*(?:,\s*)?(?:and|or)\s+(?:the\s+)?([A-Z][\w\-+.]*)|"
                          r"\s*,\s*(?:the\s+)?([A-Z][\w\-+.]*)(?=[^,;.]{0,30}?(?:,|\band\b|\bor\b))")
_CODED_BEFORE = re.compile(r"([A-Z][\w\-+.]*[A-Z0-9][\w\-+]*|[A-Z][a-z]+[A-Z][\w\-+]*)\s*[,:(]?\s*[+\-−]?\$?$")
_NOT_A_METRIC = re.compile(
    r"\b(?:learning|sampling|dropout|mask(?:ing)?|bit|mutation|decay|warmup)\s+rates?\b|"
    r"\berror\s+(?:analysis|propagation|correction)|\bscore\s+(?:function|matching|distillation)", re.I)
_APPOSITION = re.compile(r"\s*[(,]\s*(?:an?|the)?\s*")
_PARALLEL_END = re.compile(r"(?:\band|,)(?:\s+(?:by|to|of|at|with|in))?$")
_AFTER_BARE_METRIC = re.compile(
    r"\s*(?:$|[,.;:)(]|(?:on|in|for|at|with|over|than|compared|and|or|while|which|across|improvements?|gains?|"
    r"increases?|reductions?|drops?|scores?|points?|respectively|when|after|from|to|vs\.?)\b)", re.I)
_COORDINATED = re.compile(r"([\w\-@]+)\s*(?:,|\band|\bor)\s+$")
_CAPS_LEAD = re.compile(r"^[A-Z]{2,}[^\sA-Za-z]")
_CAPS_PLURAL = re.compile(r"^[A-Z]{2,}s$")
_PERFORMANCE = re.compile(
    r"\bperformances?\b|\bresults?\b|\bquality\b|\beffectiveness\b|\bcapabilit\w*|\babilit\w*", re.I)
_COMPARED = re.compile(
    r"\b(?:baselines?|state-of-the-art|sota|prior|previous|existing|competing|competitors?|counterparts?|models?|"
    r"methods?|approaches|systems?|teachers?|it|them)\b", re.I)
# Words skipped between a number and its metric: "10% relative improvement in average success rate".
_MODIFIERS = {
    "relative", "absolute", "average", "avg", "avg.", "mean", "overall", "higher", "lower", "better", "worse",
    "improvement", "improvements", "gain", "gains", "increase", "increases", "reduction", "reductions", "decrease",
    "boost", "drop", "in", "the", "terms", "a", "an", "points", "point", "top-1", "macro", "micro",
    "macro-averaged", "micro-averaged", "improved", "increased", "reduced", "decreased", "boosted", "enhanced",
    "enhancement", "uplift", "lift", "more", "less",
}  # fmt: skip
_WORD_AT = re.compile(r"\s*([\w\-./@]+|\S)")
_SETTING_BEFORE = {"with", "using", "only", "just", "use", "uses", "used", "train", "trained", "training",
                   "updating", "update", "updates", "tuning", "requires", "requiring", "require", "at", "under",
                   "sampling", "sample", "keeping", "keep", "retaining", "mask", "masking", "labeling", "on",
                   "introducing", "adding", "injecting", "mixing"}  # fmt: skip
_SETTING_AFTER = re.compile(
    r"^\s*(?:of\s+(?:the\s+|its\s+|their\s+)?(?:\w+\s+){0,2}?(?:data|datasets?|labels?|labell?ed|parameters?|"
    r"weights?|samples?|examples?|annotations?|tokens?|training|images?|queries|budget)\b|"
    r"(?:sparsity|masking|mask|noise|dropout|pruning|compression|label|labell?ed|annotated|training|data)\b)", re.I)
_TRAIN_CONTEXT = re.compile(r"(?:pre-?train\w*|train\w*|fine-?tun\w*|finetun\w*|learn\w*)\s+(?:\w+\s+){0,3}?"
                            r"(?:on|from|with|using)\s+(?:the\s+)?$", re.I)
_DATASET_PREP = re.compile(r"\b(?:on|in|across|over|for|at)\s+(?:the\s+|both\s+|all\s+)?"
                           r"(?:(?:\d+|\w+)\s+(?:tasks|subsets|splits|languages)\s+(?:of|from)\s+(?:the\s+)?)?"
                           r"(?:(?:challenging|popular|standard|widely[- ]used|public|large-scale)\s+)?$", re.I)
_BRACKET_AFTER_NAME = re.compile(r"\s*\(\s*(?:from\s+)?(?:[\d.,]+\s*\\?%?\s*(?:to|→|->)\s*)?")
_NAME_TOKEN = re.compile(r"\b(?i:on|in|across)\s+(?:the\s+)?"
                         r"([A-Z][\w\-+.]*(?:[A-Z0-9][\w\-+]*)|[A-Z][a-z]+[A-Z][\w\-+]*)"
                         r"(\s+(?i:benchmarks?|datasets?|corpus|suite|leaderboard))?")
_CLAUSE_STOP = re.compile(r";|\bwhile\b|\bwhereas\b|\bbut\b|\bwhich\b|, and\b| -- |—")
_AFTER_STOP = re.compile(r";|\bwhile\b|\bwhereas\b|\bbut\b|\bwhich\b|\band\b|\bor\b| -- |—")
_BREAK = re.compile(r";|\bwhile\b|\bwhereas\b|\bbut\b|, and\b| -- |—")
# Words that may stand before a metric name without making it a longer name ("execution accuracy" is one).
_OK_BEFORE_METRIC = set(
    "the a an in of on by for with and or to at its our their his her higher lower better worse best average mean "
    "overall relative absolute high low strong competitive superior new top state-of-the-art sota similar comparable "
    "same final peak maximum minimum max min total whose than as both all each per macro micro weighted reported test "
    "validation dev good great excellent remarkable impressive substantial significant notable improved "
    "consistent robust perfect near-perfect only while but also".split()
)
# Metric "entities" that are units: "2028.7 mW" is a value in milliwatts, not a metric named mW.
_UNIT_NAMES = {"mW", "W", "kW", "ms", "s", "GB", "MB", "KB", "TB", "Hz", "kHz", "MHz", "GHz", "dB", "J", "kWh", "fps",
               "FPS", "G", "M", "K", "B", "GFLOPs", "TFLOPs", "%"}
_SETTING_WORDS = {"with", "using", "under", "given", "without"}
_ACRONYM_WORD = re.compile(r"^[A-Z][A-Z0-9@\-]+$")
_NOT_METRIC_ACRONYMS = {"SOTA", "SoTA", "LLM", "LLMs", "AI", "ML", "GPU", "CPU", "API", "OOD", "ID", "NLP", "CV", "QA"}
_LIST_GAP = re.compile(r"^\s*(?:,\s*)?(?:(?:and|or|vs\.?|versus)\s+)?$")
_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
_TIMES_CUE_AFTER = re.compile(
    r"\s*(?:\w+\s+)?(?:faster|slower|fewer|more|less|smaller|larger|higher|lower|speed-?ups?|reduction|improvement|"
    r"cheaper|better|greater|as\b|acceleration|compression|increase|decrease|gains?)", re.I)
_TIMES_CUE_BEFORE = re.compile(r"(?:sav\w*|reduc\w*|speed\w*|accelerat\w*|compress\w*|up to|by|achiev\w*|improv\w*|"
                               r"boost\w*|increas\w*|decreas\w*|cut\w*|over)\s*$", re.I)
_SIZE_MULTIPLE = re.compile(r"\s*(?:(?:larger|bigger)\b|(?:more\s+)?param(?:eter)?s\b)", re.I)
# a change verb shortly before the number: "decrease honest behavior over 20%"
_CHANGE_VERB_NEAR = re.compile(r"\b(?:improv|increas|decreas|reduc|boost|drop|declin|degrad|rais|lower|cut)\w*"
                               r"(?:\s+[\w\-]+){0,3}\s*$", re.I)
_SETTING_NOUN = re.compile(r"\s+(?:thresholds?|budgets?|levels?|constraints?|settings?|regimes?|targets?)\b", re.I)
_FROM_TO = re.compile(r"\s+from\s+[\d.,]+\s*(?:\\?%|percent)?\s+to$")
_CONNECTOR = re.compile(
    r"(?:\s+scores?)?\s*(?P<conn>of|=|:|is|was|are|were|reaches|reached|reaching|achieves?|to|at|by|"
    r"(?:improves?|improved|increases?|increased|drops?|dropped|decreases?|decreased|rises?|rose|"
    r"falls?|fell|gains?)(?:\s+(?:by|to|from))?)?\s*$")
_WORD_END = re.compile(r"([\w\-@]+)\)?\s*$")
_VERB_NP_BY = re.compile(
    r"\b(improv\w*|increas\w*|boost\w*|reduc\w*|decreas\w*|lower\w*|rais\w*|enhanc\w*|cut\w*|"
    r"minimi[sz]\w*|maximi[sz]\w*|accelerat\w*|speed\w* up|shrink\w*|slash\w*|degrad\w*|hurt\w*|"
    r"harm\w*|shift\w*|chang\w*|affect\w*|elevat\w*|lift\w*|drop\w*)\s+((?:\S+\s+){0,12}?)by\s*$", re.I)
_DIGIT = re.compile(r"\d")
_ASIDE = re.compile(r"\s(?:--|—|–)\s.*?\s(?:--|—|–)\s|\([^()]*\)")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_AVG_PREFIX = re.compile(r"^(?:average|avg\.?|mean|overall|macro|micro|top-1)[\s\-]+", re.I)


@dataclass(slots=True)
class _Cand:
    expr: NumExpr
    relative: bool = False
    metric: Entity | None = None
    dataset: Entity | None = None
    unsure: bool = False
    fallback_ok: bool = True  # the slots left room for the sentence's one metric
    rule: str = ""
    confidence: float = 0.8
    bare: bool = False


def _words_before(text: str, a: int, pos: int) -> str:
    """The clause before ``pos``: back to the last clause punctuation, except a
    bracket that opens right at the number ("a very small (2%) margin")."""
    seg = text[a:pos]
    if seg.endswith("("):
        seg = seg[:-1]
    if ")" in seg:  # "improvements (across models and tasks) of 23.81%": the aside is not a clause break
        seg = _ASIDE.sub(" ", seg)
    cut = max(seg.rfind(ch) for ch in ",;:()[]")
    return seg[cut + 1 :]


def _strip_hedges(s: str) -> str:
    """``s`` (right-stripped) without the hedges at its end: "by up to" -> "by",
    "achieves over" -> "achieves". Word by word from the end: an end-anchored
    regular expression over a whole sentence would try every position."""
    s = s.rstrip()
    while s:
        i = s.rfind(" ")
        w1 = s[i + 1 :].lower()
        if w1 in _HEDGE_ONE or (len(w1) > 4 and w1.endswith("ly") and w1.isalpha()) or _COMPARATOR.fullmatch(w1):
            s = s[: i + 1].rstrip() if i >= 0 else ""
            continue
        j = s.rfind(" ", 0, i) if i > 0 else -1
        if i > 0 and s[j + 1 :].lower() in _HEDGE_TWO:
            s = s[: j + 1].rstrip() if j >= 0 else ""
            continue
        k = s.rfind(" ", 0, j) if j > 0 else -1
        if j > 0 and s[k + 1 :].lower() in _HEDGE_THREE:
            s = s[: k + 1].rstrip() if k >= 0 else ""
            continue
        break
    return s


def _last_word(s: str) -> str:
    m = _BEFORE_WORD.search(s, max(0, len(s) - 60))
    return m.group(1).lower() if m else ""


def _after(text: str, pos: int, b: int, limit: int = 70) -> str:
    """The words after ``pos`` up to a clause break."""
    seg = text[pos : min(b, pos + limit)]
    if seg.startswith(")"):
        seg = seg[1:]
    cut = len(seg)
    for ch in ",;([":
        i = seg.find(ch)
        if 0 <= i < cut:
            cut = i
    m = _AFTER_STOP.search(seg, 0, cut)
    if m:
        cut = m.start()
    return seg[:cut]


def _is_relative(text: str, a: int, b: int, first: NumExpr, last: NumExpr) -> bool:
    """A change against something ("by 8.7%", "3x faster", "a 10% relative
    improvement", "within 4% of GPT-3", "98% of its teacher") or an absolute score."""
    if first.unit in ("x", "pp", "points") or first.signed:
        return True
    before = _strip_hedges(_words_before(text, a, first.start).rstrip())
    w = _last_word(before)
    if w == "by" or _CHANGE.match(w) or _CHANGE_OF.search(before, max(0, len(before) - 60)):
        return True
    if w == "of":
        w2 = _last_word(_strip_hedges(before[: before.lower().rfind("of")].rstrip()))
        if _CHANGE.match(w2) or w2 in ("improvement", "improvements", "increase", "reduction", "speedup", "savings",
                                       "saving", "superiority", "lead"):
            return True
    if _CHANGE_VERB_NEAR.search(before):
        return True
    seg = text[a : first.start]
    opening = seg.rfind("(")
    if opening > seg.rfind(")") and opening >= len(seg) - 25:
        # "improves the performance (up to 20.1% absolute)": the bracket belongs to the clause before it
        outside = _words_before(text, a, a + opening)
        if _CHANGE_VERB_NEAR.search(outside) or re.search(r"\b(?:improv|boost|gain|drop|outperform)\w*\b", outside, re.I):
            return True
    after = _after(text, last.end, b)
    return bool(_AFTER_REL.match(after) or _OF_REFERENCE.match(after))


def _metric_entity(span: Span | None) -> Entity | None:
    return span.of("Metric") if span is not None else None


def _after_metric(text: str, pos: int, b: int, idx: SpanIndex) -> tuple[Entity | None, bool, bool, int]:
    """The metric named right after a number: "90.97% accuracy", "46.7% in
    accuracy", "a 10% relative improvement in average success rate".
    Returns (metric, unsure, empty, end): unsure when a metric-like phrase sits
    there but is no Metric entity ("5-click DICE", "in $\\rm{AUPRC}$", "of
    FLOPs"); empty when the slot names nothing else; end: where the metric ends."""
    p = pos
    if text.startswith(")", p):
        p += 1
    if text.startswith("$", p) and not text.startswith("$\\", p):
        p += 1  # the closing "$" of "$18.1\\%$"
    for _ in range(7):
        while p < b and text[p] == " ":
            p += 1
        span = idx.starting_at(p)
        if span is not None:
            met = span.of("Metric")
            if met is not None:
                if _SETTING_NOUN.match(text, span.end):
                    return None, True, False, span.end  # "(0.1% false positive rate threshold)": an operating point
                return met, False, False, span.end
            phrase = text[span.start : min(b, span.end + 25)]
            unsure = bool(_METRIC_HEAD.search(phrase.split(",")[0].split(" on ")[0][: span.end - span.start + 12]))
            return None, unsure, False, p
        if text.startswith(("$\\", "\\"), p):
            return None, True, False, p  # a LaTeX name: "$\\rm{AUPRC}$"
        m = _WORD_AT.match(text, p, b)
        if m is None:
            return None, False, True, p
        word = m.group(1)
        if word.lower() in _MODIFIERS:
            p = m.end()
            continue
        if not word[0].isalnum():
            return None, False, True, p
        phrase = text[m.start(1) : min(b, m.start(1) + 40)]
        phrase = re.split(r"[,;()]| on | for | over | than | compared | with | across | while | and ", phrase)[0]
        if word.lower() == "of":
            # "80% of the time", "98% of its teacher": a share of something; "99.37% of FLOPs": of a metric
            return None, bool(_STRICT_METRIC_HEAD.search(phrase) or _acronym_in(phrase, m.start(1), 3, idx)), False, p
        # a word that is not a modifier: the number is about that noun phrase
        if _METRIC_HEAD.search(phrase) or _acronym_in(phrase, m.start(1), 2, idx):
            return None, True, False, p
        empty = word.lower() in ("over", "than", "on", "across", "compared", "vs", "vs.", "versus", "relative",
                                 "when", "for", "at", "in", "with", "from", "against")  # fmt: skip
        return None, False, empty, p
    return None, False, True, p


def _acronym_in(phrase: str, at: int, n: int, idx: SpanIndex) -> bool:
    """One of the first ``n`` words of ``phrase`` (at offset ``at``) is an
    all-capital name that is no entity: "5-click DICE", "of FLOPs"."""
    off = 0
    for w in phrase.split()[:n]:
        off = phrase.find(w, off)
        core = w.strip("().,;:$")
        if (_ACRONYM_WORD.match(core) or _CAPS_PLURAL.match(core) or _CAPS_LEAD.match(core)) and (
                core not in _NOT_METRIC_ACRONYMS):  # fmt: skip
            span = idx.covering(at + off + w.find(core))
            if span is None or span.of("Metric") is not None:
                return True
        off += len(w)
    return False


def _unnamed_metric(text: str, lo: int, hi: int, idx: SpanIndex) -> bool:
    """A metric word that is no Metric entity in text[lo:hi] ("the average
    first-hit rate exceeds ... by 25.7%"): the number measures it, unnamed."""
    for m in _STRICT_METRIC_HEAD.finditer(text, lo, hi):
        span = idx.covering(m.start())
        if span is not None and span.of("Metric") is not None:
            continue
        if not _NOT_A_METRIC.search(text, max(lo, m.start() - 12), m.end()):
            return True
    return False


def _truncated(text: str, span: Span, a: int) -> bool:
    """A metric mention that is the tail of a longer metric phrase ("execution
    accuracy", "step success rate", "positive-class F1"): the reported metric
    is the longer phrase, which is not an entity."""
    m = re.search(r"([A-Za-z][\w\-]*)\s+$", text[max(a, span.start - 30) : span.start])
    if m is None:
        return False
    w = m.group(1)
    lw = w.lower()
    if lw in _OK_BEFORE_METRIC or lw.endswith(("ed", "ing", "es")) or (lw.endswith("s") and not lw.endswith("ss")):
        return False
    return True


def _coordinated_metric(text: str, span: Span, a: int, idx: SpanIndex) -> bool:
    """"reduces FLOPs and latency by 9x": another metric, unnamed, shares the number."""
    m = _COORDINATED.search(text, max(a, span.start - 40), span.start)
    if m is None:
        return False
    word = m.group(1)
    covered = idx.covering(m.start(1))
    return (covered is None or covered.of("Metric") is None) and bool(
        _STRICT_METRIC_HEAD.fullmatch(word) or _ACRONYM_WORD.match(word) or _CAPS_PLURAL.match(word))


def _before_metric(text: str, a: int, pos: int, idx: SpanIndex) -> tuple[Entity | None, bool, bool]:
    """The metric named before a number: "F1 of 0.89", "improves accuracy by
    5%", "accuracy improves by 5%". Returns (metric, unsure, named_other): named_other
    when a change verb's object is something that is not a metric ("improves the
    performance by 3.6%"), so the sentence's one metric must not be borrowed;
    unsure when a metric-like word that is no entity holds the slot ("a
    survival rate of 20%", "SSIM by 10%")."""
    seg = text[a:pos]
    if seg.endswith("("):
        seg = seg[:-1]
    # asides blanked out, same length: "reduce negative flips -- instances where ... -- by up to 40%"
    seg = _ASIDE.sub(lambda m: " " * len(m.group(0)), seg)
    stripped = _strip_hedges(seg.rstrip())
    fm = _FROM_TO.search(stripped, max(0, len(stripped) - 40))
    if fm:  # "recall from 75.0% to 86.3%": the metric is before "from"
        stripped = stripped[: fm.start()]
    # "F1 of 0.89", "BLEU 35.2", "accuracy: 91%", "F1 score of 0.89", "accuracy improves by 5%"
    m = _CONNECTOR.search(stripped, max(0, len(stripped) - 40))
    end = a + (m.start() if m else len(stripped))
    conn = (m.group("conn") or "") if m else ""
    span = None
    if m and m.group("conn"):  # "F1 score of": the entity may be "F1 score" itself
        span = idx.ending_at(a + len(stripped[: m.start("conn")].rstrip()))
        if span is not None and span.of("Metric") is None:
            span = None
    if span is None:
        span = idx.ending_at(end)
    if span is None and text[end - 1 : end] == ")":
        span = idx.ending_at(end - 1)  # "area under the ROC curve (AUROC) increases by 2%"
    if span is not None and span.of("Metric") is not None:
        if re.search(r"\d\s*$", text[max(a, span.start - 3) : span.start]):
            return None, True, False  # "2028.7 mW by 2.5%": a unit, not a metric
        if _truncated(text, span, a) or _coordinated_metric(text, span, a, idx):
            return None, True, False
        return span.of("Metric"), False, False
    if conn not in ("achieves", "achieve", "reaches", "reached", "reaching"):
        lo = max(a, end - 40)
        w = _WORD_END.search(text, lo, end)
        if w and span is None and idx.covering(w.start(1)) is None:
            word = w.group(1)
            if _METRIC_HEAD.fullmatch(word) or (conn in ("", "of", "=", ":", "by", "is", "was") and _ACRONYM_WORD.match(
                    word) and word not in _NOT_METRIC_ACRONYMS):  # fmt: skip
                return None, True, False
    # "<change verb> NP by N": what changed is the NP
    mm = _VERB_NP_BY.search(stripped, max(0, len(stripped) - 160))
    if mm:
        np_a = a + mm.start(2)
        np_b = a + mm.end(2)
        mets = {id(s.of("Metric")): s for s in idx.within(np_a, np_b) if s.of("Metric") is not None}
        if mets and (_unnamed_metric(text, np_a, np_b, idx) or _acronym_in(text[np_a:np_b], np_a, 12, idx)):
            return None, True, False  # "reduces inference FLOPs and latency by 9x": two metrics, one unnamed
            sp = next(iter(mets.values()))
            return (None, True, False) if _truncated(text, sp, a) else (sp.of("Metric"), False, False)
        if len(mets) > 1:
            return None, True, False
        np = seg[mm.start(2) : mm.end(2)]
        if _PERFORMANCE.search(np):
            return None, False, True
        if _METRIC_HEAD.search(np) or not (_COMPARED.search(np) or idx.within(np_a, np_b)):
            return None, True, False
        return None, False, True
    return None, False, False


def _datasets_in(idx: SpanIndex, text: str, a: int, b: int, sent_a: int) -> list[tuple[Span, Entity]]:
    """Dataset mentions in [a, b) that are named as where something was measured,
    not as training data ("trained on D")."""
    out = []
    for s in idx.within(a, b):
        d = s.of("Dataset")
        if d is None:
            continue
        if _TRAIN_CONTEXT.search(text[max(sent_a, s.start - 60) : s.start]):
            continue
        out.append((s, d))
    return out


def _paren_after(text: str, pos: int, idx: SpanIndex) -> tuple[Entity | None, bool]:
    """"6.3% (ChemBench-Preference)": a name in brackets right after a number
    says where it was measured. Returns (dataset, unsure)."""
    m = re.match(r"\s*\(\s*", text[pos : pos + 4])
    if not m:
        return None, False
    p = pos + m.end()
    span = idx.starting_at(p)
    close = text.find(")", p)
    if span is not None and span.of("Dataset") is not None and close >= span.end:
        return span.of("Dataset"), False
    inner = text[p : close if close > 0 else p + 30]
    if re.match(r"^[A-Z][\w\-+. ]{1,40}$", inner) and any(c.isupper() or c.isdigit() for c in inner[1:]):
        return None, True
    return None, False


def _after_dataset(text: str, pos: int, b: int, idx: SpanIndex, sent_a: int) -> tuple[list[Entity], bool]:
    """Datasets named after a number, behind "on/in/across": "90.97% accuracy on
    RAF-DB", "26.7% over o3-mini (high) on GPQA". Returns (datasets, unsure)."""
    seg_end = min(b, pos + 90)
    m = _CLAUSE_STOP.search(text, pos, seg_end)
    if m:
        seg_end = m.start()
    found: list[Entity] = []
    found_end = pos
    for s, d in _datasets_in(idx, text, pos, seg_end, sent_a):
        if _DATASET_PREP.search(text[max(pos, s.start - 30) : s.start]) or (found and re.match(
                r"^\s*(?:,|and|,\s*and)\s*$", text[found_end : s.start])):  # fmt: skip
            if not any(x is d for x in found):
                found.append(d)
            found_end = s.end
            if _unknown_member(text, s, idx):
                return found, True
        elif not found:
            break
    if found:
        return found, False
    return [], _unknown_dataset(text, pos, seg_end, idx) or _named_place(text, pos, seg_end, idx)


def _unknown_member(text: str, s: Span, idx: SpanIndex) -> bool:
    """"on ImageNet and MS-COCO" where MS-COCO is no entity: the list names a
    dataset we cannot resolve, so which one a number belongs to is unclear."""
    m = _NEXT_MEMBER.match(text, s.end)
    if m is None:
        return False
    span = idx.covering(m.start(1) if m.group(1) else m.start(2))
    return span is None or span.of("Dataset") is None


def _named_place(text: str, a: int, b: int, idx: SpanIndex) -> bool:
    """"10.9 points on Amazon TEST": a capitalised name behind "on/in/across"
    right after a number is where it was measured, even when it is no entity."""
    m = _PLACE.match(text, a, b)
    if m is None:
        return False
    span = idx.covering(m.start(1))
    return span is None or span.of("Model", "Task", "Metric") is None  # "on LLaMA-2" is a setting, not a place


def _unknown_dataset(text: str, a: int, b: int, idx: SpanIndex) -> bool:
    """"on the RAFT Benchmark", "on MMLU": a benchmark-like name that is not one
    of the Dataset entities; the result's dataset is then unknown."""
    for m in _NAME_TOKEN.finditer(text, a, b):
        span = idx.covering(m.start(1))
        if span is not None and span.of("Dataset") is not None:
            continue
        if m.group(2):
            return True
        if span is not None and span.of("Model", "Task", "Metric") is not None:
            continue  # "on LLaMA-2": a setting; a Method-typed name here is often a mistyped benchmark
        return True
    return False


def _before_datasets(text: str, a: int, pos: int, idx: SpanIndex, sent_a: int) -> tuple[list[Entity], bool]:
    """Datasets before a number behind "on/in": "In MiniWoB++, X achieves 99.2%".
    Returns (datasets, unsure): unsure when a list of them names one that is no
    entity, or a coded name stands right before the number ("BC5CDR-Disease, +2.70 pp")."""
    out: list[Entity] = []
    unsure = False
    last_end = -1
    for s, d in _datasets_in(idx, text, a, pos, sent_a):
        pre = text[max(a, s.start - 30) : s.start]
        listed = last_end >= 0 and _DATASET_LIST_GAP.match(text, last_end, s.start) is not None
        bracketed = _BRACKET_AFTER_NAME.fullmatch(text, s.end, pos) is not None  # "ALFWorld (73% to 89%)"
        if (_DATASET_PREP.search(pre) or s.start == sent_a or listed or bracketed) and not _in_brackets_after_dataset(
                text, s, idx):  # fmt: skip
            if not any(x is d for x in out):
                out.append(d)
            last_end = s.end
            unsure = unsure or _unknown_member(text, s, idx)
    if not out:
        m = _CODED_BEFORE.search(text, max(a, pos - 60), pos)
        if m:
            span = idx.covering(m.start(1))
            unsure = span is None
    return out, unsure


def _in_brackets_after_dataset(text: str, s: Span, idx: SpanIndex) -> bool:
    """"Humanity's Last Exam benchmark (Chemistry & Biology)": a name in brackets
    right after a dataset is a subset of it."""
    pre = text[max(0, s.start - 40) : s.start]
    m = re.search(r"\(\s*$", pre)
    if not m:
        return False
    before = max(0, s.start - 40) + m.start()
    for sp in idx.within(max(0, before - 80), before):
        if sp.of("Dataset") is not None and re.fullmatch(r"\s*(?:benchmarks?|datasets?)?\s*", text[sp.end : before]):
            return True
    return False


def _is_candidate(text: str, a: int, b: int, e: NumExpr, prev: _Cand | None, idx: SpanIndex) -> str | None:
    """The rule under which a number expression is a result, or None."""
    if idx.covering(e.num_start) is not None:
        return None  # part of a name: "Llama-3.1-8B", "Rouge-2"
    if e.unit in ("%", "pp"):
        return "percent" if e.unit == "%" else "pp"
    if e.unit == "x":
        if _SIZE_MULTIPLE.match(text, e.end, b):
            return None  # "a 16 times larger GPT-3", "models with 8x parameters": how big, not how good
        if not e.times:
            return "multiple"
        if _TIMES_CUE_AFTER.match(text, e.end, b) or _TIMES_CUE_BEFORE.search(text[max(a, e.start - 25) : e.start]):
            return "times"
        if prev is not None and prev.expr.times and re.fullmatch(r"\s*(?:\w+\s+)?(?:,|and|,\s*and)\s*",
                                                                  text[prev.expr.end : e.start]):  # fmt: skip
            return "times"
        return None
    if e.unit == "points":
        if e.value > 100 or "," in text[e.num_start : e.num_end]:
            return None  # "500,000 points": a count
        before = text[max(a, e.start - 40) : e.start]
        if e.signed or re.search(r"\b(?:by|gains?|improv\w*|outperform\w*|surpass\w*|increas\w*|boost\w*|drops?|"
                                 r"exceed\w*|improvements? of|gains? of)\s+(?:\w+\s+)?$", before, re.I) or (
                _AFTER_REL.match(text[e.end : b])):  # fmt: skip
            return "points"
        return None
    return None  # bare, signed bare and units as written need a metric: see _metric_tied


def _metric_tied(text: str, a: int, b: int, e: NumExpr, idx: SpanIndex) -> Entity | None:
    """A bare number is a result only next to a named metric: "F1 of 0.89",
    "0.22 epsilon-error", "BLEU 35.2", "+0.53 Rouge-2 score", "12 ms latency"."""
    if idx.covering(e.num_start) is not None:
        return None
    raw = text[e.num_start : e.num_end]
    if _YEAR.match(raw) or (e.value >= 1000 and "." not in raw):
        return None
    m = re.match(r"\s*(?:(?:reduction|improvement|gain|increase|drop|decrease)\s+in\s+)?", text[e.end : b])
    span = idx.starting_at(e.end + (m.end() if m else 0))
    met = _metric_entity(span)
    if met is not None and _AFTER_BARE_METRIC.match(text, span.end, b):
        return met  # "0.22 epsilon-error on", "4.2 Rouge-L improvement"; not "7 AAA patients"
    before = text[a : e.start]
    if before.endswith("("):
        before = before[:-1]
    m2 = re.search(r"(?:\s+scores?)?\s*(?:of|=|:|is|was|reaches|reached|reaching|to|at)?\s*"
                   r"(?:(?:an?|only|just|about|around|approximately|up to|over)\s+)*$", before)
    end = a + (m2.start() if m2 else len(before))
    return _metric_entity(idx.ending_at(end))


def _group(cands: list[_Cand], text: str) -> list[list[_Cand]]:
    """Numbers in a list share their slots: "by 10% and 38%", "98.7%, 98.1% and 99.3%"."""
    groups: list[list[_Cand]] = []
    for c in cands:
        if groups and groups[-1][-1].expr.unit == c.expr.unit and _LIST_GAP.match(
                text[groups[-1][-1].expr.end : c.expr.start]):  # fmt: skip
            groups[-1].append(c)
        else:
            groups.append([c])
    return groups


def _normalise_metric(met: Entity | None, metrics: dict[str, Entity]) -> Entity | None:
    """"average accuracy" is reported as accuracy when the paper also names accuracy."""
    if met is None:
        return None
    base = _AVG_PREFIX.sub("", met.name)
    if base != met.name:
        return metrics.get(canonical_key(base), met)
    return met


def _candidates(text: str, a: int, b: int, idx: SpanIndex) -> list[_Cand]:
    """The number expressions of a sentence that read as results."""
    exprs = number_expressions(text, a, b)
    cands: list[_Cand] = []
    prev: _Cand | None = None
    for i, e in enumerate(exprs):
        rule = _is_candidate(text, a, b, e, prev, idx)
        cand = None
        if rule is not None:
            cand = _Cand(e, rule=rule)
        elif e.unit not in ("%", "pp", "x", "points"):
            met = _metric_tied(text, a, b, e, idx)
            if met is not None and met.name not in _UNIT_NAMES:
                cand = _Cand(e, rule="metric-number", bare=True)  # its metric is read from the slots like any other
        if cand is None:
            continue
        before = text[max(a, e.start - 40) : e.start].lower()
        if re.search(r"\d\s*(?:to|-|–)\s*$", before) and not re.search(r"\bfrom\s+[\d.,]+\s*to\s*$", before):
            continue  # the upper end of a range read as two numbers ("+8 to 12 F1")
        if re.search(r"(?:\bfrom\s+(?:\w+\s+){0,2}|\(\s*)$", before) and i + 1 < len(exprs) and re.match(
                r"^\s*to\s+(?:\w+\s+){0,2}$", _ASIDE.sub(" ", text[e.end : exprs[i + 1].start]) + " "):  # fmt: skip
            continue  # "from 30% to 10%": the starting point, not the outcome
        if e.unit == "%" and (_last_word(_strip_hedges(before.rstrip())) in _SETTING_BEFORE
                              and _SETTING_AFTER.match(text[e.end : b])):  # fmt: skip
            continue  # "with only 10% of the labels": a setting
        if e.unit == "%" and _last_word(before.rstrip()) == "at":
            continue  # "precision at 90% recall", "at 50% sparsity": an operating point
        cands.append(cand)
        prev = cand
    return cands


def _fallback_metric(text: str, idx: SpanIndex, a: int, b: int, pos: int) -> tuple[Entity | None, bool]:
    """The sentence's only metric, when it is named in the same clause as the
    number ("99.2% average success rate (a 10% relative improvement)").
    Returns (metric, unsure)."""
    spans = [s for s in idx.within(a, b) if s.of("Metric") is not None]
    if len({id(s.of("Metric")) for s in spans}) != 1:
        return None, False
    for s in spans:
        lo, hi = (s.end, pos) if s.end <= pos else (pos, s.start)
        if not _BREAK.search(text, lo, hi) and "," not in text[lo:hi]:
            return s.of("Metric"), _truncated(text, s, a)
    return None, False


@dataclass(slots=True)
class _Slots:
    """What the words around one list of numbers say."""

    rel: bool
    after: tuple  # (metric, unsure, empty, end) from _after_metric
    before: tuple  # (metric, unsure, named_other) from _before_metric
    d_after: list[Entity]
    d_after_unsure: bool
    d_before: list[Entity]
    d_before_unsure: bool
    unnamed: bool  # a metric word that is no entity in the clause before the numbers


def sentence_results(
    text: str,
    a: int,
    b: int,
    idx: SpanIndex,
    metrics: dict[str, Entity],
    achiever: Callable[[int, int, int], Entity | None],
) -> list[Result]:
    """Results of the sentence text[a:b]."""
    if _DIGIT.search(text, a, b) is None:
        return []
    sent = text[a:b]
    in_sent = idx.within(a, b)
    has_metric = any(s.of("Metric") is not None for s in in_sent)
    if not (_OUTCOME.search(sent) or has_metric or any(e.proposed for s in in_sent for e in s.ents)):
        return []  # a statistic in background prose, not an outcome
    cands = _candidates(text, a, b, idx)
    if not cands:
        return []
    respectively = bool(_RESPECTIVELY.search(sent))
    # the sentence's datasets named as where something was measured ("on D", "In D, ..."), not bracketed subsets
    all_datasets = {id(d): d for s, d in _datasets_in(idx, text, a, b, a)
                    if not _in_brackets_after_dataset(text, s, idx)
                    and (s.start == a or _DATASET_PREP.search(text, max(a, s.start - 30), s.start))}  # fmt: skip
    groups = _group(cands, text)
    slots: list[_Slots] = []
    prev_end = a
    consumed: set[int] = set()  # datasets named after the previous numbers belong to them
    for gi, group in enumerate(groups):
        first, last = group[0].expr, group[-1].expr
        next_start = groups[gi + 1][0].expr.start if gi + 1 < len(groups) else b
        d_after, d_after_unsure = _after_dataset(text, last.end, next_start, idx, a)
        d_before, d_before_unsure = _before_datasets(text, prev_end, first.start, idx, a)
        clause = max(prev_end, *(text.rfind(ch, a, first.start) for ch in ",;:("))
        slots.append(_Slots(
            rel=_is_relative(text, a, b, first, last),
            after=_after_metric(text, last.end, next_start, idx),
            before=_before_metric(text, prev_end, first.start, idx),
            d_after=d_after, d_after_unsure=d_after_unsure,
            d_before=[d for d in d_before if id(d) not in consumed], d_before_unsure=d_before_unsure,
            unnamed=_unnamed_metric(text, clause, first.start, idx),
        ))  # fmt: skip
        consumed.update(id(d) for d in d_after)
        prev_end = last.end
    # metrics some number names in its own slot, with where that name ends
    claimed = {id(sl.after[0]): sl.after[3] for sl in slots if sl.after[0] is not None}
    claimed.update({id(sl.before[0]): -1 for sl in slots if sl.before[0] is not None})
    claimed_ds = {id(d): grp[-1].expr.end for grp, sl in zip(groups, slots, strict=True) for d in sl.d_after}
    out: list[Result] = []
    prev: tuple[list[_Cand], _Slots] | None = None
    prev_rel = False  # whether the previous group was read as relative, by its own cue or by its list
    for group, sl in zip(groups, slots, strict=True):
        parallel = prev is not None and _parallel(text, prev[0][-1].expr.end, group[0].expr.start)
        # "22.8% advantage in AUROC and 29.5% in recall": the second is relative too
        rel = sl.rel or (parallel and prev_rel and group[0].expr.unit == "%")
        first = group[0].expr
        if (first.unit == "%" and not rel and sl.after[0] is None and not sl.after[1]
                and _last_word(_strip_hedges(_words_before(text, a, first.start).rstrip())) in _SETTING_WORDS):
            prev = (group, sl)
            prev_rel = rel
            continue  # "with 20% missing voxels": a condition of the experiment, not its outcome
        for k, c in enumerate(group):
            e = c.expr
            c.relative = rel or (e.signed and e.value != 0)
            if c.metric is None:
                _choose_metric(c, k, group, text, idx, a, b, respectively, sl, claimed)
                if c.metric is None and not c.unsure and parallel and sl.after[2]:
                    # "88.0% success rate in controlled environments and 84.7% in real conditions"
                    pc = prev[0][-1]
                    c.metric, c.unsure = pc.metric, pc.unsure
            c.metric = _normalise_metric(c.metric, metrics)
            if c.metric is not None and c.metric.name in _UNIT_NAMES:
                c.unsure = True
            if c.metric is None and not c.relative and _aside(text, a, e):
                c.unsure = True  # "outperforming text-only (77.2%) and image-only (54.8%) baselines": a score of what?
            if c.metric is None and e.unit != "x" and (has_metric or _unnamed_metric(text, a, b, idx)):
                # the sentence names a metric this number was not tied to: it may well measure it, so "no
                # metric" would often be wrong (multiples are exempt: speed-ups and size ratios rarely name one)
                c.unsure = True
            if c.bare and c.metric is None:
                continue  # a bare number is a result only with its metric
            _choose_dataset(c, k, group, text, idx, a, b, respectively, sl, all_datasets, claimed_ds)
            if c.unsure:
                continue
            who = achiever(a, b, e.start)
            out.append(Result(
                value=e.value, unit=e.unit, relative=c.relative, text=text[e.start : e.end], start=e.start,
                end=e.end, metric=c.metric.name if c.metric else None, dataset=c.dataset.name if c.dataset else None,
                achieved_by=who.name if who else None, evidence=sent.strip(), rule=c.rule, confidence=c.confidence,
                high=e.high, plus_minus=e.plus_minus,
            ))  # fmt: skip
        prev = (group, sl)
        prev_rel = rel
    return out


def _aside(text: str, a: int, e: NumExpr) -> bool:
    """A number alone in brackets: "outperforming geometric (75.3%) and neural (60.2%) methods"."""
    before = text[a : e.start].rstrip()
    if not before.endswith("("):
        return False
    return text[e.end : e.end + 2].lstrip().startswith(")")


def _parallel(text: str, prev_end: int, start: int) -> bool:
    """The number continues a list begun by the previous one in the same clause
    ("... in AUROC and 29.5% in recall")."""
    gap = text[prev_end:start]
    tail = _strip_hedges(gap)
    return len(gap) < 60 and not _BREAK.search(gap) and _PARALLEL_END.search(tail, max(0, len(tail) - 12)) is not None


def _choose_metric(c: _Cand, k: int, group: list[_Cand], text: str, idx: SpanIndex, a: int, b: int,
                   respectively: bool, sl: _Slots, claimed: dict[int, int]) -> None:  # fmt: skip
    """Metric from the slot after the number, else before it, else the
    sentence's only metric in the same clause; unsure when a slot holds a
    metric that is no entity or the list is ambiguous."""
    a_met, a_unsure, a_empty, _ = sl.after
    b_met, b_unsure, b_other = sl.before
    if a_met is not None:
        c.metric = a_met
    elif a_unsure:
        c.unsure = True
    elif b_met is not None and not (respectively and len(group) > 1):
        c.metric = b_met
    elif b_unsure:
        c.unsure = True
    elif respectively and len(group) > 1:
        mets = _ordered_before(idx, a, group[0].expr.start, "Metric")
        if len(mets) == len(group):
            c.metric = mets[k]
        elif mets:
            c.unsure = True
    elif sl.unnamed:
        c.unsure = True
    elif a_empty and not b_other and not respectively:
        met, unsure = _fallback_metric(text, idx, a, b, c.expr.start)
        if met is not None and id(met) in claimed:
            # another number names it; borrow it only in an aside right behind that name
            end = claimed[id(met)]
            if end < 0 or end > c.expr.start or not _APPOSITION.fullmatch(text, end, c.expr.start):
                met = None
        if unsure:
            c.unsure = True
        elif met is not None:
            c.metric = met
            c.confidence = 0.65


def _take_dataset(c: _Cand, datasets: list[Entity], k: int, n: int, many: bool) -> None:
    """The k-th of n listed numbers takes the k-th of as many datasets
    ("respectively"), a lone number the one dataset; anything else is unsure."""
    if many and len(datasets) == n:
        c.dataset = datasets[k]
    elif len(datasets) == 1 and not many:
        c.dataset = datasets[0]
    else:
        c.unsure = True


def _choose_dataset(c: _Cand, k: int, group: list[_Cand], text: str, idx: SpanIndex, a: int, b: int,
                    respectively: bool, sl: _Slots, all_datasets: dict[int, Entity],
                    claimed: dict[int, int]) -> None:  # fmt: skip
    """Dataset from a bracket right after the number, else after the list
    ("on D"), else before it ("On D, ..."), else the sentence's only one when
    no other number names it as its own."""
    paren, paren_unsure = _paren_after(text, c.expr.end, idx)
    many = len(group) > 1 and respectively
    if paren is not None:
        c.dataset = paren
    elif paren_unsure:
        c.unsure = True
    elif sl.d_after:
        _take_dataset(c, sl.d_after, k, len(group), many)
        c.unsure = c.unsure or sl.d_after_unsure
    elif sl.d_after_unsure or sl.d_before_unsure:
        c.unsure = True
    elif sl.d_before:
        _take_dataset(c, sl.d_before, k, len(group), many)
    elif len(all_datasets) == 1 and not many:
        only = next(iter(all_datasets.values()))
        at = claimed.get(id(only))
        if at is not None and (at > c.expr.start or _BREAK.search(text, at, c.expr.start)):
            c.unsure = True  # another number, in another clause, is "on" it; this one may be elsewhere
        else:
            c.dataset = only
            c.confidence = min(c.confidence, 0.7)
    elif all_datasets or _unknown_dataset(text, a, b, idx):
        c.unsure = True


def _ordered_before(idx: SpanIndex, a: int, pos: int, etype: str) -> list[Entity]:
    """Distinct entities of one type named in [a, pos), in order."""
    out: list[Entity] = []
    for s in idx.within(a, pos):
        ent = s.of(etype)
        if ent is not None and ent not in out:
            out.append(ent)
    return out
