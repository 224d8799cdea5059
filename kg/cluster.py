"""Extraction of shard chunks, in this process or on Dask.

One code path: each chunk is one task, ``extract_chunk``, which returns the
shard's lines; this process writes them (workers of a cluster need not share
its disk). With ``workers`` 1 and no scheduler the tasks run here, one after
another; with ``workers`` N they run on a ``dask.distributed.LocalCluster`` of
N single-threaded worker processes; with ``scheduler`` (``tcp://HOST:8786``)
on an existing cluster, whose workers must have kg installed (docs/scale.md).
At most two tasks per worker are in flight, so memory stays bounded however
many chunks there are.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from .records import Paper
from .shards import Chunk, ShardStore, shard_lines

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


def extract_chunk(papers: list[Paper], extractor: str, parser: str | None, min_confidence: float) -> list[str]:
    """The shard of one chunk: a JSON line per paper. Runs on a worker."""
    from .graph import extract_all

    return list(shard_lines(extract_all(papers, extractor, 1, all_mentions=False, parser=parser,
                                        min_confidence=min_confidence)))  # fmt: skip


@contextmanager
def dask_client(workers: int, scheduler: str | None):
    """A client of the cluster at ``scheduler``, or of a LocalCluster of
    ``workers`` processes started (and stopped) here."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as e:  # pragma: no cover - a dependency of kg
        raise RuntimeError("distributed extraction needs dask.distributed: pip install 'dask[distributed]'") from e
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as e:
            raise ConnectionError(f"no Dask scheduler answers at {scheduler} ({e})") from e
        try:
            yield client
        finally:
            client.close()
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.WARNING) as cluster, Client(cluster) as client:  # fmt: skip
        yield client


def extract_chunks(
    chunks: Iterable[Chunk], shards: ShardStore, extractor: str, *, parser: str | None = None,
    min_confidence: float = 0.0, workers: int = 1, scheduler: str | None = None, progress: Progress | None = None,
    done: Callable[[Chunk], None] | None = None,
) -> int:
    """Extract every chunk whose shard is missing and write its shard;
    returns how many were extracted. A chunk whose shard exists counts as done
    at once (a resumed build). ``chunks`` is consumed lazily (a few chunks
    ahead of the workers), and ``done(chunk)`` is called for each chunk once
    its shard is there, in no set order."""
    shards.remove_stale_temporaries()
    args = (extractor, parser, min_confidence)

    def finished(c: Chunk) -> None:
        if progress:
            progress(len(c.papers))
        if done:
            done(c)

    def missing() -> Iterator[Chunk]:
        for c in chunks:
            if shards.has(c.digest):
                finished(c)
            else:
                yield c

    extracted = 0
    if scheduler is None and workers <= 1:
        for c in missing():
            shards.write(c.digest, extract_chunk(c.papers, *args))
            extracted += 1
            finished(c)
        return extracted
    todo = missing()
    first = next(todo, None)
    if first is None:
        return 0  # no cluster to start
    from dask.distributed import as_completed

    with dask_client(workers, scheduler) as client:
        slots = 2 * max(1, len(client.scheduler_info().get("workers", {})) or workers)
        pending = itertools.chain([first], todo)
        by_key: dict[str, Chunk] = {}

        def submit() -> Any | None:
            c = next(pending, None)
            if c is None:
                return None
            fut = client.submit(extract_chunk, c.papers, *args, key=f"kg-extract-{c.digest}", pure=False)
            by_key[fut.key] = c
            return fut

        running = as_completed([f for f in (submit() for _ in range(slots)) if f is not None])
        for fut in running:
            c = by_key.pop(fut.key)
            shards.write(c.digest, fut.result())
            fut.release()
            extracted += 1
            finished(c)
            if (nxt := submit()) is not None:
                running.add(nxt)
    return extracted
