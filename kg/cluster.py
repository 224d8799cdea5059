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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
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


@contextmanager
def spread_client(workers: int, scheduler: str | None):
    """A Dask client when the work is spread (a scheduler, or more than one
    worker), else None: one cluster for every stage of a build."""
    if scheduler is None and workers <= 1:
        yield None
        return
    with dask_client(workers, scheduler) as client:
        yield client


def _workers(client) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def dask_map(client, per_worker: int = 3) -> Callable[..., Iterator]:
    """A ``kg.admin_csv.Mapper`` on a Dask cluster: ``fn(item, *shared)`` as
    one task per item, results in the order of the items. ``shared`` is sent
    to every worker once; at most ``per_worker`` tasks per worker are in
    flight, so ``items`` is read a few ahead of the workers and memory stays
    bounded however many there are."""

    def mapper(fn: Callable, items: Iterable, *shared: Any) -> Iterator:
        sent = [client.scatter([s], broadcast=True, hash=False)[0] for s in shared]
        slots = per_worker * _workers(client)
        pending: deque = deque()

        def take() -> Any:
            fut = pending.popleft()
            try:
                return fut.result()
            finally:
                fut.release()

        try:
            for item in items:
                pending.append(client.submit(fn, item, *sent, pure=False))
                if len(pending) >= slots:
                    yield take()
            while pending:
                yield take()
        finally:
            for fut in (*pending, *sent):
                fut.release()

    return mapper


def extract_chunks(
    chunks: Iterable[Chunk], shards: ShardStore, extractor: str, *, parser: str | None = None,
    min_confidence: float = 0.0, workers: int = 1, scheduler: str | None = None, progress: Progress | None = None,
    done: Callable[[Chunk], None] | None = None, client: Any = None,
) -> int:
    """Extract every chunk whose shard is missing and write its shard;
    returns how many were extracted. A chunk whose shard exists counts as done
    at once (a resumed build). ``chunks`` is consumed lazily (a few chunks
    ahead of the workers), and ``done(chunk)`` is called for each chunk once
    its shard is there, in no set order. ``client``: a cluster's client to
    use (``spread_client``) instead of starting one."""
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
    if client is None and scheduler is None and workers <= 1:
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

    with nullcontext(client) if client is not None else dask_client(workers, scheduler) as client:
        slots = 2 * _workers(client)
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
