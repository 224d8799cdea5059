"""Hugging Face papers listings saved as text: page furniture, then a title
line followed by its abstract line, repeated. Blank lines may separate them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..records import Paper, ReadReport
from ..schema import paper_key
from . import register_reader
from ._text import clean_text, decoded_lines

_FURNITURE = {
    "new",
    "subscribe",
    "daily papers",
    "byak and the research community",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "trending papers",
    "submit",
    "previous",
    "next",
}
_DATE = re.compile(r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?$")
_GLUED = re.compile(r"^Subscribe(?=\S)")
_SENTENCE_END = re.compile(r"[.!?]['\")\]]?$")


def is_furniture(line: str) -> bool:
    s = line.strip()
    return s.lower() in _FURNITURE or bool(_DATE.match(s))


def looks_like_abstract(line: str) -> bool:
    """Abstracts are long and end a sentence; titles are short and do not."""
    s = line.strip()
    if len(s) >= 400:
        return True
    return len(s) >= 120 and bool(_SENTENCE_END.search(s)) and s.count(". ") >= 1


def sniff(head: str) -> bool:
    lines = [ln for ln in head.splitlines() if ln.strip()][:8]
    return any(is_furniture(ln) or _GLUED.match(ln) for ln in lines) or (
        len(lines) >= 2 and not looks_like_abstract(lines[0]) and looks_like_abstract(lines[1])
    )


@register_reader("hf-listing", extensions=(".txt", ".md"), sniff=sniff)
def read_hf_listing(path: Path, report: ReadReport) -> Iterator[Paper]:
    title: tuple[int, str] | None = None
    for n, raw in decoded_lines(path, report):
        line = _GLUED.sub("", raw).strip()
        if not line or is_furniture(line):
            continue
        if looks_like_abstract(line):
            if title is None:
                report.skip(path, n, "abstract without a title line")
                continue
            tn, ttext = title
            title = None
            yield Paper(
                id=paper_key(title=ttext),
                title=ttext,
                abstract=clean_text(line),
                sources=[f"{path}:{tn}"],
            )
        else:
            if title is not None:
                report.skip(path, title[0], f"title without an abstract: {title[1][:60]!r}")
            text = clean_text(line)
            title = (n, text) if text else None
    if title is not None:
        report.skip(path, title[0], f"title without an abstract: {title[1][:60]!r}")
