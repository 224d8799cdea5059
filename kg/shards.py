"""What a build keeps under its output directory besides the graph, so that
an interrupted build resumes and a later build merges as one build of all
inputs would:

- ``papers.jsonl.gz``: every paper the directory has been given, merged one
  record per paper (as the readers merge them), in the order first read;
- ``shards/<extraction fingerprint>/<chunk digest>.jsonl.gz``: what the
  extractor read from each chunk of those papers. A chunk's digest covers the
  texts the extractor reads (ids, titles and abstracts), the fingerprint
  covers the extractor itself (its code, lexicons and weights, the parser,
  ``min_confidence``), so an unchanged chunk is never extracted twice, and a
  model change re-runs extraction only.

Every file is written to a temporary name and renamed into place: a build
killed at any point leaves whole shards or none, and the rerun extracts only
the chunks whose shard is missing.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path

from extractors import Entity, Relation, Result

from .atomic import write_gzip
from .graph import Extraction
from .records import Paper, PaperRef

log = logging.getLogger(__name__)

PAPERS_FILE = "papers.jsonl.gz"
SHARDS_DIR = "shards"
# papers per shard: seconds of extraction, so a kill loses little. KG_CHUNK_SIZE
# overrides it; chunks of another size have other digests, so are extracted anew.
CHUNK_SIZE = 500
FINGERPRINT_VERSION = 1  # bump when the shard layout or what an Extraction holds changes


# -- papers -------------------------------------------------------------------
_PAPER_FIELDS = tuple(f.name for f in fields(Paper))


def paper_to_dict(p: Paper) -> dict:
    """asdict without its deep copies: the dict is dumped at once."""
    d = {k: getattr(p, k) for k in _PAPER_FIELDS}
    for k in ("references", "cited_by"):  # CitedRef adds `source`; asdict keeps it
        d[k] = [asdict(r) for r in d[k]]
    return d


def paper_from_dict(d: dict) -> Paper:
    from .citations import CitedRef

    def ref(r: dict) -> PaperRef:
        return CitedRef(**r) if "source" in r else PaperRef(**r)

    known = {f.name for f in fields(Paper)}
    d = {k: v for k, v in d.items() if k in known}
    d["references"] = [ref(r) for r in d.get("references") or []]
    d["cited_by"] = [ref(r) for r in d.get("cited_by") or []]
    return Paper(**d)


def _read_lines(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def iter_paper_lines(directory: Path) -> Iterator[str]:
    """The stored papers' JSON lines, undecoded (``decode_chunk`` decodes them where the work runs)."""
    path = directory / PAPERS_FILE
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            yield from f
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: damaged ({e}); rebuild the directory with --fresh") from e


def save_papers(papers: Iterable[Paper], directory: Path, name: str = PAPERS_FILE) -> None:
    """Papers as JSON lines; ``papers`` may be a generator, consumed as written."""
    write_gzip(directory / name, (json.dumps(paper_to_dict(p), ensure_ascii=False) + "\n" for p in papers))


def iter_papers(directory: Path) -> Iterator[Paper]:
    """The papers an earlier build stored, one at a time; none when the directory has none."""
    return iter_paper_file(directory / PAPERS_FILE)


def iter_paper_file(path: Path) -> Iterator[Paper]:
    if not path.exists():
        return
    try:
        for d in _read_lines(path):
            yield paper_from_dict(d)
    except (OSError, EOFError, ValueError, TypeError, KeyError) as e:
        raise ValueError(f"{path}: damaged ({e}); rebuild the directory with --fresh") from e


def load_papers(directory: Path) -> list[Paper]:
    return list(iter_papers(directory))


# -- extraction shards ---------------------------------------------------------
def extraction_to_dict(x: Extraction) -> dict:
    return {"id": x.paper_id, "entities": [e.to_dict() for e in x.entities],
            "relations": [r.to_dict() for r in x.relations], "results": [r.to_dict() for r in x.results]}  # fmt: skip


def extraction_from_dict(d: dict) -> Extraction:
    return Extraction(d["id"], [Entity.from_dict(e) for e in d["entities"]],
                      [Relation(**r) for r in d["relations"]], [Result(**r) for r in d["results"]])  # fmt: skip


def _hash_tree(h, root: Path) -> None:
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())


def extraction_fingerprint(extractor: str, parser: str | None = None, min_confidence: float = 0.0) -> str:
    """What a shard's extractions depend on besides the texts: the extractor's
    name, the code and data of the ``extractors`` package (and the pipeline
    ``KG_PIPELINE`` points at), the parser and the confidence cut. An
    extractor registered from outside this package is known by name only:
    after changing it, build with ``--fresh`` (or delete ``shards/``)."""
    from extractors.registry import resolve_name

    h = hashlib.sha1(f"v{FINGERPRINT_VERSION}|{resolve_name(extractor)}|{parser or ''}|{min_confidence:g}".encode())
    _hash_tree(h, Path(str(resources.files("extractors"))))
    if resolve_name(extractor) in ("default", "trained") and (p := os.environ.get("KG_PIPELINE")):
        _hash_tree(h, Path(p))
    return h.hexdigest()[:16]


@dataclass(slots=True)
class Chunk:
    digest: str
    papers: list[Paper]


def iter_chunks(papers: Iterable[Paper], size: int | None = None) -> Iterator[Chunk]:
    """Fixed-size runs of papers in order, each named by a digest of what the
    extractor reads from it: papers added after the last chunk leave the
    earlier chunks, and their shards, as they were."""
    size = size or int(os.environ.get("KG_CHUNK_SIZE") or CHUNK_SIZE)
    part: list[Paper] = []
    for p in papers:
        part.append(p)
        if len(part) == size:
            yield _chunk(part)
            part = []
    if part:
        yield _chunk(part)


def _chunk(part: list[Paper]) -> Chunk:
    h = hashlib.sha1()
    for p in part:
        for s in (p.id, p.title or "", p.abstract or ""):
            h.update(s.encode("utf-8", "surrogatepass"))
            h.update(b"\0")
    return Chunk(h.hexdigest()[:20], part)


def chunk_papers(papers: Sequence[Paper], size: int | None = None) -> list[Chunk]:
    return list(iter_chunks(papers, size))


class ShardStore:
    """The extraction shards of one fingerprint under a graph directory."""

    def __init__(self, directory: Path, fingerprint: str) -> None:
        self.dir = Path(directory) / SHARDS_DIR / fingerprint

    def path(self, digest: str) -> Path:
        return self.dir / f"{digest}.jsonl.gz"

    def has(self, digest: str) -> bool:
        return self.path(digest).exists()

    def write(self, digest: str, lines: Iterable[str]) -> None:
        write_gzip(self.path(digest), lines)

    def read(self, digest: str) -> list[Extraction]:
        return self._read(digest, lambda lines: [extraction_from_dict(json.loads(line)) for line in lines])

    def read_lines(self, digest: str) -> list[str]:
        """A shard's JSON lines, undecoded."""
        return self._read(digest, list)

    def _read(self, digest: str, decode):
        path = self.path(digest)
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                return decode(f)
        except (OSError, EOFError, ValueError, TypeError, KeyError) as e:
            # a shard is a cache: a damaged one is dropped and extracted again
            log.warning("%s: damaged extraction shard (%s); it will be extracted again", path, e)
            path.unlink(missing_ok=True)
            raise MissingShard(path) from e

    def remove_stale_temporaries(self) -> None:
        if self.dir.exists():
            for tmp in self.dir.glob("*.tmp"):
                tmp.unlink(missing_ok=True)


class MissingShard(OSError):
    """A shard the build needs was damaged (and is now removed): a rerun extracts it again."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: damaged extraction shard, removed; run the build again to extract it anew")


def shard_lines(extractions: Iterable[Extraction]) -> Iterator[str]:
    for x in extractions:
        yield json.dumps(extraction_to_dict(x), ensure_ascii=False) + "\n"


def decode_chunk(payload: tuple[str, list[str], list[str]]) -> list[tuple[Paper, Extraction]]:
    """(where, paper lines, shard lines) -> the chunk's (Paper, Extraction)
    pairs: the streamed CSV writer's ``decode``, run on whichever worker
    takes the chunk."""
    where, paper_lines, shard_lines = payload
    if len(paper_lines) != len(shard_lines):
        raise ValueError(f"{where}: out of step with {PAPERS_FILE}; rebuild with --fresh")
    pairs = []
    for pl, xl in zip(paper_lines, shard_lines, strict=True):
        try:
            p, x = paper_from_dict(json.loads(pl)), extraction_from_dict(json.loads(xl))
        except (ValueError, TypeError, KeyError) as e:
            raise ValueError(f"{where}: damaged ({e}); rebuild with --fresh") from e
        if p.id != x.paper_id:
            raise ValueError(f"{where}: out of step with {PAPERS_FILE}; rebuild with --fresh")
        pairs.append((p, x))
    return pairs
