"""Records that flow through kg: papers as readers give them, and the report of
what a run skipped and why."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("kg")


@dataclass(slots=True)
class PaperRef:
    """A paper known by its identifiers, e.g. a reference in another paper's
    metadata. It may resolve to a paper in the corpus or stand on its own."""

    id: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    s2_id: str | None = None
    openalex_id: str | None = None
    title: str | None = None
    year: int | None = None


@dataclass(slots=True)
class Paper:
    id: str
    title: str
    abstract: str = ""
    doi: str | None = None
    arxiv_id: str | None = None
    s2_id: str | None = None
    openalex_id: str | None = None
    year: int | None = None
    date: str | None = None
    authors: list[str] = field(default_factory=list)
    venue: str | None = None
    url: str | None = None
    references: list[PaperRef] = field(default_factory=list)  # papers this one cites
    cited_by: list[PaperRef] = field(default_factory=list)  # papers that cite this one
    sources: list[str] = field(default_factory=list)  # "file:line" where it was read
    in_corpus: bool = True


@dataclass(slots=True)
class Skip:
    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass
class ReadReport:
    """What a read saw: counts per file, and every record it skipped with why.

    Readers call ``skip`` instead of raising, so one bad record never ends a run.
    """

    papers_read: int = 0
    duplicates: int = 0
    skipped: list[Skip] = field(default_factory=list)
    files: Counter = field(default_factory=Counter)

    def skip(self, path: Path | str, line: int | None, reason: str) -> None:
        s = Skip(str(path), line, reason)
        self.skipped.append(s)
        log.warning("skipped %s", s)

    def skip_reasons(self) -> Counter:
        """Reasons with the specifics (quoted values) cut off, for the summary."""
        return Counter(s.reason.split(":")[0] for s in self.skipped)
