"""OpenAlex works (the ``/works`` API entity): JSON Lines, a JSON array, or a
saved API page (``{"meta": ..., "results": [...]}``).

Fields read: ``id``, ``doi``, ``display_name``/``title``, ``publication_year``,
``publication_date``, ``authorships[].author.display_name`` (or
``raw_author_name``), ``primary_location.source.display_name`` (older dumps:
``host_venue.display_name``), ``abstract_inverted_index`` (rebuilt into text)
and ``referenced_works`` (references, drawn as CITES edges with
``source = "openalex"``). arXiv ids come from arXiv's DOI
(``10.48550/arxiv.…``) or an arxiv.org landing page, so preprints meet their
Semantic Scholar and arXiv records.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..citations import CitedRef, arxiv_from_doi, bib_key, openalex_short
from ..records import Paper, ReadReport
from ..schema import normalise_arxiv, normalise_doi
from . import register_reader
from ._bibjson import JsonRecord, as_list, defer_generic_json, iso_date, iter_json_records, text, year

log = logging.getLogger(__name__)

SOURCE = "openalex"
_SNIFF = re.compile(r'"id"\s*:\s*"https?://openalex\.org/W\d+"|"abstract_inverted_index"\s*:|"referenced_works"\s*:')
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?$", re.I)


def sniff(head: str) -> bool:
    return bool(_SNIFF.search(head))


def rebuild_abstract(index: Any) -> tuple[str, list[str]]:
    """Text from an ``abstract_inverted_index`` ({word: [positions]}), and what
    was wrong with it. OpenAlex indexes are sometimes gappy (positions never
    listed) or list two words at one position; the words present are kept in
    position order, the first word seen at a position wins."""
    problems: list[str] = []
    if not isinstance(index, dict):
        return "", ["abstract_inverted_index is not an object"] if index is not None else []
    at: dict[int, str] = {}
    clashes = bad = 0
    for word, positions in index.items():
        if not isinstance(positions, list):
            bad += 1
            continue
        for pos in positions:
            if not isinstance(pos, int) or isinstance(pos, bool) or pos < 0:
                bad += 1
            elif pos in at:
                clashes += 1
            else:
                at[pos] = word
    if at:
        missing = max(at) + 1 - len(at)
        if missing:
            problems.append(f"abstract inverted index has gaps: {missing} of {max(at) + 1} word positions missing")
    if clashes:
        problems.append(f"abstract inverted index repeats positions: {clashes} words dropped")
    if bad:
        problems.append(f"abstract inverted index has invalid positions: {bad} dropped")
    return text(" ".join(at[i] for i in sorted(at))), problems


def _arxiv_from_locations(rec: dict) -> str | None:
    locations = [rec.get("primary_location"), rec.get("best_oa_location"), *as_list(rec.get("locations"))]
    for loc in locations:
        if not isinstance(loc, dict):
            continue
        for k in ("landing_page_url", "pdf_url"):
            m = _ARXIV_URL.search(str(loc.get(k) or ""))
            if m and (a := normalise_arxiv(m.group(1))):
                return a
    return None


def _venue(rec: dict) -> str | None:
    for loc in (rec.get("primary_location"), rec.get("host_venue")):
        if isinstance(loc, dict):
            src = loc.get("source") if isinstance(loc.get("source"), dict) else loc
            if name := text(src.get("display_name")):
                return name
    return None


def _authors(rec: dict) -> list[str]:
    out = []
    for a in as_list(rec.get("authorships")):
        if not isinstance(a, dict):
            continue
        author = a.get("author") if isinstance(a.get("author"), dict) else {}
        if name := text(author.get("display_name")) or text(a.get("raw_author_name")):
            out.append(name)
    return out


def paper_from_work(r: JsonRecord, path: Path, report: ReadReport) -> Paper | None:
    """A Paper from one OpenAlex work, reporting what had to be dropped."""
    rec = r.value
    if not isinstance(rec, dict):
        r.skip(report, path, f"not a JSON object: {type(rec).__name__ if rec is not None else 'null'}")
        return None
    title = text(rec.get("display_name")) or text(rec.get("title"))
    if not title:
        r.skip(report, path, "missing title")
        return None
    ids = rec.get("ids") if isinstance(rec.get("ids"), dict) else {}
    wid = openalex_short(rec.get("id")) or openalex_short(ids.get("openalex"))
    doi = normalise_doi(str(rec.get("doi") or ids.get("doi") or ""))
    arxiv = arxiv_from_doi(doi) or _arxiv_from_locations(rec)
    abstract, problems = rebuild_abstract(rec.get("abstract_inverted_index"))
    if not abstract and isinstance(rec.get("abstract"), str):
        abstract = text(rec["abstract"])
    for why in problems:
        r.skip(report, path, why)
    refs: list[CitedRef] = []
    seen: set[str] = set()
    bad_refs = self_refs = 0
    for w in as_list(rec.get("referenced_works")):
        ref_id = openalex_short(w)
        if ref_id is None:
            bad_refs += 1
        elif ref_id == wid:
            self_refs += 1
        elif ref_id not in seen:
            seen.add(ref_id)
            refs.append(CitedRef(openalex_id=ref_id, source=SOURCE))
    if bad_refs:
        r.skip(report, path, f"unusable referenced_works entries dropped: {bad_refs}")
    if self_refs:
        r.skip(report, path, f"self-citation dropped: {wid}")
    location = rec.get("primary_location") if isinstance(rec.get("primary_location"), dict) else {}
    return Paper(
        id=bib_key(doi=doi, arxiv_id=arxiv, openalex_id=wid, title=title),
        title=title,
        abstract=abstract,
        doi=doi,
        arxiv_id=arxiv,
        openalex_id=wid,
        year=year(rec.get("publication_year")) or year(rec.get("publication_date")),
        date=iso_date(rec.get("publication_date")),
        authors=_authors(rec),
        venue=_venue(rec),
        url=str(location.get("landing_page_url") or "") or (f"https://doi.org/{doi}" if doi else None),
        references=list(refs),
        sources=[r.where],
    )


@register_reader(SOURCE, extensions=(".json", ".jsonl", ".ndjson"), sniff=sniff)
def read_openalex(path: Path, report: ReadReport) -> Iterator[Paper]:
    """Works one by one; a record that cannot be a paper is reported and skipped."""
    for r in iter_json_records(path, report, page_keys=("results",)):
        paper = paper_from_work(r, path, report)
        if paper is None:
            continue
        yield paper


defer_generic_json(sniff)
