"""One record per paper, however many files or sources mention it.

Papers are the same when they share an id, a DOI, an arXiv id, a Semantic
Scholar or OpenAlex id, or (when no strong identifier disagrees) a normalised
title. The first record's id wins, so ids given in the input stay stable; later
records fill in what the first lacked.
"""

from __future__ import annotations

from dataclasses import fields

from .records import Paper, PaperRef
from .schema import normalise_arxiv, normalise_doi, normalise_title

_STRONG = ("doi", "arxiv_id", "s2_id", "openalex_id")


def identifiers(p: Paper | PaperRef) -> list[tuple[str, str]]:
    """The (kind, value) pairs a paper can be looked up by, strongest first."""
    out: list[tuple[str, str]] = []
    if p.id:
        out.append(("id", str(p.id)))
    if d := normalise_doi(p.doi):
        out.append(("doi", d))
    if a := normalise_arxiv(p.arxiv_id):
        out.append(("arxiv_id", a))
    if p.s2_id:
        out.append(("s2_id", p.s2_id.lower()))
    if p.openalex_id:
        out.append(("openalex_id", p.openalex_id.rsplit("/", 1)[-1].upper()))
    if p.title and (t := normalise_title(p.title)):
        out.append(("title", t))
    return out


def _conflicts(a: Paper, b: Paper | PaperRef) -> bool:
    """Both carry the same kind of strong id with different values."""
    ida, idb = dict(identifiers(a)), dict(identifiers(b))
    return any(k in ida and k in idb and ida[k] != idb[k] for k in _STRONG)


class PaperIndex:
    def __init__(self) -> None:
        self._papers: list[Paper] = []
        self._by: dict[tuple[str, str], int] = {}
        self.conflicting_titles = 0

    def _find(self, p: Paper | PaperRef) -> int | None:
        for ident in identifiers(p):
            i = self._by.get(ident)
            if i is None or (ident[0] == "title" and _conflicts(self._papers[i], p)):
                continue
            return i
        return None

    def find(self, p: Paper | PaperRef) -> Paper | None:
        i = self._find(p)
        return None if i is None else self._papers[i]

    def conflict(self, paper: Paper) -> str | None:
        """What the report should say before ``paper`` joins the paper with its
        id: a different title means two records that disagree, so the merge
        keeps the first one's title and abstract together (never one's title
        with the other's abstract) and the user is told."""
        i = self._by.get(("id", str(paper.id))) if paper.id else None
        if i is None:
            return None
        found = self._papers[i]
        if _titles_differ(found, paper):
            first = found.sources[0] if found.sources else "an earlier record"
            return (f"duplicate record with a conflicting title (merged, first kept): {paper.id!r}, "
                    f"first read at {first}")  # fmt: skip
        return None

    def add(self, paper: Paper) -> bool:
        """Add a paper or merge it into the one it duplicates; True when new."""
        i = self._find(paper)
        if i is None:
            i = len(self._papers)
            self._papers.append(paper)
        else:
            found = self._papers[i]
            differ = _titles_differ(found, paper)
            self.conflicting_titles += differ
            _merge(found, paper, keep_text=differ)
        for ident in identifiers(self._papers[i]):
            self._by.setdefault(ident, i)
        return i == len(self._papers) - 1 and self._papers[i] is paper

    def papers(self) -> list[Paper]:
        return list(self._papers)


def _titles_differ(a: Paper, b: Paper) -> bool:
    return bool(a.title and b.title and normalise_title(a.title) != normalise_title(b.title))


def _merge(into: Paper, other: Paper, keep_text: bool = False) -> None:
    """Fill what ``into`` lacks from ``other``. With ``keep_text`` (the titles
    disagree) the first record's title and abstract stay together."""
    for f in fields(Paper):
        mine, theirs = getattr(into, f.name), getattr(other, f.name)
        if f.name == "in_corpus":
            into.in_corpus = mine or theirs
        elif isinstance(mine, list):
            for item in theirs:
                if item not in mine:
                    mine.append(item)
        elif not mine and theirs:
            setattr(into, f.name, theirs)
        elif f.name == "abstract" and not keep_text and theirs and len(theirs) > len(mine):
            into.abstract = theirs


def merge_record(into: Paper, other: Paper) -> None:
    """Merge a later record of the same paper into ``into`` as ``PaperIndex.add`` does."""
    _merge(into, other, keep_text=_titles_differ(into, other))
