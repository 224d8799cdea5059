"""Paper-to-paper links: CITES edges from bibliographic metadata, and BUILDS_ON
edges inferred from what papers propose.

CITES: a reference that resolves to a paper in the corpus links the two; one
that does not becomes a Paper node marked ``in_corpus = false``, shared by every
paper that cites it (external papers are deduplicated by the same identifiers
as corpus papers). Self-citations and references with no identifier are
dropped and counted; mutual citations (2-cycles) are real in preprint-heavy
fields and are kept, only counted.

BUILDS_ON: when paper A's title or abstract names an entity that exactly one
corpus paper B proposes, A builds on B. Extractors over-mark "proposed" on
generic terms ("contrastive learning", "accuracy"), so only coined names count
(LoRA, BIG-bench, GPT-4, or the name before the colon of B's title), never
plain words, known generic acronyms, or names proposed by several papers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx

from . import schema as S
from .dedup import PaperIndex
from .records import Paper, PaperRef

log = logging.getLogger(__name__)

BUILDS_ON_EXTRACTOR = "proposes-link"
ARXIV_DOI_PREFIX = "10.48550/arxiv."
_OPENALEX_ID = re.compile(r"(?:https?://openalex\.org/)?([Ww]\d{2,12})$")
_S2_ID = re.compile(r"^[0-9a-fA-F]{40}$")


# -- identity ----------------------------------------------------------------
@dataclass(slots=True)
class CitedRef(PaperRef):
    """A reference that remembers which metadata source stated it, so the CITES
    edge can say where it came from (``source``)."""

    source: str | None = None


def openalex_short(value: object) -> str | None:
    """``W2741809807`` from an OpenAlex work URL or id; None for anything else
    (author ``A…`` or source ``S…`` ids are not works)."""
    if not isinstance(value, str):
        return None
    m = _OPENALEX_ID.match(value.strip())
    return m.group(1).upper() if m else None


def s2_short(value: object) -> str | None:
    """A Semantic Scholar paper id (40 hex digits, lower case) or None."""
    if not isinstance(value, str) or not _S2_ID.match(value.strip()):
        return None
    return value.strip().lower()


def arxiv_from_doi(doi: str | None) -> str | None:
    """arXiv's DataCite DOIs (``10.48550/arXiv.2106.09685``) carry the arXiv id."""
    d = S.normalise_doi(doi)
    if d and d.startswith(ARXIV_DOI_PREFIX):
        return S.normalise_arxiv(d[len(ARXIV_DOI_PREFIX) :])
    return None


def bib_key(
    *,
    doi: str | None = None,
    arxiv_id: str | None = None,
    s2_id: str | None = None,
    openalex_id: str | None = None,
    title: str | None = None,
) -> str:
    """The Paper key for bibliographic records: publisher DOI, then arXiv id
    (arXiv's own DOI counts as the arXiv id, so a preprint gets the same key
    from every source), then Semantic Scholar id, OpenAlex id, normalised title.
    The same paper read in separate runs gets the same key, so stores merge it.
    Raises ValueError when there is nothing to key on."""
    doi_n = S.normalise_doi(doi)
    arxiv_n = S.normalise_arxiv(arxiv_id) or arxiv_from_doi(doi_n)
    if doi_n and not doi_n.startswith(ARXIV_DOI_PREFIX):
        return f"doi:{doi_n}"
    if arxiv_n:
        return f"arxiv:{arxiv_n}"
    if doi_n:
        return f"doi:{doi_n}"
    if s2 := s2_short(s2_id):
        return f"s2:{s2}"
    if oa := openalex_short(openalex_id):
        return f"openalex:{oa}"
    return S.paper_key(title=title)


def ref_key(ref: PaperRef) -> str | None:
    """The key of a paper known only as a reference, or None if it has no
    identifier at all."""
    if ref.id:
        return str(ref.id)
    try:
        return bib_key(doi=ref.doi, arxiv_id=ref.arxiv_id, s2_id=ref.s2_id, openalex_id=ref.openalex_id,
                       title=ref.title)  # fmt: skip
    except ValueError:
        return None


# -- CITES -------------------------------------------------------------------
@dataclass
class CitationStats:
    """What ``add_citations`` did, for the log and for tests."""

    edges: int = 0  # CITES edges drawn
    external: int = 0  # Paper nodes known only as references (in_corpus = false)
    self_citations: int = 0  # references resolving to the citing paper: dropped
    unresolvable: int = 0  # references with no identifier at all: dropped
    duplicates: int = 0  # a citation stated again (both directions, two sources)
    mutual: int = 0  # pairs of papers citing each other (2-cycles): kept


def _merge_source(old: str | None, new: str) -> str:
    parts = set(filter(None, (old or "").split(","))) | {new}
    return ",".join(sorted(parts))


def add_citations(g: nx.MultiDiGraph, papers: Sequence[Paper]) -> CitationStats:
    """Draw CITES edges from every paper's ``references`` (outgoing) and
    ``cited_by`` (incoming). Idempotent: one edge per ordered pair; a citation
    stated by two sources lists both in ``source`` (comma-separated)."""
    stats = CitationStats()
    corpus = PaperIndex()
    for p in papers:
        corpus.add(p)
    draw_citations(g, papers, corpus, PaperIndex(), stats)
    stats.mutual = sum(1 for u, v, k in g.edges(keys=True) if k == S.CITES and u < v and g.has_edge(v, u, key=S.CITES))
    log.info(
        "CITES: %d edges, %d papers known only as references, %d self-citations and %d references "
        "without identifiers dropped, %d repeated, %d mutual pairs",
        stats.edges, stats.external, stats.self_citations, stats.unresolvable, stats.duplicates, stats.mutual,
    )  # fmt: skip
    return stats


def draw_citations(
    g: nx.MultiDiGraph, papers: Iterable[Paper], corpus, external, stats: CitationStats,
    is_corpus_node: Callable[[str], bool] | None = None,
) -> None:
    """The CITES edges of ``papers`` (the citing side; ``g`` holds their
    nodes), references resolved against ``corpus`` (the corpus papers) and
    ``external`` (papers known only as references, which this adds to). Both
    indexes answer ``find`` as :class:`kg.dedup.PaperIndex` does, and
    ``external`` takes ``add``, so a streamed build keeps them across chunks
    of papers. ``is_corpus_node(node id)``: whether that node is a corpus
    paper's (by default: it is in ``g`` with ``in_corpus`` set)."""
    from .graph import add_edge, add_node

    if is_corpus_node is None:
        def is_corpus_node(nid: str) -> bool:
            return nid in g and bool(g.nodes[nid].get("in_corpus"))

    for p in papers:
        node = S.node_id(S.PAPER, p.id)
        pairs = [(ref, True) for ref in p.references] + [(ref, False) for ref in p.cited_by]
        for ref, outgoing in pairs:
            other = _resolve_ref(g, ref, corpus, external, stats, add_node, is_corpus_node)
            if other is None:
                stats.unresolvable += 1
                continue
            if other == node:
                stats.self_citations += 1
                log.debug("%s: self-citation dropped", p.id)
                continue
            u, v = (node, other) if outgoing else (other, node)
            source = getattr(ref, "source", None) or "metadata"
            if g.has_edge(u, v, key=S.CITES):
                stats.duplicates += 1
                d = g.edges[u, v, S.CITES]
                d["source"] = _merge_source(d.get("source"), source)
            else:
                add_edge(g, u, v, S.CITES, source=source)
                stats.edges += 1


def _resolve_ref(g, ref: PaperRef, corpus: PaperIndex, external: PaperIndex, stats: CitationStats, add_node,
                 is_corpus_node: Callable[[str], bool]):  # fmt: skip
    """The node id a reference points to: a corpus paper, or an external paper
    node (created, or enriched with identifiers this reference adds)."""
    target = corpus.find(ref)
    if target is not None:
        return S.node_id(S.PAPER, target.id)
    found = external.find(ref)
    if found is None:
        key = ref_key(ref)
        if key is None:
            return None
        stub = Paper(id=key, title=ref.title or "", doi=S.normalise_doi(ref.doi),
                     arxiv_id=S.normalise_arxiv(ref.arxiv_id) or arxiv_from_doi(ref.doi),
                     s2_id=s2_short(ref.s2_id), openalex_id=openalex_short(ref.openalex_id), year=ref.year,
                     in_corpus=False)  # fmt: skip
        external.add(stub)
        found = stub
        stats.external += 1
    else:
        external.add(Paper(id=found.id, title=ref.title or "", doi=ref.doi, arxiv_id=ref.arxiv_id,
                           s2_id=s2_short(ref.s2_id), openalex_id=openalex_short(ref.openalex_id),
                           year=ref.year, in_corpus=False))  # fmt: skip
    nid = S.node_id(S.PAPER, found.id)
    if is_corpus_node(nid):
        return nid  # an input id that happens to equal the key: never demote a corpus paper
    add_node(g, S.PAPER, found.id, title=found.title or None, doi=found.doi, arxiv_id=found.arxiv_id,
             s2_id=found.s2_id, openalex_id=found.openalex_id, year=found.year, in_corpus=False)  # fmt: skip
    return nid


# -- BUILDS_ON ---------------------------------------------------------------
# Acronyms and words too common to name one paper's contribution.
GENERIC_NAMES = frozenset(
    """
    ai ml dl nlp cv rl llm llms lm lms plm plms vlm vlms mllm mllms slm lvlm lvlms cnn cnns rnn rnns gnn gnns gan gans
    vae vaes mlp mlps lstm gru svm knn pca sota api apis gpu gpus cpu tpu qa vqa asr tts ocr ner mt nmt kg kgs
    ir rag sft moe vit vits iot ood id iid auc roc map mse mae rmse bleu rouge f1 acc nas 2d 3d 4d rgb hd
    transformer transformers attention diffusion
    """.split()
)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-.+]*[A-Za-z0-9+]|[A-Za-z0-9]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])|\n")
_TITLE_LEAD = re.compile(r"^\s*([^:]{3,40}?)\s*:\s")


def tokens(text: str) -> list[re.Match]:
    return list(_TOKEN.finditer(text))


def _coined(token: str) -> bool:
    """A token nobody writes by accident: inner capitals (LoRA, MetaICL), two or
    more capitals (BIG, MMLU), or letters with digits (GPT-4, CIFAR-10)."""
    if not any(c.isalpha() for c in token):
        return False
    return any(c.isupper() for c in token[1:]) or any(c.isdigit() for c in token)


def title_lead(title: str | None) -> str | None:
    """The name before the colon of a title ("MetaICL: Learning to ..."), the
    usual place a paper names what it proposes."""
    m = _TITLE_LEAD.match(title or "")
    return m.group(1) if m and len(m.group(1).split()) <= 4 else None


def is_specific(surface: str, proposer_title: str | None = None) -> bool:
    """Whether a name can point at one paper: at least 3 characters, not a
    generic term, and coined (see ``_coined``) or the lead name of the
    proposing paper's title."""
    s = surface.strip()
    if len(s) < 3 or s.lower() in GENERIC_NAMES or S.normalise_title(s) in GENERIC_NAMES:
        return False
    if any(_coined(t.group(0)) for t in tokens(s)):
        return True
    lead = title_lead(proposer_title)
    return bool(lead) and lead.lower() == s.lower() and len(tokens(s)) == 1


_INTRODUCING = frozenset(
    """
    propose proposes proposed introduce introduces introduced present presents presented develop develops developed
    release releases released call calls called name names named dub dubs dubbed term terms termed coin coins coined
    design designs designed construct constructs constructed curate curates curated created
    introducing proposing presenting releasing
    """.split()
)
INTRO_WINDOW = 8  # tokens between "we propose" and the name
# What a citing paper says when a name is its own ("we introduce X", "which we
# call X"), not B's that it uses: "we present a study of BERT" uses BERT.
_DEFINING = frozenset("propose proposes proposed introduce introduces introduced call calls called name names named "
                      "dub dubs dubbed term terms termed coin coins coined".split())  # fmt: skip
DEFINE_WINDOW = 3


def introduces(text: str, surface: str, title: str | None = None, verbs: frozenset[str] = _INTRODUCING,
               window: int = INTRO_WINDOW, ignore_case: bool = False) -> bool:  # fmt: skip
    """Whether ``text`` (the proposing paper's title and abstract) names
    ``surface`` as its own: the lead name of its title ("LoRA: ..."), or the
    name within a few tokens after an introducing verb ("we introduce the
    Beyond the Imitation Game benchmark (BIG-bench)"), not as the tail of a
    longer name ("we propose Shopping MMLU" introduces "Shopping MMLU", not
    "MMLU") nor after an indefinite article ("we introduce a Mixture-of-Experts
    (MoE) network" introduces a network of a known kind). Extractors mark
    "proposed" on whatever a "we propose" sentence mentions; this keeps only
    names the paper itself introduces."""
    lead = title_lead(title)
    if lead and lead.lower() == surface.strip().lower():
        return True
    fold = str.lower if ignore_case else str
    want = tuple(fold(t.group(0)) for t in tokens(surface))
    if not want:
        return False
    for sentence in _SENTENCE_END.split(text):
        words = [t.group(0) for t in tokens(sentence)]
        for i in range(1, len(words) - len(want) + 1):
            if tuple(fold(w) for w in words[i : i + len(want)]) != want or words[i - 1].lower() in ("a", "an"):
                continue
            before = words[max(0, i - window) : i]
            if not any(w.lower() in verbs for w in before):
                continue
            prev = words[i - 1]
            if prev[:1].isupper() and prev.lower() not in verbs:
                continue  # the tail of a longer name
            return True
    return False


def sentence_at(text: str, pos: int) -> str:
    """The sentence of ``text`` around character ``pos``."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() >= pos:
            return text[start : m.start()].strip()
        start = m.end()
    return text[start:].strip()


@dataclass
class _Proposal:
    paper: str  # proposing paper's node id
    entity: str  # entity node id
    name: str
    confidence: float
    surfaces: tuple[str, ...] = ()  # its specific names
    year: int | None = None  # the proposing paper's


@dataclass
class BuildsOnStats:
    links: int = 0
    proposals: int = 0  # specific entities with exactly one proposing paper
    ambiguous: int = 0  # entities proposed by several papers: not used
    generic: int = 0  # entities whose every name is too generic: not used
    not_introduced: int = 0  # "proposed" names the proposing paper never introduces: not used
    anachronistic: int = 0  # A older than B: not linked
    by_via: dict[str, int] = field(default_factory=dict)


def _mention_rels() -> set[str]:
    return set(S.PAPER_ENTITY_REL_TYPES) - {S.PROPOSES}


def proposers(g: nx.MultiDiGraph, nid: str) -> list[tuple[str, dict]]:
    """The corpus papers with a PROPOSES edge to entity ``nid``, each with
    that edge's properties."""
    return [(u, data) for u, _, k, data in g.in_edges(nid, keys=True, data=True)
            if k == S.PROPOSES and g.nodes[u].get("in_corpus", True)]  # fmt: skip


def proposal(g: nx.MultiDiGraph, nid: str, b: str, edata: dict, verify: bool = True) -> _Proposal | str:
    """What entity ``nid``, proposed by paper ``b`` alone (the PROPOSES edge's
    properties ``edata``), offers BUILDS_ON: a proposal, or why not
    (``"generic"``, ``"not_introduced"``, as BuildsOnStats counts them). Reads
    the entity's name and aliases and b's title, abstract and year from ``g``."""
    d = g.nodes[nid]
    title = g.nodes[b].get("title")
    surfaces = sorted(s for s in {d.get("name") or "", *(d.get("aliases") or [])} if s and is_specific(s, title))
    # the name must point at one paper itself: the acronym of a generic long form
    # ("semi-supervised learning (SSL)") is no more specific than the long form
    if not surfaces or not is_specific(d.get("name") or "", title):
        return "generic"
    b_text = f"{title or ''}\n{g.nodes[b].get('abstract') or ''}"
    if verify and not any(introduces(b_text, s, title) for s in surfaces):
        return "not_introduced"
    return _Proposal(b, nid, d["name"], float(edata.get("confidence") or 0.5), tuple(surfaces),
                     g.nodes[b].get("year"))  # fmt: skip


@dataclass
class ProposalIndex:
    """The proposals BUILDS_ON links through: by entity node, by the tokens
    of each specific name (the first entity given a name keeps it), and the
    longest name (in tokens) starting with each token."""

    by_entity: dict[str, _Proposal] = field(default_factory=dict)
    names: dict[tuple[str, ...], _Proposal] = field(default_factory=dict)
    longest: dict[str, int] = field(default_factory=dict)


def index_proposals(found: Iterable[_Proposal]) -> ProposalIndex:
    """Proposals in entity node order."""
    index = ProposalIndex()
    for prop in found:
        index.by_entity[prop.entity] = prop
        for s in prop.surfaces:
            toks = tuple(t.group(0) for t in tokens(s))
            if toks:
                index.names.setdefault(toks, prop)
    for t in index.names:
        index.longest[t[0]] = max(index.longest.get(t[0], 0), len(t))
    return index


Mention = tuple[_Proposal, str | int, bool]  # proposal, evidence or where in the text it is, seen by the extractor


def paper_mentions(g: nx.MultiDiGraph, a: str, index: ProposalIndex) -> tuple[str, list[Mention]]:
    """Paper ``a``'s title and abstract, and what in them names a proposal:
    the extractor's mention edges from ``a``, then whole-token matches of a
    proposal's name in the text (longest first). The sentence of a text
    match is cut only if the match is kept (most are a paper's own names).
    A name ``a``'s own text introduces ("we propose meta-prompting") is a
    homonym of B's, not a use of it: left out."""
    mention_rels = _mention_rels()
    mentions: list[Mention] = []
    for _, x, k, data in g.out_edges(a, keys=True, data=True):
        if k in mention_rels and x in index.by_entity:
            mentions.append((index.by_entity[x], data.get("evidence") or "", True))
    d = g.nodes[a]
    text = f"{d.get('title') or ''}\n{d.get('abstract') or ''}"
    toks = tokens(text)
    words = [t.group(0) for t in toks]
    for i, w in enumerate(words):
        if w not in index.longest:
            continue
        for n in range(min(index.longest[w], len(words) - i), 0, -1):
            prop = index.names.get(tuple(words[i : i + n]))
            if prop is not None:
                mentions.append((prop, toks[i].start(), False))
                break
    if mentions:
        own: dict[str, bool] = {}
        title = d.get("title")
        def defines(prop: _Proposal) -> bool:
            return any(introduces(text, s, title, _DEFINING, DEFINE_WINDOW, ignore_case=True) for s in prop.surfaces)

        mentions = [m for m in mentions if not own.setdefault(m[0].entity, defines(m[0]))]
    return text, mentions


def pick_links(
    a: str, year: int | None, mentions: list[Mention], cites: Callable[[str], bool]
) -> tuple[dict[str, tuple[float, _Proposal, str | int]], set[str]]:
    """The BUILDS_ON links of paper ``a`` (published in ``year``): per
    proposing paper B, the best (confidence, proposal, evidence) of its
    mentions; and the B's left out for being newer than ``a``.
    ``cites(B)``: whether ``a`` cites B (worth 0.2)."""
    found: dict[str, tuple[float, _Proposal, str | int]] = {}  # B -> best (confidence, proposal, evidence)
    too_early: set[str] = set()
    for prop, evidence, seen_by_extractor in mentions:
        b = prop.paper
        if b == a or evidence == "":
            continue
        if isinstance(year, int) and isinstance(prop.year, int) and year < prop.year:
            too_early.add(b)
            continue
        conf = 0.5 * min(prop.confidence, 1.0) + (0.3 if seen_by_extractor else 0.2)
        conf += 0.2 if cites(b) else 0.0
        conf = round(min(conf, 1.0), 3)
        best = found.get(b)
        if best is None or (conf, prop.name) > (best[0], best[1].name):
            found[b] = (conf, prop, evidence)
    return found, too_early


def add_builds_on(g: nx.MultiDiGraph, papers: Iterable[Paper] | None = None, verify: bool = True) -> BuildsOnStats:
    """Add A -[:BUILDS_ON {via, evidence, extractor, confidence}]-> B where A
    mentions a specific entity that only B proposes.

    Works from the graph (PROPOSES and mention edges, paper titles and
    abstracts), so it holds whatever extractor drew those edges. A mention is
    either an extractor's edge from A to the entity, or the entity's name found
    in A's text as whole tokens (case-sensitive). ``papers`` restricts the
    citing side; by default every corpus paper in ``g``. With ``verify``, a
    proposal counts only if B's own text introduces the name (``introduces``).

    confidence = 0.5 x the PROPOSES confidence + 0.3 if the extractor also saw
    A's mention (0.2 for a text match only) + 0.2 if A's metadata cites B."""
    from .graph import add_edge

    stats = BuildsOnStats()
    found_proposals: list[_Proposal] = []
    for nid, d in g.nodes(data=True):
        if d.get("label") not in S.ENTITY_LABELS:
            continue
        by = proposers(g, nid)
        if not by:
            continue
        if len({u for u, _ in by}) > 1:
            stats.ambiguous += 1
            continue
        prop = proposal(g, nid, *by[0], verify=verify)
        if isinstance(prop, str):
            setattr(stats, prop, getattr(stats, prop) + 1)
            continue
        found_proposals.append(prop)
    index = index_proposals(found_proposals)
    stats.proposals = len(index.by_entity)
    if not index.by_entity:
        log.info("BUILDS_ON: no specific proposed entities")
        return stats

    citing = [S.node_id(S.PAPER, p.id) for p in papers] if papers is not None else [
        n for n, d in g.nodes(data=True) if d.get("label") == S.PAPER and d.get("in_corpus", True)]  # fmt: skip
    for a in dict.fromkeys(citing):
        if a not in g:
            continue
        text, mentions = paper_mentions(g, a, index)
        found, too_early = pick_links(a, g.nodes[a].get("year"), mentions,
                                      lambda b, a=a: g.has_edge(a, b, key=S.CITES))  # fmt: skip
        stats.anachronistic += len(too_early)
        for b, (conf, prop, evidence) in found.items():
            if isinstance(evidence, int):
                evidence = sentence_at(text, evidence)
            add_edge(g, a, b, S.BUILDS_ON, via=prop.name, evidence=evidence, extractor=BUILDS_ON_EXTRACTOR,
                     confidence=conf)  # fmt: skip
            stats.links += 1
            stats.by_via[prop.name] = stats.by_via.get(prop.name, 0) + 1
    log.info("BUILDS_ON: %d links through %d specific proposed entities (skipped: %d proposed by several papers, "
             "%d generic, %d not introduced by their paper)",
             stats.links, stats.proposals, stats.ambiguous, stats.generic, stats.not_introduced)  # fmt: skip
    return stats


def cites_pairs(g: nx.MultiDiGraph) -> set[tuple[str, str]]:
    """(citing key, cited key) of every CITES edge: handy for checks and tests."""
    out = set()
    for u, v, k in g.edges(keys=True):
        if k == S.CITES:
            out.add((g.nodes[u]["key"], g.nodes[v]["key"]))
    return out


__all__ = [
    "BUILDS_ON_EXTRACTOR", "BuildsOnStats", "CitationStats", "CitedRef", "ProposalIndex", "add_builds_on",
    "add_citations", "arxiv_from_doi", "bib_key", "cites_pairs", "draw_citations", "index_proposals", "is_specific",
    "openalex_short", "paper_mentions", "pick_links", "proposal", "proposers", "ref_key", "s2_short",
]  # fmt: skip
