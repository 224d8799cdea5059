"""JSON Lines and CSV with at least ``title`` and ``abstract``; optional
``id``, ``arxiv_id``, ``doi``, ``date``, ``year``, ``authors``, ``url``."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..records import Paper, ReadReport
from ..schema import normalise_arxiv, normalise_doi, paper_key
from . import register_reader
from ._text import clean_text, decoded_lines, not_text

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _authors(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        parts = value.split(";") if ";" in value else value.split(" and ") if " and " in value else [value]
    elif isinstance(value, list):
        parts = [a.get("name", "") if isinstance(a, dict) else str(a) for a in value]
    else:
        return []
    return [a for a in (clean_text(p) for p in parts) if a]


def _year(rec: dict) -> int | None:
    for k in ("year", "publication_year", "date", "published"):
        v = rec.get(k)
        if v is None:
            continue
        s = str(v)[:4]
        if s.isdigit() and 1000 < int(s) < 3000:
            return int(s)
    return None


def paper_from_record(rec: dict, where: str) -> tuple[Paper | None, str | None]:
    """A Paper from a flat record, or the reason it cannot be one."""
    for field in ("title", "abstract", "summary"):
        if why := not_text(rec.get(field)):
            return None, f"{field} {why}"
    title = clean_text(rec.get("title"))
    abstract = clean_text(rec.get("abstract") or rec.get("summary"))
    raw_id = clean_text(str(rec["id"])) if rec.get("id") not in (None, "") else None
    if not title and not (abstract and (raw_id or rec.get("doi") or rec.get("arxiv_id"))):
        return None, "missing title" if abstract or not raw_id else "missing title and abstract"
    doi = normalise_doi(str(rec["doi"])) if rec.get("doi") else None
    arxiv = normalise_arxiv(str(rec["arxiv_id"])) if rec.get("arxiv_id") else None
    paper = Paper(
        id=paper_key(id=raw_id or None, doi=doi, arxiv_id=arxiv, title=title),
        title=title,
        abstract=abstract,
        doi=doi,
        arxiv_id=arxiv,
        year=_year(rec),
        date=str(rec["date"]) if rec.get("date") else None,
        authors=_authors(rec.get("authors")),
        venue=clean_text(rec.get("venue")) or None,
        url=str(rec["url"]) if rec.get("url") else None,
        sources=[where],
    )
    return paper, None


def _sniff_jsonl(head: str) -> bool:
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    return first.lstrip().startswith("{") and '"title"' in first


@register_reader("jsonl", extensions=(".jsonl", ".ndjson", ".json"), sniff=_sniff_jsonl)
def read_jsonl(path: Path, report: ReadReport) -> Iterator[Paper]:
    """JSON Lines, or one JSON array of records."""
    from ._bibjson import iter_json_records

    for rec in iter_json_records(path, report):
        if not isinstance(rec.value, dict):
            rec.skip(report, path, f"not a JSON object: {type(rec.value).__name__}")
            continue
        paper, why = paper_from_record(rec.value, rec.where)
        if paper is None:
            rec.skip(report, path, why or "unusable record")
        else:
            yield paper


@register_reader("csv", extensions=(".csv", ".tsv"))
def read_csv(path: Path, report: ReadReport) -> Iterator[Paper]:
    # Line ends go back on: a quoted field may hold line breaks ("deep\nlearning").
    lines = (line + "\n" for _, line in decoded_lines(path, report))
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    if not reader.fieldnames or "title" not in [f.strip().lower() for f in reader.fieldnames]:
        report.skip(path, 1, "no 'title' column in the header")
        return
    for row in reader:
        n = reader.line_num
        rec = {(k or "").strip().lower(): v for k, v in row.items()}
        paper, why = paper_from_record(rec, f"{path}:{n}")
        if paper is None:
            report.skip(path, n, why or "unusable record")
        else:
            yield paper
