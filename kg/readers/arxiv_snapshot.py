"""The arXiv metadata snapshot (the public ``arxiv-metadata-oai-snapshot.json``):
JSON Lines, one record per paper, read as a stream because the full file is
several gigabytes.

Fields read: ``id`` (new ``2106.09685`` or old ``hep-ph/0703001`` style),
``title`` and ``abstract`` (hard-wrapped, joined here), ``authors_parsed``
(``[last, first, suffix]``; the ``authors`` string when absent), ``versions``
(the v1 ``created`` date is the paper's date), ``update_date`` (last resort
for the year), ``doi`` (the first, when several are listed) and
``journal-ref`` (the venue). ``categories`` are checked but not kept: Paper
has no field for them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from ..citations import bib_key
from ..records import Paper, ReadReport
from ..schema import normalise_arxiv, normalise_doi
from . import register_reader
from ._bibjson import JsonRecord, as_list, defer_generic_json, iso_date, iter_json_records, text
from ._text import clean_text

log = logging.getLogger(__name__)

_SNIFF = re.compile(r'"authors_parsed"\s*:|"submitter"\s*:.*"versions"\s*:', re.S)
_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")
_OLD_ID = re.compile(r"/(\d{2})(\d{2})\d{3}$")


def sniff(head: str) -> bool:
    return bool(_SNIFF.search(head))


def _authors(rec: dict) -> list[str]:
    parsed = rec.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        out = []
        for parts in parsed:
            if isinstance(parts, list) and parts:
                last, first, suffix = ([clean_text(p) if isinstance(p, str) else "" for p in parts] + ["", ""])[:3]
                if name := " ".join(p for p in (first, last, suffix) if p):
                    out.append(name)
        return out
    raw = text(rec.get("authors"))
    return [a.strip() for a in re.split(r",\s*|\s+and\s+", raw) if a.strip()] if raw else []


def _first_version_date(rec: dict) -> str | None:
    for v in as_list(rec.get("versions")):
        if isinstance(v, dict) and v.get("version") == "v1" and isinstance(v.get("created"), str):
            try:
                return parsedate_to_datetime(v["created"]).date().isoformat()
            except (TypeError, ValueError, IndexError):
                return None
    return None


def _year_from_id(arxiv_id: str) -> int | None:
    """arXiv ids start with YYMM (since 1991)."""
    m = _NEW_ID.match(arxiv_id) or _OLD_ID.search(arxiv_id)
    if not m:
        return None
    yy = int(m.group(1))
    return (1900 if yy >= 91 else 2000) + yy


def paper_from_snapshot(r: JsonRecord, path: Path, report: ReadReport) -> Paper | None:
    rec: Any = r.value
    if not isinstance(rec, dict):
        r.skip(report, path, f"not a JSON object: {type(rec).__name__ if rec is not None else 'null'}")
        return None
    raw_id = rec.get("id")
    if not isinstance(raw_id, str):
        # tools that round-trip the snapshot through CSV turn 0704.0001 into 704.0001
        r.skip(report, path, f"arXiv id is not a string: {raw_id!r}")
        return None
    arxiv_id = normalise_arxiv(raw_id)
    if arxiv_id is None:
        r.skip(report, path, f"malformed arXiv id: {raw_id[:40]!r}")
        return None
    title = text(rec.get("title"))
    if not title:
        r.skip(report, path, "missing title")
        return None
    if rec.get("categories") is not None and not isinstance(rec.get("categories"), str):
        r.skip(report, path, "categories is not a string (ignored)")
    dois = text(rec.get("doi")).split()
    doi = normalise_doi(dois[0]) if dois else None
    date = _first_version_date(rec)
    year = int(date[:4]) if date else _year_from_id(arxiv_id)
    if year is None and (d := iso_date(rec.get("update_date"))):
        year = int(d[:4])
    return Paper(
        id=bib_key(doi=doi, arxiv_id=arxiv_id, title=title),
        title=title,
        abstract=text(rec.get("abstract")),
        doi=doi,
        arxiv_id=arxiv_id,
        year=year,
        date=date,
        authors=_authors(rec),
        venue=text(rec.get("journal-ref")) or None,
        url=f"https://arxiv.org/abs/{arxiv_id}",
        sources=[r.where],
    )


@register_reader("arxiv-snapshot", extensions=(".json", ".jsonl", ".ndjson"), sniff=sniff)
def read_arxiv_snapshot(path: Path, report: ReadReport) -> Iterator[Paper]:
    for r in iter_json_records(path, report):
        paper = paper_from_snapshot(r, path, report)
        if paper is not None:
            yield paper


defer_generic_json(sniff)
