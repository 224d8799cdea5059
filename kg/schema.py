"""The graph schema: the single source of truth for node labels, relationship
types and their properties.

Both stores and every query in the docs take labels and relationship types from
here; text from papers never becomes a label or a type, so nothing from a paper
can reach Cypher except as a parameter.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

# -- node labels -------------------------------------------------------------
PAPER = "Paper"
AUTHOR = "Author"
VENUE = "Venue"
METHOD = "Method"
MODEL = "Model"
DATASET = "Dataset"
METRIC = "Metric"
TASK = "Task"
RESULT = "Result"

ENTITY_LABELS: tuple[str, ...] = (METHOD, MODEL, DATASET, METRIC, TASK)
NODE_LABELS: tuple[str, ...] = (PAPER, AUTHOR, VENUE, *ENTITY_LABELS, RESULT)

# Every node has this property; it is unique within its label.
KEY = "key"

# -- relationship types ------------------------------------------------------
PROPOSES = "PROPOSES"  # Paper -> entity the paper introduces
USES = "USES"  # Paper -> Method/Model it builds on
EVALUATES_ON = "EVALUATES_ON"  # Paper -> Dataset
MEASURES = "MEASURES"  # Paper -> Metric
ADDRESSES = "ADDRESSES"  # Paper -> Task
COMPARES_WITH = "COMPARES_WITH"  # Paper -> Method/Model baseline
MENTIONS = "MENTIONS"  # Paper -> entity named with no more specific relation read (background, training data)
CITES = "CITES"  # Paper -> Paper, from bibliographic metadata
BUILDS_ON = "BUILDS_ON"  # Paper -> Paper, inferred: A mentions what B proposes
AUTHORED = "AUTHORED"  # Author -> Paper
PUBLISHED_IN = "PUBLISHED_IN"  # Paper -> Venue
# entity-level relations read from sentences
USED_FOR = "USED_FOR"  # Method/Model -> Task
TRAINED_ON = "TRAINED_ON"  # Model -> Dataset
FINE_TUNED_ON = "FINE_TUNED_ON"  # Model -> Dataset
OUTPERFORMS = "OUTPERFORMS"  # Method/Model -> Method/Model
BENCHMARK_FOR = "BENCHMARK_FOR"  # Dataset -> Task
# results, as leaderboards keep them
REPORTS = "REPORTS"  # Paper -> Result
ON_DATASET = "ON_DATASET"  # Result -> Dataset
OF_METRIC = "OF_METRIC"  # Result -> Metric
ACHIEVED_BY = "ACHIEVED_BY"  # Result -> Method/Model

REL_TYPES: tuple[str, ...] = (
    PROPOSES, USES, EVALUATES_ON, MEASURES, ADDRESSES, COMPARES_WITH, MENTIONS, CITES, BUILDS_ON,
    AUTHORED, PUBLISHED_IN, USED_FOR, TRAINED_ON, FINE_TUNED_ON, OUTPERFORMS, BENCHMARK_FOR,
    REPORTS, ON_DATASET, OF_METRIC, ACHIEVED_BY,
)  # fmt: skip

# The relationship from a paper to an entity it mentions, by entity label,
# when the paper does not propose the entity and no relation was read for it.
MENTION_REL: dict[str, str] = {
    METHOD: USES,
    MODEL: USES,
    DATASET: EVALUATES_ON,
    METRIC: MEASURES,
    TASK: ADDRESSES,
}

# -- properties --------------------------------------------------------------
# Documented property names per label; stores write exactly these (plus KEY).
NODE_PROPERTIES: dict[str, tuple[str, ...]] = {
    PAPER: ("title", "abstract", "year", "date", "doi", "arxiv_id", "s2_id", "openalex_id", "url",
            "authors", "venue", "in_corpus", "sources"),
    AUTHOR: ("name",),
    VENUE: ("name",),
    **{label: ("name", "aliases", "paper_count") for label in ENTITY_LABELS},
    # value as written (90.97 for "90.97%"); high for ranges, plus_minus for "±";
    # best: the best absolute value on its (dataset, metric), by better ("higher"/"lower")
    RESULT: ("value", "unit", "relative", "text", "metric", "dataset", "achieved_by", "high", "plus_minus",
             "better", "best", "paper"),
}  # fmt: skip
# Properties every relationship read from text carries.
EVIDENCE_PROPERTIES: tuple[str, ...] = ("evidence", "extractor", "confidence")
REL_PROPERTIES: dict[str, tuple[str, ...]] = {
    **{t: EVIDENCE_PROPERTIES for t in REL_TYPES},
    CITES: ("source",),
    AUTHORED: ("position",),
    PUBLISHED_IN: (),
    BUILDS_ON: ("via", *EVIDENCE_PROPERTIES),
    # entity-level relations: the paper whose sentence says so (the latest, when several do)
    **{t: ("paper", *EVIDENCE_PROPERTIES) for t in ("USED_FOR", "TRAINED_ON", "FINE_TUNED_ON", "BENCHMARK_FOR")},
    OUTPERFORMS: ("dataset", "paper", *EVIDENCE_PROPERTIES),
}
# Relationships between entities read from one sentence.
ENTITY_REL_TYPES: tuple[str, ...] = (USED_FOR, TRAINED_ON, FINE_TUNED_ON, OUTPERFORMS, BENCHMARK_FOR)
# Paper -> entity relationships read from text.
PAPER_ENTITY_REL_TYPES: tuple[str, ...] = (PROPOSES, USES, EVALUATES_ON, MEASURES, ADDRESSES, COMPARES_WITH, MENTIONS)
# Which relationship joins which labels, for validation and the docs.
REL_ENDPOINTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    PROPOSES: ((PAPER,), ENTITY_LABELS),
    USES: ((PAPER,), (METHOD, MODEL)),
    EVALUATES_ON: ((PAPER,), (DATASET,)),
    MEASURES: ((PAPER,), (METRIC,)),
    ADDRESSES: ((PAPER,), (TASK,)),
    COMPARES_WITH: ((PAPER,), (METHOD, MODEL)),
    MENTIONS: ((PAPER,), ENTITY_LABELS),
    CITES: ((PAPER,), (PAPER,)),
    BUILDS_ON: ((PAPER,), (PAPER,)),
    AUTHORED: ((AUTHOR,), (PAPER,)),
    PUBLISHED_IN: ((PAPER,), (VENUE,)),
    USED_FOR: ((METHOD, MODEL), (TASK,)),
    TRAINED_ON: ((MODEL, METHOD), (DATASET,)),
    FINE_TUNED_ON: ((MODEL, METHOD), (DATASET,)),
    OUTPERFORMS: ((METHOD, MODEL), (METHOD, MODEL)),
    BENCHMARK_FOR: ((DATASET,), (TASK,)),
    REPORTS: ((PAPER,), (RESULT,)),
    ON_DATASET: ((RESULT,), (DATASET,)),
    OF_METRIC: ((RESULT,), (METRIC,)),
    ACHIEVED_BY: ((RESULT,), (METHOD, MODEL)),
}


@dataclass(frozen=True, slots=True)
class NodeRef:
    """A node's identity in every store: its label and its key."""

    label: str
    key: str

    @property
    def id(self) -> str:
        return node_id(self.label, self.key)


def node_id(label: str, key: str) -> str:
    """The NetworkX node id; stores that have labels use (label, key) instead."""
    return f"{label}:{key}"


def split_node_id(nid: str) -> NodeRef:
    label, _, key = nid.partition(":")
    if label not in NODE_LABELS:
        raise ValueError(f"not a kg node id: {nid!r}")
    return NodeRef(label, key)


# -- paper identity ----------------------------------------------------------
_WS = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?$")
_ARXIV_OLD = re.compile(r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.I)


def normalise_title(title: str) -> str:
    """Case, accents, punctuation and spacing removed: the dedup key for titles."""
    s = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    return _NON_WORD.sub(" ", s).strip()


def normalise_doi(doi: str | None) -> str | None:
    if not doi:
        return None
    d = doi.strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"):
        if d.startswith(prefix):
            d = d[len(prefix):]
    return d if d.startswith("10.") else None


def normalise_arxiv(arxiv_id: str | None) -> str | None:
    if not arxiv_id:
        return None
    a = arxiv_id.strip()
    for prefix in ("arXiv:", "arxiv:", "https://arxiv.org/abs/", "http://arxiv.org/abs/"):
        if a.startswith(prefix):
            a = a[len(prefix):]
    m = _ARXIV_NEW.search(a) or _ARXIV_OLD.search(a)
    return m.group(1) if m else None


def title_key(title: str) -> str:
    return hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()[:16]


def paper_key(
    *, id: str | None = None, doi: str | None = None, arxiv_id: str | None = None, title: str | None = None
) -> str:
    """A stable paper key: an input id kept as is, else DOI, arXiv id, or a hash
    of the normalised title, so the same paper from two files is one node."""
    if id:
        return str(id)
    if d := normalise_doi(doi):
        return f"doi:{d}"
    if a := normalise_arxiv(arxiv_id):
        return f"arxiv:{a}"
    if title and normalise_title(title):
        return f"title:{title_key(title)}"
    raise ValueError("a paper needs an id, a DOI, an arXiv id or a title")
