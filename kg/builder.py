"""``kg build`` into a graph directory, in stages: read, merge with the papers
the directory already holds, extract the chunks that have no shard yet (here
or on Dask), resolve and lay out the graph of all of them, write.

Because every stage after reading works from what the directory keeps
(``kg.shards``), a second build into a directory gives the graph one build of
all its inputs gives, and a build that was killed resumes: the rerun extracts
only the chunks whose shards are missing.
"""

from __future__ import annotations

import fcntl
import itertools
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from .records import Paper
from .shards import (
    PAPERS_FILE,
    MissingShard,
    ShardStore,
    chunk_papers,
    decode_chunk,
    extraction_fingerprint,
    iter_chunks,
    iter_paper_file,
    iter_paper_lines,
    iter_papers,
    load_papers,
    save_papers,
)

log = logging.getLogger(__name__)

BUILD_LOCK = ".kg-build.lock"
CSV_DIR = "neo4j-import"  # where --backend csv writes the files neo4j-admin imports

# What laying out the graph in memory takes per paper: 2.5 GiB peak for the 50k
# arXiv file (docs/scale.md). KG_BYTES_PER_PAPER overrides the estimate.
BYTES_PER_PAPER = 50_000


class TooLargeForMemory(ValueError):
    """The graph would not fit in this machine's memory."""


def check_fits_in_memory(n_papers: int, where: str) -> None:
    """Refuse, before any extraction, a graph that cannot be laid out in the
    memory this machine has free, naming the way that does not need it."""
    import psutil

    per_paper = int(os.environ.get("KG_BYTES_PER_PAPER") or BYTES_PER_PAPER)
    need, free = n_papers * per_paper, psutil.virtual_memory().available
    if need > 0.8 * free:
        raise TooLargeForMemory(
            f"{where}: {n_papers:,} papers need about {need / 2**30:.1f} GiB to lay out in memory, and "
            f"{free / 2**30:.1f} GiB is free: build with --backend csv (streamed, for neo4j-admin import; "
            "docs/scale.md) or on a machine with more memory")  # fmt: skip


# Stage name and its total -> a callback that advances it by n.
StageProgress = Callable[[str, int | None], Callable[[int], None]]


@dataclass
class BuildRun:
    graph: nx.MultiDiGraph
    papers: int  # all papers the directory now holds
    new_papers: int  # of those, how many this run added
    chunks: int
    extracted: int  # chunks extracted by this run (the rest had shards)
    seconds: dict[str, float] = field(default_factory=dict)


@contextmanager
def build_lock(directory: Path) -> Iterator[None]:
    """One build at a time per directory (a second waits): its stages read
    and write ``papers.jsonl.gz`` and the shards. Queries are not held up: they
    take the store's own lock, which a build holds only while it writes."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / BUILD_LOCK).open("a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("%s: another kg build is running in this directory; waiting for it to finish", directory)
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def merge_papers(stored: Sequence[Paper], new: Sequence[Paper]) -> tuple[list[Paper], int]:
    """The stored papers, then the new ones, merged as the readers merge the
    records of several files; and how many of the new were already there."""
    from .dedup import PaperIndex

    index = PaperIndex()
    for p in stored:
        index.add(p)
    again = sum(not index.add(p) for p in new)
    return index.papers(), again


def extract_into(
    directory: Path, papers: Sequence[Paper], extractor: str = "default", *, workers: int = 1,
    scheduler: str | None = None, parser: str | None = None, min_confidence: float = 0.0,
    progress: StageProgress | None = None,
) -> tuple[list, int, int]:
    """Extractions of ``papers`` in order, from the directory's shards,
    extracting the chunks that have none; and (chunks, chunks extracted)."""
    from .cluster import extract_chunk, extract_chunks

    shards = ShardStore(directory, extraction_fingerprint(extractor, parser, min_confidence))
    chunks = chunk_papers(papers)
    advance = progress("extracting", len(papers)) if progress else None
    extracted = extract_chunks(chunks, shards, extractor, parser=parser, min_confidence=min_confidence,
                               workers=workers, scheduler=scheduler, progress=advance)  # fmt: skip
    found = []
    for c in chunks:
        try:
            found.extend(shards.read(c.digest))
        except MissingShard:  # damaged since it was written, and removed: extract it again
            shards.write(c.digest, extract_chunk(c.papers, extractor, parser, min_confidence))
            extracted += 1
            found.extend(shards.read(c.digest))
    return found, len(chunks), extracted


def build_into(
    directory: Path, new: Sequence[Paper], extractor: str = "default", *, fresh: bool = False, workers: int = 1,
    scheduler: str | None = None, parser: str | None = None, min_confidence: float = 0.0,
    progress: StageProgress | None = None,
) -> BuildRun:
    """The graph of every paper the directory holds plus ``new``. Call under
    ``build_lock``. Papers are stored before extraction: a build killed later
    loses nothing, and the next build into the directory includes them."""
    from .graph import build_graph

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    stored = [] if fresh else load_papers(directory)
    papers, again = merge_papers(stored, new)
    check_fits_in_memory(len(papers), str(directory))
    save_papers(papers, directory)
    seconds["merge papers"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    found, n_chunks, extracted = extract_into(directory, papers, extractor, workers=workers, scheduler=scheduler,
                                              parser=parser, min_confidence=min_confidence, progress=progress)  # fmt: skip
    seconds["extract"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = build_graph(papers, found)
    seconds["resolve and lay out"] = time.perf_counter() - t0
    log.info("%s: %d papers (%d new, %d already there), %d chunks, %d extracted by this run", directory,
             len(papers), len(papers) - len(stored), again, n_chunks, extracted)  # fmt: skip
    return BuildRun(graph, len(papers), len(papers) - len(stored), n_chunks, extracted, seconds)


def merge_papers_on_disk(directory: Path, new: Iterable[Paper], fresh: bool = False) -> tuple[int, int, int]:
    """``merge_papers`` for corpora larger than memory: the directory's papers,
    then ``new``, merged into ``papers.jsonl.gz`` holding only hashes of the
    identifiers (``HashedPaperIndex``, the same matching rules) and the later
    records of papers seen twice. Two passes: the first records go to a
    temporary file, then each gets its later records merged in order.
    Returns (papers, of them new, new records merged into another)."""
    from .admin_csv import HashedPaperIndex
    from .dedup import merge_record

    index = HashedPaperIndex()
    later: dict[int, list[Paper]] = {}
    seen = {"stored": 0, "again": 0}

    def firsts() -> Iterator[Paper]:
        stored = () if fresh else iter_papers(directory)
        for is_new, p in itertools.chain(((False, p) for p in stored), ((True, p) for p in new)):
            if index.add(p):
                seen["stored"] += not is_new
                yield p
            else:
                later.setdefault(index.position(p), []).append(p)
                seen["again"] += is_new

    first_name = f".{PAPERS_FILE}.first"
    save_papers(firsts(), directory, first_name)
    n = len(index)

    def merged() -> Iterator[Paper]:
        for i, p in enumerate(iter_paper_file(directory / first_name)):
            for q in later.get(i, ()):
                merge_record(p, q)
            yield p

    save_papers(merged(), directory)
    (directory / first_name).unlink()
    return n, n - seen["stored"], seen["again"]


@dataclass
class CsvRun:
    counts: dict[str, dict[str, int]]
    papers: int
    new_papers: int
    merged_records: int  # records of this run merged into another paper's
    chunks: int
    extracted: int


def build_csv(
    directory: Path, new: Iterable[Paper], extractor: str = "default", *, fresh: bool = False, workers: int = 1,
    scheduler: str | None = None, parser: str | None = None, min_confidence: float = 0.0,
    progress: StageProgress | None = None,
) -> CsvRun:
    """neo4j-admin CSV of every paper the directory holds plus ``new``, in
    ``DIR/neo4j-import``, in bounded memory: ``new`` is streamed into the
    stored papers, the chunks are extracted as they are read back, and
    ``kg.admin_csv`` writes the files from the shards without laying out the
    graph. Call under ``build_lock``."""
    from .admin_csv import local_map, write_admin_csv
    from .cluster import dask_map, extract_chunks, spread_client

    t0 = time.perf_counter()
    if progress:  # the total is not known before the end of the inputs
        advance_read = progress("reading and merging", None)
        new = (advance_read(1) or p for p in new)
    n, new_n, again = merge_papers_on_disk(directory, new, fresh)
    log.info("%s: %d papers read and merged on disk in %.1f s", directory, n, time.perf_counter() - t0)
    shards = ShardStore(directory, extraction_fingerprint(extractor, parser, min_confidence))
    digests: list[str] = []

    def chunks() -> Iterator:
        for c in iter_chunks(iter_papers(directory)):
            digests.append(c.digest)
            yield c

    def stored() -> Iterator[tuple[str, list[str], list[str]]]:
        """Each chunk as its shard's lines and its papers' lines, undecoded:
        decode_chunk decodes them on the worker that takes the chunk."""
        papers = iter_paper_lines(directory)
        for digest in digests:
            lines = shards.read_lines(digest)
            yield str(shards.path(digest)), list(itertools.islice(papers, len(lines))), lines

    bars: dict[str, tuple[Callable[[int], None], list[int]]] = {}

    def csv_progress(stage: str, done: int) -> None:  # ``done`` counts up from 0 in each pass
        if progress:
            advance, last = bars.setdefault(stage, (progress(f"CSV: {stage}", n), [0]))
            advance(done - last[0])
            last[0] = done

    with spread_client(workers, scheduler) as client:  # one cluster for extraction and the CSV passes
        t0 = time.perf_counter()
        extracted = extract_chunks(chunks(), shards, extractor, parser=parser, min_confidence=min_confidence,
                                   progress=progress("extracting", n) if progress else None, client=client)  # fmt: skip
        log.info("%s: %d chunks, %d extracted, in %.1f s", directory, len(digests), extracted,
                 time.perf_counter() - t0)  # fmt: skip
        t0 = time.perf_counter()
        counts = write_admin_csv(stored, directory / CSV_DIR, progress=csv_progress, decode=decode_chunk,
                                 mapper=dask_map(client) if client is not None else local_map)  # fmt: skip
    log.info("%s: neo4j-admin CSV written in %.1f s", directory, time.perf_counter() - t0)
    return CsvRun(counts, n, new_n, again, len(digests), extracted)
