"""Readers turn input files into ``Paper`` records.

Each reader is registered by name with the file extensions it claims; the
format is picked by ``--format`` or else by extension. A reader never raises on
a bad record: it tells the ``ReadReport`` what it skipped and goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..records import Paper, ReadReport
from ._text import clean_paper

log = logging.getLogger(__name__)

ReaderFn = Callable[[Path, ReadReport], Iterator[Paper]]


@dataclass(frozen=True)
class Reader:
    name: str
    extensions: tuple[str, ...]
    read: ReaderFn
    sniff: Callable[[str], bool] | None = None  # look at the first KiB when the extension is ambiguous


_READERS: dict[str, Reader] = {}


def register_reader(
    name: str, extensions: Iterable[str] = (), sniff: Callable[[str], bool] | None = None
) -> Callable[[ReaderFn], ReaderFn]:
    def deco(fn: ReaderFn) -> ReaderFn:
        _READERS[name] = Reader(name, tuple(e.lower() for e in extensions), fn, sniff)
        return fn

    return deco


def reader_names() -> list[str]:
    return sorted(_READERS)


def get_reader(name: str) -> Reader:
    try:
        return _READERS[name]
    except KeyError:
        raise KeyError(f"unknown format {name!r}; known: {', '.join(reader_names())}") from None


def _head(path: Path) -> str:
    with path.open("rb") as f:
        return f.read(4096).decode("utf-8", errors="replace")


def reader_for(path: Path, fmt: str | None = None) -> Reader:
    if fmt:
        return get_reader(fmt)
    suffixes = [s.lower() for s in path.suffixes]
    ext = "".join(suffixes[-2:]) if len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    candidates = [r for r in _READERS.values() if ext in r.extensions or (suffixes and suffixes[-1] in r.extensions)]
    if len(candidates) > 1:
        head = _head(path)
        sniffed = [r for r in candidates if r.sniff and r.sniff(head)]
        candidates = sniffed or [r for r in candidates if r.sniff is None] or candidates
    if not candidates:
        raise KeyError(f"no reader for {path.name!r}; pass --format ({', '.join(reader_names())})")
    return candidates[0]


def expand_inputs(inputs: Iterable[Path | str], report: ReadReport) -> Iterator[Path]:
    """Files named, and the files inside directories named; what cannot be read
    is reported, not raised."""
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            if not files:
                report.skip(path, None, "empty directory")
            yield from files
        elif path.is_file():
            yield path
        elif path.exists():
            report.skip(path, None, "not a regular file")
        else:
            report.skip(path, None, "file does not exist")


def iter_records(inputs: Iterable[Path | str], fmt: str | None, report: ReadReport) -> Iterator[tuple[Path, Paper]]:
    """Every record of every input with its file, cleaned, in order, not yet
    merged (the streaming build merges them on disk); bad ones go to ``report``."""
    for path in expand_inputs(inputs, report):
        try:
            reader = reader_for(path, fmt)
        except KeyError as e:
            report.skip(path, None, f"unknown format: {e.args[0]}")
            continue
        before = report.papers_read
        try:
            for paper in reader.read(path, report):
                clean_paper(paper)
                if not paper.id:
                    report.skip(path, _line_of(paper), "id has no printable characters")
                    continue
                report.papers_read += 1
                yield path, paper
        except (OSError, UnicodeError) as e:
            report.skip(path, None, f"unreadable file: {e}")
        report.files[str(path)] = report.papers_read - before
        if report.files[str(path)] == 0 and path.stat().st_size == 0:
            report.skip(path, None, "empty file")
        elif report.files[str(path)] == 0:
            # e.g. the side files of a folder format; real problems were reported as skips
            log.info("%s: no papers read", path)


def read_papers(
    inputs: Iterable[Path | str], fmt: str | None = None, report: ReadReport | None = None
) -> tuple[list[Paper], ReadReport]:
    """Read every input, merging papers that are the same paper (same id, DOI,
    arXiv id or normalised title) into one record."""
    from ..dedup import PaperIndex

    report = report if report is not None else ReadReport()
    index = PaperIndex()
    for path, paper in iter_records(inputs, fmt, report):
        if conflict := index.conflict(paper):
            report.skip(path, _line_of(paper), conflict)
        if not index.add(paper):
            report.duplicates += 1
    return index.papers(), report


def _line_of(paper: Paper) -> int | None:
    where = paper.sources[-1] if paper.sources else ""
    line = where.rsplit(":", 1)[-1]
    return int(line) if line.isdigit() else None


# Register the built-in readers.
from . import hf_listing, tabular  # noqa: E402,F401

from . import arxiv_snapshot, bibtex, openalex, ris, semantic_scholar  # noqa: E402,F401  # isort: skip
