"""Decoding and cleaning shared by readers: bad bytes and odd Unicode are
repaired and reported, never fatal."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from ..chars import CONTROL_RE as _CONTROL
from ..chars import INVISIBLE_RE as _INVISIBLE
from ..records import Paper, ReadReport

log = logging.getLogger(__name__)

_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u2028\u2029\u3000]+")


def clean_text(s: str | None) -> str:
    """One line of text, the same cleaning for every text field (titles,
    abstracts, ids, URLs, dates, names): hard-wrapped abstracts (arXiv wraps at
    80 columns) are joined, control characters become spaces, invisible ones
    go, NUL never survives."""
    if not s:
        return ""
    s = _INVISIBLE.sub("", unicodedata.normalize("NFC", str(s)))
    return _SPACES.sub(" ", _CONTROL.sub(" ", s)).strip()


def clean_paper(p: Paper) -> Paper:
    """Every text field of a paper and of its references cleaned by
    ``clean_text``, whichever reader made it; empty optional fields become None."""
    for f in _PAPER_TEXT:
        v = getattr(p, f)
        if isinstance(v, str):
            setattr(p, f, clean_text(v) or (None if f in _OPTIONAL else ""))
    p.authors = [a for a in (clean_text(a) for a in p.authors) if a]
    for ref in (*p.references, *p.cited_by):
        for f in _REF_TEXT:
            v = getattr(ref, f, None)
            if isinstance(v, str):
                setattr(ref, f, clean_text(v) or None)
    return p


_PAPER_TEXT = ("id", "title", "abstract", "doi", "arxiv_id", "s2_id", "openalex_id", "date", "venue", "url")
_OPTIONAL = frozenset(_PAPER_TEXT) - {"id", "title", "abstract"}
_REF_TEXT = ("id", "doi", "arxiv_id", "s2_id", "openalex_id", "title")


def not_text(value: object) -> str | None:
    """Why a field that should be text is not (a list, a number, an object), or None."""
    if value is None or isinstance(value, str):
        return None
    return f"is not text but {type(value).__name__}"


def decoded_lines(path: Path, report: ReadReport) -> Iterator[tuple[int, str]]:
    """Lines of a text file with their 1-based numbers. Lines that are not
    UTF-8 are decoded with replacement characters and reported once each."""
    with path.open("rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                line = raw.decode("utf-8", errors="replace")
                log.warning("%s:%d: invalid UTF-8 bytes replaced with U+FFFD", path, n)
            yield n, line.rstrip("\r\n")
