"""Records the extractors hand to the rest of kg.

Offsets index into ``document_text(title, abstract)``: the title, one newline,
then the abstract. That is the same length as the guideline's
``title + " " + abstract``, so offsets agree with the annotation convention.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ENTITY_TYPES: tuple[str, ...] = ("Method", "Model", "Dataset", "Metric", "Task")


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
