"""BibTeX (``.bib``), parsed by bibtexparser 2.x: ``@string`` macros expanded,
LaTeX accents and braces decoded, names split into parts.

Fields read: ``title``, ``abstract``, ``doi``, arXiv id (``eprint`` with
``archivePrefix = arXiv``, an ``arxiv``/``arxivid`` field, "arXiv:…" in
``journal``, or an arxiv.org ``url``), ``year`` (or ``date``), ``author``,
``journal``/``booktitle`` (venue) and ``url``. Blocks bibtexparser cannot
parse, duplicate citation keys and entries with repeated fields are reported
and skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares as mw
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text  # bibtexparser's own LaTeX decoder

from ..citations import arxiv_from_doi, bib_key
from ..records import Paper, ReadReport
from ..schema import normalise_arxiv, normalise_doi
from . import register_reader
from ._bibjson import first_last, year
from ._text import clean_text

log = logging.getLogger(__name__)

_ARXIV_IN_TEXT = re.compile(r"arxiv[:\s/]*(?:abs/)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})", re.I)
_ARXIV_VENUE = re.compile(r"^\s*(?:arxiv|corr)\b", re.I)
# Names are split while braces still protect "{Barnes and Noble}", so the
# decoding middleware (which runs on plain strings only) never sees them.
_LATEX = LatexNodes2Text()


def _decode(latex: str) -> str:
    try:
        return _LATEX.latex_to_text(latex)
    except Exception:  # pylatexenc is tolerant, but a name must never end a run
        return latex.replace("{", "").replace("}", "")


def _fields(entry: Entry) -> dict[str, str]:
    """Field values by lower-case name, as clean text."""
    out: dict[str, str] = {}
    for f in entry.fields:
        v = f.value
        if isinstance(v, list):  # names, handled separately
            continue
        out.setdefault(f.key.lower(), clean_text(str(v)).replace("{", "").replace("}", ""))
    return out


def _authors(entry: Entry) -> list[str]:
    field = entry.fields_dict.get("author") or next(
        (f for k, f in entry.fields_dict.items() if k.lower() == "author"), None)  # fmt: skip
    if field is None:
        return []
    names = field.value if isinstance(field.value, list) else [field.value]
    out = []
    for n in names:
        if isinstance(n, mw.NameParts):
            name = clean_text(_decode(" ".join([*n.first, *n.von, *n.last, *n.jr])))
        else:
            name = first_last(_decode(str(n)))
        if name and name.lower() != "others":
            out.append(name)
    return out


def _arxiv(f: dict[str, str]) -> str | None:
    prefix = (f.get("archiveprefix") or f.get("eprinttype") or "").lower()
    if f.get("eprint") and (prefix == "arxiv" or not prefix):
        if a := normalise_arxiv(f["eprint"]):
            return a
    for k in ("arxiv", "arxivid"):
        if f.get(k) and (a := normalise_arxiv(f[k])):
            return a
    for k in ("journal", "url", "note", "howpublished"):
        m = _ARXIV_IN_TEXT.search(f.get(k) or "")
        if m and (a := normalise_arxiv(m.group(1))):
            return a
    return arxiv_from_doi(f.get("doi"))


def paper_from_entry(entry: Entry, path: Path) -> tuple[Paper | None, str | None]:
    """A Paper from one BibTeX entry, or why it cannot be one."""
    f = _fields(entry)
    title = f.get("title", "")
    if not title:
        return None, f"missing title: {entry.key}"
    doi = normalise_doi(f.get("doi"))
    arxiv = _arxiv(f)
    venue = f.get("journal") or f.get("booktitle") or None
    if venue and _ARXIV_VENUE.match(venue):
        venue = "arXiv"
    line = entry.start_line + 1 if entry.start_line is not None else None
    return Paper(
        id=bib_key(doi=doi, arxiv_id=arxiv, title=title),
        title=title,
        abstract=f.get("abstract", ""),
        doi=doi,
        arxiv_id=arxiv,
        year=year(f.get("year")) or year(f.get("date")),
        authors=_authors(entry),
        venue=venue,
        url=f.get("url") or None,
        sources=[f"{path}:{line}" if line else str(path)],
    ), None


@register_reader("bibtex", extensions=(".bib", ".bibtex"))
def read_bibtex(path: Path, report: ReadReport) -> Iterator[Paper]:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    library = bibtexparser.parse_string(
        text, append_middleware=[mw.SeparateCoAuthors(), mw.SplitNameParts(), mw.LatexDecodingMiddleware()])  # fmt: skip
    for block in library.failed_blocks:
        line = block.start_line + 1 if block.start_line is not None else None
        if isinstance(block, DuplicateBlockKeyBlock):
            report.skip(path, line, f"duplicate BibTeX key (later entry skipped): {block.key}")
        elif isinstance(block, DuplicateFieldKeyBlock):
            report.skip(path, line, f"BibTeX entry repeats a field: {', '.join(sorted(block.duplicate_keys))}")
        elif isinstance(block, ParsingFailedBlock):
            err = block.error
            why = " ".join(str(getattr(err, "abort_reason", "") or err).split())[:100] or type(err).__name__
            report.skip(path, line, f"unparsable BibTeX block: {why}")
        else:
            report.skip(path, line, f"BibTeX block not read: {type(block).__name__}")
    for entry in library.entries:
        paper, why = paper_from_entry(entry, path)
        if paper is None:
            report.skip(path, entry.start_line + 1 if entry.start_line is not None else None, why or "unusable entry")
        else:
            yield paper
