"""Where things are in an abstract: sentence spans and every place an entity is
named, so relation and result rules can work on offsets instead of re-parsing.

The extractor's own mentions are the start, but it records a name once per
rule that found it; names are searched again here so that every occurrence of
"HEF" or "accuracy" counts, and overlapping finds keep the longest name
("average accuracy" over "accuracy", "Swin Transformer" over "Transformer").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from .records import Entity

# Same cut as the entity rules: after . ! or ? before a capital, digit, quote or bracket; and at line breaks.
_HAS_DIGIT = re.compile(r"\d")
# (The stop is matched, not looked behind for, so the engine can skip to candidates; a cut starts after it.)
_SENT_END = re.compile(r"[.!?]([\"')\]]?\s+)(?=[A-Z0-9\"'(\[])|\n")


def flatten(text: str) -> str:
    """Hard-wrapped abstracts: line breaks after the title become spaces. Same
    length, so every offset still points into the original text."""
    nl = text.find("\n")
    if nl < 0 or ("\n" not in text[nl + 1 :] and "\r" not in text):
        return text
    return text[: nl + 1] + text[nl + 1 :].replace("\r", " ").replace("\n", " ")


@lru_cache(maxsize=8)
def sentences(text: str) -> tuple[tuple[int, int], ...]:
    """Sentence spans: the title line, then the abstract cut after sentence ends.
    A regular expression is enough for abstracts and costs far less than a parse.
    Cached for the last few texts: the entity rules and the relation reader
    ask for the same abstract's sentences one after the other."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        cut = m.start(1) if m.group(1) is not None else m.start()
        if cut > start:
            spans.extend(_cut_long(text, start, cut))
        start = m.end()
    if start < len(text):
        spans.extend(_cut_long(text, start, len(text)))
    return tuple(spans)


MAX_SENTENCE = 2000  # characters; real abstract sentences are far shorter


def _cut_long(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """A span cut at spaces into pieces of at most ``MAX_SENTENCE`` characters.
    Every mention keeps its sentence as evidence, so a 190k-character title
    with no sentence end would otherwise be copied once per mention (gigabytes)."""
    while end - start > MAX_SENTENCE:
        cut = text.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        yield start, cut
        start = cut + (text[cut] == " ")
    if end > start:
        yield start, end


@dataclass(slots=True)
class Span:
    """One place where one or more entities (same surface, different types) are named."""

    start: int
    end: int
    ents: tuple[Entity, ...]

    def of(self, *types: str) -> Entity | None:
        """The entity of one of ``types`` named here, proposed ones first."""
        best = None
        for e in self.ents:
            if e.type in types and (best is None or (e.proposed and not best.proposed)):
                best = e
        return best


def _case_sensitive(form: str) -> bool:
    """Acronyms and coined names ("SVD", "ProMoT") only match in their own case;
    plain phrases ("taxonomy expansion") also match capitalised in a title."""
    return len(form) < 4 or form[1:] != form[1:].lower() or _HAS_DIGIT.search(form) is not None


def _bounded(text: str, a: int, b: int) -> bool:
    """A find is a whole name: no letter or digit glued on either side, and no
    name going on through a joining mark ("mAP@0.5" is not in "mAP@0.5:0.95")."""
    if a > 0 and (text[a - 1].isalnum() or (text[a - 1] in "-@/" and a > 1 and text[a - 2].isalnum())):
        return False
    if b < len(text) and (text[b].isalnum() or (text[b] in ":@-/^_" and b + 1 < len(text) and text[b + 1].isalnum())):
        return False
    return True


def entity_spans(text: str, entities: list[Entity]) -> list[Span]:
    """Every non-overlapping occurrence of every entity's surface forms, sorted by
    start; the longest find wins an overlap, and finds with the same bounds merge."""
    lower = text.lower()
    found: dict[tuple[int, int], list[Entity]] = {}
    for ent in entities:
        for m in ent.mentions:
            if 0 <= m.start < m.end <= len(text) and _bounded(text, m.start, m.end):
                found.setdefault((m.start, m.end), []).append(ent)
        for form in {ent.name, *ent.aliases}:
            if len(form) < 2:
                continue
            hay, needle = (text, form) if _case_sensitive(form) else (lower, form.lower())
            i = hay.find(needle)
            while i >= 0:
                j = i + len(needle)
                if _bounded(text, i, j):
                    lst = found.setdefault((i, j), [])
                    if not any(x is ent for x in lst):
                        lst.append(ent)
                i = hay.find(needle, i + 1)
    spans: list[Span] = []
    last_end = -1
    for (a, b), ents in sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][0] - kv[0][1])):
        if a < last_end:
            continue  # inside a longer name already taken
        # a later, longer find that starts inside this one ("Llama 2" vs "2 7B") is rare; first come wins
        spans.append(Span(a, b, tuple({id(e): e for e in ents}.values())))
        last_end = b
    return spans


class SpanIndex:
    """Entity spans grouped for quick look-ups by offset range."""

    def __init__(self, spans: list[Span]) -> None:
        self.spans = spans
        self.starts = [s.start for s in spans]
        self.ends = [s.end for s in spans]  # non-overlapping and sorted by start, so sorted by end too

    def within(self, a: int, b: int) -> list[Span]:
        """Spans lying wholly inside [a, b)."""
        i = bisect.bisect_left(self.starts, a)
        out = []
        while i < len(self.spans) and self.spans[i].start < b:
            if self.spans[i].end <= b:
                out.append(self.spans[i])
            i += 1
        return out

    def covering(self, pos: int) -> Span | None:
        """The span that contains offset ``pos``, if any."""
        i = bisect.bisect_right(self.starts, pos) - 1
        if i >= 0 and self.spans[i].start <= pos < self.spans[i].end:
            return self.spans[i]
        return None

    def starting_at(self, pos: int) -> Span | None:
        i = bisect.bisect_left(self.starts, pos)
        if i < len(self.spans) and self.spans[i].start == pos:
            return self.spans[i]
        return None

    def ending_at(self, pos: int) -> Span | None:
        """The span ending exactly at ``pos``."""
        i = bisect.bisect_left(self.ends, pos)
        if i < len(self.spans) and self.spans[i].end == pos:
            return self.spans[i]
        return None
