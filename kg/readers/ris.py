"""RIS (``.ris``, as reference managers and publishers export it), parsed by
rispy.

Fields read: ``TI``/``T1`` (title), ``AB``/``N2`` (abstract), ``DO`` (DOI),
``PY``/``Y1``/``DA`` (year), ``AU``/``A1`` (authors, "Last, First"),
``T2``/``JO``/``JF``/``J2`` (venue), ``UR`` (URL; an arxiv.org URL gives the
arXiv id). rispy drops a record that never reaches its ``ER`` tag without
saying so; the records started (``TY`` lines) are counted so that loss is
reported.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import rispy

from ..citations import arxiv_from_doi, bib_key
from ..records import Paper, ReadReport
from ..schema import normalise_arxiv, normalise_doi
from . import register_reader
from ._bibjson import first_last, iso_date, year
from ._text import clean_text

log = logging.getLogger(__name__)

_TY = re.compile(r"^\s*TY  -", re.M)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?$", re.I)


def sniff(head: str) -> bool:
    return bool(_TY.search(head))


def _first(rec: dict, *keys: str) -> str:
    for k in keys:
        v = rec.get(k)
        if isinstance(v, list):
            v = next((x for x in v if isinstance(x, str) and x.strip()), None)
        if isinstance(v, str) and (s := clean_text(v)):
            return s
    return ""


def _arxiv(rec: dict, doi: str | None) -> str | None:
    for url in rec.get("urls") if isinstance(rec.get("urls"), list) else []:
        m = _ARXIV_URL.search(str(url))
        if m and (a := normalise_arxiv(m.group(1))):
            return a
    return arxiv_from_doi(doi)


def paper_from_ris(rec: dict[str, Any], where: str) -> tuple[Paper | None, str | None]:
    title = _first(rec, "title", "primary_title", "translated_title")
    if not title:
        return None, "missing title"
    doi = normalise_doi(_first(rec, "doi"))
    arxiv = _arxiv(rec, doi)
    authors = [first_last(a) for a in (rec.get("authors") or rec.get("first_authors") or []) if isinstance(a, str)]
    urls = [u for u in rec.get("urls") or [] if isinstance(u, str)]
    when = _first(rec, "year", "publication_year", "date")
    date = iso_date(_first(rec, "date"))
    return Paper(
        id=bib_key(doi=doi, arxiv_id=arxiv, title=title),
        title=title,
        abstract=_first(rec, "abstract", "notes_abstract"),
        doi=doi,
        arxiv_id=arxiv,
        year=year(when),
        date=date if date and len(date) == 10 else None,
        authors=[a for a in authors if a],
        venue=_first(rec, "secondary_title", "journal_name", "alternate_title3", "alternate_title1") or None,
        url=urls[0] if urls else None,
        sources=[where],
    ), None


@register_reader("ris", extensions=(".ris",), sniff=sniff)
def read_ris(path: Path, report: ReadReport) -> Iterator[Paper]:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    starts = [text.count("\n", 0, m.start()) + 1 for m in _TY.finditer(text)]
    try:
        records = rispy.loads(text)
    except Exception as e:  # rispy raises plain IOError/ValueError/KeyError on malformed files
        report.skip(path, None, f"unparsable RIS file: {type(e).__name__}: {str(e)[:80]}")
        return
    if len(records) < len(starts):
        lost = starts[len(records) :]
        report.skip(path, lost[0], f"RIS records without an end (ER) tag dropped: {len(lost)}")
    for i, rec in enumerate(records):
        line = starts[i] if i < len(starts) else None
        paper, why = paper_from_ris(rec, f"{path}:{line}" if line else str(path))
        if paper is None:
            report.skip(path, line, why or "unusable record")
        else:
            yield paper
