"""Semantic Scholar: Graph API paper records, and the SPECTER citation sample.

``semantic_scholar``: paper objects as the Graph API returns them (JSON Lines,
a batch response array with ``null`` for unknown ids, or a page
``{"data": [...]}``). Fields read: ``paperId``, ``externalIds`` (``DOI``,
``ArXiv``, ``CorpusId``), ``title``, ``abstract``, ``year``,
``publicationDate``, ``authors[].name``, ``venue`` (or ``publicationVenue.name``
/ ``journal.name``), ``url``, and ``references`` / ``citations``: lists of
paper objects whose ``paperId`` may be null (S2 keeps unmatched references by
title). Both lists become CITES edges (``source = "semantic_scholar"``), in
the right direction.

``specter``: the SPECTER training sample (a folder with ``metadata.json``,
``{id: {paper_id, title, abstract}}``, and ``data.json``,
``{query_id: {candidate_id: {"count": 5 | 1}}}``). Count 5 means the query
paper cites the candidate; count 1 means a citation of a citation, which is
not a citation and draws no edge. Query papers have no metadata and become
papers known only as references (``in_corpus = false``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..citations import CitedRef, arxiv_from_doi, bib_key, s2_short
from ..records import Paper, ReadReport
from ..schema import normalise_arxiv, normalise_doi, normalise_title
from . import register_reader
from ._bibjson import JsonRecord, as_list, defer_generic_json, iso_date, iter_json_records, text, year

log = logging.getLogger(__name__)

SOURCE = "semantic_scholar"
SPECTER_SOURCE = "specter"
DIRECT_CITATION = 5
CITATION_OF_CITATION = 1

_SNIFF = re.compile(r'"paperId"\s*:')
_SPECTER = re.compile(r'^\s*\{\s*"[0-9a-f]{40}"\s*:\s*\{', re.S)


def sniff(head: str) -> bool:
    return bool(_SNIFF.search(head))


def _ids(rec: dict) -> tuple[str | None, str | None]:
    """(DOI, arXiv id) from ``externalIds`` (or a flat ``doi``/``arxivId``, as
    the older v1 API had)."""
    ext = rec.get("externalIds") if isinstance(rec.get("externalIds"), dict) else {}
    doi = normalise_doi(str(ext.get("DOI") or rec.get("doi") or ""))
    arxiv = normalise_arxiv(str(ext.get("ArXiv") or rec.get("arxivId") or "")) or arxiv_from_doi(doi)
    return doi, arxiv


def _ref(item: Any, wrapper: str) -> CitedRef | None:
    """A reference or citation entry; the ``/references`` endpoint wraps each
    in ``citedPaper`` and ``/citations`` in ``citingPaper``."""
    if isinstance(item, dict) and isinstance(item.get(wrapper), dict):
        item = item[wrapper]
    if not isinstance(item, dict):
        return None
    doi, arxiv = _ids(item)
    ref = CitedRef(s2_id=s2_short(item.get("paperId")), doi=doi, arxiv_id=arxiv, title=text(item.get("title")) or None,
                   year=year(item.get("year")), source=SOURCE)  # fmt: skip
    return ref if (ref.s2_id or ref.doi or ref.arxiv_id or ref.title) else None


def paper_from_s2(r: JsonRecord, path: Path, report: ReadReport) -> Paper | None:
    """A Paper from one Graph API paper object, reporting what was dropped."""
    rec = r.value
    if rec is None:
        r.skip(report, path, "null record (an id the API did not know)")
        return None
    if not isinstance(rec, dict):
        r.skip(report, path, f"not a JSON object: {type(rec).__name__}")
        return None
    title = text(rec.get("title"))
    if not title:
        r.skip(report, path, "missing title")
        return None
    s2_id = s2_short(rec.get("paperId"))
    if rec.get("paperId") and not s2_id:
        r.skip(report, path, f"malformed paperId ignored: {str(rec.get('paperId'))[:50]!r}")
    doi, arxiv = _ids(rec)
    own = {x for x in (s2_id, doi, arxiv) if x}
    refs: dict[str, list[CitedRef]] = {"references": [], "citations": []}
    for field, wrapper in (("references", "citedPaper"), ("citations", "citingPaper")):
        dropped = selfs = 0
        for item in as_list(rec.get(field)):
            ref = _ref(item, wrapper)
            if ref is None:
                dropped += 1
            elif own & {ref.s2_id, ref.doi, ref.arxiv_id}:
                selfs += 1
            elif ref not in refs[field]:
                refs[field].append(ref)
        if dropped:
            r.skip(report, path, f"{field} without any identifier dropped: {dropped}")
        if selfs:
            r.skip(report, path, f"self-citation dropped: {s2_id or doi or arxiv}")
    venue = text(rec.get("venue"))
    for k in ("publicationVenue", "journal"):
        if not venue and isinstance(rec.get(k), dict):
            venue = text(rec[k].get("name"))
    authors = [text(a.get("name")) for a in as_list(rec.get("authors")) if isinstance(a, dict)]
    return Paper(
        id=bib_key(doi=doi, arxiv_id=arxiv, s2_id=s2_id, title=title),
        title=title,
        abstract=text(rec.get("abstract")),
        doi=doi,
        arxiv_id=arxiv,
        s2_id=s2_id,
        year=year(rec.get("year")) or year(rec.get("publicationDate")),
        date=iso_date(rec.get("publicationDate")),
        authors=[a for a in authors if a],
        venue=venue or None,
        url=text(rec.get("url")) or None,
        references=list(refs["references"]),
        cited_by=list(refs["citations"]),
        sources=[r.where],
    )


@register_reader(SOURCE, extensions=(".json", ".jsonl", ".ndjson"), sniff=sniff)
def read_semantic_scholar(path: Path, report: ReadReport) -> Iterator[Paper]:
    """Paper objects one by one; bad ones are reported and skipped."""
    titles: dict[str, str] = {}
    for r in iter_json_records(path, report, page_keys=("data",)):
        paper = paper_from_s2(r, path, report)
        if paper is None:
            continue
        if paper.s2_id:
            first = titles.setdefault(paper.s2_id, normalise_title(paper.title))
            if first != normalise_title(paper.title):
                r.skip(report, path, f"duplicate record with a conflicting title (merged, first kept): {paper.s2_id}")
        yield paper


# -- the SPECTER sample ----------------------------------------------------------
def sniff_specter(head: str) -> bool:
    """``{"<40 hex>": {`` opens both metadata.json and data.json."""
    return bool(_SPECTER.match(head))


def _load(path: Path, report: ReadReport) -> dict | None:
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig", errors="replace"))
    except json.JSONDecodeError as e:
        report.skip(path, e.lineno, f"malformed JSON: {e.msg}")
        return None
    if not isinstance(doc, dict):
        report.skip(path, None, f"not a JSON object: {type(doc).__name__}")
        return None
    return doc


def direct_citations(data: dict, path: Path, report: ReadReport) -> dict[str, list[str]]:
    """candidate id -> the query ids that cite it (count 5 only)."""
    cited_by: dict[str, list[str]] = {}
    skipped_hops = 0
    for query, candidates in data.items():
        q = s2_short(query)
        if q is None or not isinstance(candidates, dict):
            report.skip(path, None, f"malformed query entry: {str(query)[:50]!r}")
            continue
        for cand, info in candidates.items():
            c = s2_short(cand)
            count = info.get("count") if isinstance(info, dict) else None
            if c is None or count not in (DIRECT_CITATION, CITATION_OF_CITATION):
                report.skip(path, None, f"malformed candidate entry: {query}/{str(cand)[:50]}")
            elif c == q:
                report.skip(path, None, f"self-citation dropped: {q}")
            elif count == DIRECT_CITATION:
                cited_by.setdefault(c, []).append(q)
            else:
                skipped_hops += 1
    log.debug("%s: %d citation-of-citation pairs are not edges", path, skipped_hops)
    return cited_by


@register_reader("specter", extensions=(".json",), sniff=sniff_specter)
def read_specter(path: Path, report: ReadReport) -> Iterator[Paper]:
    """Papers of ``metadata.json`` with the direct citations of the sibling
    ``data.json``. The other files of the folder (data.json itself, edges.tsv,
    the split lists) hold no papers and are passed over, so
    ``kg build FOLDER --format specter`` works."""
    if path.name == "data.json":
        if not (path.parent / "metadata.json").is_file():
            report.skip(path, None, "SPECTER data.json without metadata.json beside it")
        return
    if path.suffix.lower() != ".json":
        log.debug("%s: not part of the SPECTER format, passed over", path)
        return
    meta = _load(path, report)
    if meta is None:
        return
    data_path = path.parent / "data.json"
    cited_by: dict[str, list[str]] = {}
    if data_path.is_file():
        data = _load(data_path, report)
        cited_by = direct_citations(data, data_path, report) if data else {}
    else:
        report.skip(path, None, "no data.json beside metadata.json: papers read without citations")
    present: set[str] = set()
    for i, (key, rec) in enumerate(meta.items(), 1):
        where = f"{path}#{i}"
        pid = s2_short(rec.get("paper_id") if isinstance(rec, dict) and rec.get("paper_id") else key)
        title = text(rec.get("title")) if isinstance(rec, dict) else ""
        if pid is None or not title:
            report.skip(path, None, f"{'missing title' if pid else 'malformed paper id'}: {str(key)[:50]}")
            continue
        if isinstance(rec, dict) and s2_short(key) and s2_short(key) != pid:
            report.skip(path, None, f"paper_id disagrees with its key, key ignored: {key}")
        present.add(pid)
        yield Paper(
            id=bib_key(s2_id=pid),
            title=title,
            abstract=text(rec.get("abstract")),
            s2_id=pid,
            url=f"https://www.semanticscholar.org/paper/{pid}",
            cited_by=[CitedRef(s2_id=q, source=SPECTER_SOURCE) for q in cited_by.get(pid, [])],
            sources=[where],
        )
    missing = sorted(set(cited_by) - present)
    for c in missing:
        report.skip(data_path, None, f"direct citation of a paper missing from metadata.json: {c}")


defer_generic_json(sniff)
defer_generic_json(sniff_specter)
