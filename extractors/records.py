"""Records the extractors hand to the rest of kg.

Offsets index into ``document_text(title, abstract)``: the title, one newline,
then the abstract. That is the same length as the guideline's
``title + " " + abstract``, so offsets agree with the annotation convention.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ENTITY_TYPES: tuple[str, ...] = ("Method", "Model", "Dataset", "Metric", "Task")
PAPER_RELATION_TYPES: tuple[str, ...] = (
    "PROPOSES", "USES", "EVALUATES_ON", "MEASURES", "ADDRESSES", "COMPARES_WITH", "MENTIONS",
)  # fmt: skip
ENTITY_RELATION_TYPES: tuple[str, ...] = ("USED_FOR", "TRAINED_ON", "FINE_TUNED_ON", "OUTPERFORMS", "BENCHMARK_FOR")


def document_text(title: str, abstract: str) -> str:
    return f"{title}\n{abstract}"


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    text: str
    sentence: str


@dataclass(slots=True)
class Entity:
    type: str
    name: str
    aliases: list[str] = field(default_factory=list)
    proposed: bool = False
    confidence: float = 0.5
    mentions: list[Mention] = field(default_factory=list)
    extractor: str = "rules"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Entity:
        mentions = [Mention(**m) for m in d.get("mentions") or []]
        return cls(
            type=d["type"],
            name=d["name"],
            aliases=list(d.get("aliases") or []),
            proposed=bool(d.get("proposed", False)),
            confidence=float(d.get("confidence", 0.5)),
            mentions=mentions,
            extractor=d.get("extractor", "rules"),
        )


@dataclass(slots=True)
class Relation:
    """A typed link read from an abstract. Paper-level relations (PROPOSES, USES,
    EVALUATES_ON, MEASURES, ADDRESSES, COMPARES_WITH, MENTIONS) have ``head`` None:
    the paper itself. Entity-level ones (USED_FOR, TRAINED_ON, FINE_TUNED_ON,
    OUTPERFORMS, BENCHMARK_FOR) join two entities named by ``Entity.name``."""

    type: str
    head: str | None
    head_type: str | None
    tail: str
    tail_type: str
    evidence: str  # the sentence that states it
    rule: str  # which rule produced it, e.g. "outperforms-verb"
    confidence: float
    dataset: str | None = None  # OUTPERFORMS: where, when the sentence says

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Result:
    """A number the abstract reports as an outcome (a score, an error, a
    speed-up, an improvement), with what it measures and where, when the
    sentence says. ``start``/``end`` index into ``document_text``."""

    value: float
    unit: str  # "%", "x", "pp", "points", "" or as written ("ms", "s", "dB", ...)
    relative: bool  # a change against something else, not an absolute score
    text: str  # verbatim span of the number expression
    start: int
    end: int
    metric: str | None  # Entity.name of a Metric entity
    dataset: str | None  # Entity.name of a Dataset entity
    achieved_by: str | None  # Entity.name of a Method/Model entity
    evidence: str
    rule: str
    confidence: float
    high: float | None = None  # upper end of a range ("18-25%")
    plus_minus: float | None = None  # "85.3 ± 0.4"

    def to_dict(self) -> dict:
        return asdict(self)
