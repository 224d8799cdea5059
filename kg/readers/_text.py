"""Decoding and cleaning shared by readers: bad bytes and odd Unicode are
repaired and reported, never fatal."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from ..records import ReadReport

log = logging.getLogger(__name__)

# C0/C1 control characters other than tab and newline, and Unicode
# non-characters; they break JSON, HTML and terminal output downstream.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u2028\u2029\u3000]+")


def clean_text(s: str | None) -> str:
    """One line of text: hard-wrapped abstracts (arXiv wraps at 80 columns) are
    joined, control characters become spaces."""
    if not s:
        return ""
    s = _CONTROL.sub(" ", unicodedata.normalize("NFC", str(s)))
    return _SPACES.sub(" ", s).strip()



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
