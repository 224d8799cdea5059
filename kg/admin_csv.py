"""neo4j-admin CSV for a corpus far larger than memory, written from a stream
of papers and their extractions, without ever holding the graph.

``write_admin_csv(source, out_dir)`` writes the graph that
``build_graph(papers, extractions)`` followed by ``export_csv`` would: the
same nodes, relationships and property values. ``source()`` streams the
whole corpus, in the same order each time; it is called three times:

1. tables: entity resolution (kg.resolve's union-find over (type, canonical
   key), each key's surface forms with how often each is an entity's name),
   and the corpus papers' identifiers, hashed (:class:`HashedPaperIndex`),
   which citations resolve references against.
2. chunks of papers, each built as a small graph with kg.graph's own
   functions (``add_papers``, ``add_extractions``). Paper nodes and each
   paper's own relationships are written as they come. What several papers
   share is kept in tables or spilled to disk: entity paper counts, the best
   Result per (dataset, metric) (kg.relations.Leaderboard), each entity's
   proposing paper (kg.citations.proposal), Author and Venue names, papers
   known only as references (kg.citations.draw_citations with the hashed
   indexes); entity-level relationships and CITES (the same one may come
   from several papers) and Result nodes (whose ``best`` waits for the whole
   corpus) go to spill files.
3. BUILDS_ON, each chunk against the corpus-wide proposals
   (kg.citations.paper_mentions and pick_links), spilled with and without
   the bonus for a citation, which is decided when CITES is merged.

Then the spills are merged a bucket at a time (a hash of the relationship's
ends picks the bucket, so both directions of a citation and the BUILDS_ON
between the same papers meet in one), and the entity, Author, Venue, external
Paper and Result nodes are written from the tables.

What is held: per distinct (type, canonical key) and per resolved entity a
few short strings (docs/schema.md counts the bytes); per corpus paper its id
and 64-bit hashes of its identifiers; per paper known only as a reference its
identifiers and title; per (dataset, metric) pair one Result id; one chunk's
graph. Nothing else grows with papers or relationships.

Columns are fixed per label and relationship type (kg.schema's properties,
typed as the LadybugDB store declares them); a row these columns cannot carry
exactly goes to a file of its own shape (see ``_Shape``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path
from typing import IO, Any

import networkx as nx

from . import schema as S
from .citations import (
    BUILDS_ON_EXTRACTOR,
    CitationStats,
    _merge_source,
    _Proposal,
    draw_citations,
    index_proposals,
    paper_mentions,
    pick_links,
    proposal,
    proposers,
    sentence_at,
)  # fmt: skip
from .dedup import _STRONG, identifiers
from .export import (
    _column_order,
    _csv_kind,
    _fields,
    _file_name,
    _header_line,
    _header_name,
    _line,
    _properties,
    replace_csv_files,
)  # fmt: skip
from .graph import Extraction, add_extractions, add_node, add_papers, new_graph
from .records import Paper, PaperRef
from .relations import Leaderboard, result_groups
from .resolve import ResolvedEntity, _UnionFind, entity_key, link_entity, rekey_entities
from .stores.ladybug_store import _type_of

log = logging.getLogger(__name__)

Source = Callable[[], Iterable[tuple[Paper, Extraction]]]

CHUNK_SIZE = 1000  # papers per chunk graph
BUCKETS = 64  # spill files per kind of shared relationship; one is read into memory at a time

# LadybugDB's column types (kg.stores.ladybug_store) as neo4j-admin's.
_ADMIN_KIND = {"INT64": "long", "DOUBLE": "double", "BOOLEAN": "boolean", "STRING": "string", "STRING[]": "string[]"}
# Text every row of the label has and that may be the empty text: the column is
# `name:string`, where an empty field is the empty text. Every other text
# column is a bare `name`, where an empty field is a missing value.
EMPTY_TEXT: dict[str, tuple[str, ...]] = {S.PAPER: ("abstract",), S.RESULT: ("unit",)}
# What a Paper known only as a reference carries (kg.citations): its own file.
EXTERNAL_PAPER: tuple[str, ...] = (S.KEY, "title", "doi", "arxiv_id", "s2_id", "openalex_id", "year", "in_corpus")


# -- files -----------------------------------------------------------------------
@dataclass
class _Shape:
    """The columns of one file: names, neo4j-admin types, which columns every
    row must have (lists, where an empty field is the empty list, and
    ``name:string`` text) and which text columns take the empty text.

    The declared shapes are kg.schema's properties of the label (or type),
    typed by LadybugDB's declarations. A row they cannot carry exactly (a
    property the schema does not declare, a value of another type, the empty
    text in a bare text column, a missing list) goes to a file of its own
    shape instead: every property of the row is a column, typed by its value
    as export_csv types it (text as ``name:string``). Rows of one shape share
    a file, so such files are as few as the odd shapes; nothing is coerced
    or dropped."""

    cols: list[str]
    kinds: dict[str, str]
    required: frozenset[str]
    empty_text: frozenset[str]
    id_column: str = "id:ID"

    @classmethod
    def declared(cls, cols: Iterable[str], empty_text: Iterable[str] = ()) -> _Shape:
        cols = list(cols)
        kinds = {c: _ADMIN_KIND[_type_of(c)] for c in cols}
        empty = frozenset(empty_text)
        return cls(cols, kinds, frozenset(c for c in cols if kinds[c].endswith("[]")) | empty, empty)

    @classmethod
    def own(cls, props: dict, order: tuple[str, ...]) -> _Shape:
        kinds = {}
        for k, v in props.items():
            kind = _csv_kind(v)
            if kind == "[]":  # an empty list: the declared list type, else text
                declared = _ADMIN_KIND.get(_type_of(k), "")
                kind = declared if declared.endswith("[]") else "string[]"
            kinds[k] = kind
        text = frozenset(k for k, kind in kinds.items() if kind == "string")
        return cls(_column_order(kinds, order), kinds, frozenset(kinds), text, ":ID" if "id" in kinds else "id:ID")

    def fits(self, props: dict) -> bool:
        for k, v in props.items():
            col = self.kinds.get(k)
            if col is None:
                return False
            kind = _csv_kind(v)
            if kind == "[]":
                if not col.endswith("[]"):
                    return False
            elif kind != col or (kind == "string" and v == "" and k not in self.empty_text):
                return False
        return self.required <= props.keys()

    def header(self) -> list[str]:
        return [_header_name(c, self.kinds[c], c in self.empty_text) for c in self.cols]


class _CsvFiles:
    """The output files, opened when their first row comes."""

    def __init__(self, out_dir: Path) -> None:
        self.dir = out_dir
        self.names: list[str] = []
        self.counts: dict[str, Counter] = {"nodes": Counter(), "edges": Counter()}
        self._declared: dict[tuple[str, str], list[_Shape]] = {}
        self._own: dict[tuple[str, str], dict[tuple, _Shape]] = {}
        self._open: dict[int, IO[str]] = {}  # id(shape) -> file
        self._shapes: list[_Shape] = []  # keeps the shapes (and so their ids) alive
        self._numbered: Counter = Counter()
        for label in S.NODE_LABELS:
            cols = (S.KEY, *S.NODE_PROPERTIES.get(label, ()))
            shapes = [_Shape.declared(cols, EMPTY_TEXT.get(label, ()))]
            if label == S.PAPER:
                shapes.append(_Shape.declared(EXTERNAL_PAPER))
            self._declared[("nodes", label)] = shapes
        for rel in S.REL_TYPES:
            self._declared[("rels", rel)] = [_Shape.declared(S.REL_PROPERTIES.get(rel, ()))]

    def _file(self, prefix: str, name: str, props: dict, order: tuple[str, ...]) -> tuple[IO[str], _Shape]:
        where = (prefix, name)
        shape = next((s for s in self._declared.get(where, ()) if s.fits(props)), None)
        if shape is None:
            own = _Shape.own(props, order)
            shape = self._own.setdefault(where, {}).setdefault(tuple(sorted(own.kinds.items())), own)
        f = self._open.get(id(shape))
        if f is None:
            file_name = _file_name(prefix, name, self._numbered[where])
            self._numbered[where] += 1
            f = (self.dir / file_name).open("w", encoding="utf-8", newline="", buffering=1 << 16)
            first = [shape.id_column] if prefix == "nodes" else [":START_ID"]
            last = [":LABEL"] if prefix == "nodes" else [":END_ID", ":TYPE"]
            f.write(_header_line([*first, *shape.header(), *last]))
            self._open[id(shape)] = f
            self._shapes.append(shape)
            self.names.append(file_name)
        return f, shape

    def node(self, label: str, nid: str, props: dict) -> None:
        f, shape = self._file("nodes", label, props, (S.KEY, *S.NODE_PROPERTIES.get(label, ())))
        f.write(_line(nid, _fields(props, shape.cols, shape.kinds, nid), label))
        self.counts["nodes"][label] += 1

    def rel(self, rel: str, u: str, v: str, props: dict) -> None:
        f, shape = self._file("rels", rel, props, S.REL_PROPERTIES.get(rel, ()))
        f.write(_line(u, _fields(props, shape.cols, shape.kinds, f"{u} -[{rel}]-> {v}"), v, rel))
        self.counts["edges"][rel] += 1

    def close(self) -> None:
        for f in self._open.values():
            f.close()


class _Spill:
    """Records (JSON lists, one a line) appended to one of ``n`` files by a
    hash of their key, read back one file at a time, in the order written."""

    def __init__(self, directory: Path, name: str, n: int) -> None:
        self.paths = [directory / f"{name}.{i}.jsonl" for i in range(n)]
        self._files: dict[int, IO[str]] = {}
        self.records = 0

    def add(self, key: str, record: list) -> None:
        i = zlib.crc32(key.encode("utf-8", "surrogatepass")) % len(self.paths)
        f = self._files.get(i)
        if f is None:
            f = self._files[i] = self.paths[i].open("a", encoding="ascii")
        f.write(json.dumps(record) + "\n")  # ASCII: lone surrogates and newlines escaped
        self.records += 1

    def buckets(self) -> Iterator[Iterator[list]]:
        for f in self._files.values():
            f.close()
        self._files.clear()
        for path in self.paths:
            yield _read_spill(path)

    def remove(self) -> None:
        for path in self.paths:
            path.unlink(missing_ok=True)


def _read_spill(path: Path) -> Iterator[list]:
    if not path.exists():
        return
    with path.open(encoding="ascii") as f:
        for line in f:
            yield json.loads(line)


def _pair_key(u: str, v: str) -> str:
    """Either direction between two papers: one bucket."""
    return f"{u}\x00{v}" if u <= v else f"{v}\x00{u}"


# -- paper identifiers -------------------------------------------------------------
_RAW = ("title", "doi", "arxiv_id", "s2_id", "openalex_id")  # the fields kg.dedup.identifiers reads, bar the id
_IN_CORPUS = 1 << len(_RAW)


def _hash(kind: str, value: str) -> int:
    digest = hashlib.blake2b(f"{kind}\x1f{value}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True) or 1  # 0 is "none" in the arrays


class HashedPaperIndex:
    """kg.dedup.PaperIndex's ``find`` and ``add`` (the same lookups, the same
    first-wins and title-conflict rules, the same filling of what a record
    lacks), keeping per record only its id, 64-bit hashes of its identifiers
    (kg.dedup.identifiers) and which raw fields it has; with ``keep_fields``
    also its title, DOI, arXiv, S2 and OpenAlex ids and year, which ``find``
    returns (a Paper node known only as a reference is written from them).
    Two identifiers share a hash with odds of about n²/2⁶⁴ (n identifiers):
    a reference would then resolve to the wrong paper."""

    def __init__(self, keep_fields: bool = False) -> None:
        self._by: dict[int, int] = {}
        self._ids: list[str] = []
        self._flags = bytearray()  # bit i: _RAW[i] is set (truthy); _IN_CORPUS
        self._strong = {kind: array("q") for kind in _STRONG}  # the hash of each strong identifier, 0 for none
        self._fields: list[list] | None = [] if keep_fields else None

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def identifiers(self) -> int:
        return len(self._by)

    @staticmethod
    def _hashes(p: Paper | PaperRef) -> list[tuple[str, int]]:
        return [(kind, _hash(kind, value)) for kind, value in identifiers(p)]

    def _find(self, hashes: list[tuple[str, int]]) -> int | None:
        strong: dict[str, int] | None = None
        for kind, h in hashes:
            i = self._by.get(h)
            if i is None:
                continue
            if kind == "title":  # PaperIndex: a title match counts unless a strong id disagrees
                if strong is None:
                    strong = {k: x for k, x in hashes if k in self._strong}
                if any((mine := self._strong[k][i]) and mine != x for k, x in strong.items()):
                    continue
            return i
        return None

    def find(self, p: Paper | PaperRef) -> Paper | None:
        i = self._find(self._hashes(p))
        return None if i is None else self.record(i)

    def position(self, p: Paper | PaperRef) -> int | None:
        """The order in which the record ``p`` matches was added (0 for the first)."""
        return self._find(self._hashes(p))

    def record(self, i: int) -> Paper:
        if self._fields is None:
            return Paper(id=self._ids[i], title="", in_corpus=bool(self._flags[i] & _IN_CORPUS))
        title, doi, arxiv_id, s2_id, openalex_id, year = self._fields[i]
        return Paper(id=self._ids[i], title=title, doi=doi, arxiv_id=arxiv_id, s2_id=s2_id, openalex_id=openalex_id,
                     year=year, in_corpus=bool(self._flags[i] & _IN_CORPUS))  # fmt: skip

    def add(self, paper: Paper) -> bool:
        """Add a paper, or fill in what the record it matches lacks; True when new."""
        hashes = self._hashes(paper)
        i = self._find(hashes)
        if i is None:
            i = len(self._ids)
            self._ids.append(str(paper.id))
            flags = sum(1 << b for b, name in enumerate(_RAW) if getattr(paper, name))
            self._flags.append(flags | (_IN_CORPUS if paper.in_corpus else 0))
            for column in self._strong.values():
                column.append(0)
            if self._fields is not None:
                self._fields.append([*(getattr(paper, name) for name in _RAW), paper.year])
            self._index(i, hashes)
            return True
        flags, filled = self._flags[i], {}
        for b, name in enumerate(_RAW):  # kg.dedup._merge: fill what the record lacks
            theirs = getattr(paper, name)
            if not flags & (1 << b) and theirs:
                flags |= 1 << b
                filled[name] = theirs
        self._flags[i] = flags | (_IN_CORPUS if paper.in_corpus else 0)
        if self._fields is not None:
            mine = self._fields[i]
            for j, name in enumerate((*_RAW, "year")):
                if not mine[j] and (theirs := getattr(paper, name)):
                    mine[j] = theirs
        if filled:  # the merged record's new identifiers
            self._index(i, self._hashes(Paper(id="", **{"title": "", **filled})))
        return False

    def _index(self, i: int, hashes: list[tuple[str, int]]) -> None:
        for kind, h in hashes:
            column = self._strong.get(kind)
            if column is not None and not column[i]:
                column[i] = h
            self._by.setdefault(h, i)

    def has_corpus_paper(self, key: str) -> bool:
        """Whether a record of this index has this id and is in the corpus."""
        i = self._by.get(_hash("id", key))
        return i is not None and self._ids[i] == key and bool(self._flags[i] & _IN_CORPUS)


# -- the stream ----------------------------------------------------------------------
_AMBIGUOUS = "ambiguous"  # an entity proposed by several papers (BuildsOnStats.ambiguous)

# mapper(fn, items, *shared): fn(item, *shared) for each item, in the order of
# ``items``. ``local_map`` runs them here; kg.cluster.dask_map on a Dask
# cluster, which sends ``shared`` to each worker once.
Mapper = Callable[..., Iterator]


def local_map(fn: Callable, items: Iterable, *shared: Any) -> Iterator:
    for item in items:
        yield fn(item, *shared)


def _chunks(items: Iterable[tuple[Paper, Extraction]], size: int) -> Iterator[list[tuple[Paper, Extraction]]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def checked_pairs(chunk: list[tuple[Paper, Extraction]]) -> list[tuple[Paper, Extraction]]:
    """The ``decode`` of a chunk that is already (Paper, Extraction) pairs."""
    for p, x in chunk:
        if x.paper_id != p.id:
            raise ValueError(f"source yields paper {p.id!r} with the extraction of {x.paper_id!r}")
    return chunk


def _node_props(d: dict) -> dict:
    return {k: v for k, v in _properties(d).items() if k != "label"}


def _edge_props(d: dict) -> dict:
    return {k: v for k, v in _properties(d).items() if k != "type"}


@dataclass
class _Tables:
    """What the graph of any chunk needs from the whole corpus: each (type,
    canonical key)'s resolved entity, and each entity's name and aliases. Sent
    to every worker once per pass."""

    final: dict[tuple[str, str], tuple[str, str]]
    entities: dict[tuple[str, str], tuple[str, list[str]]]

    def entity(self, typ: str, key: str) -> tuple[str, str]:
        found = self.final.get((typ, key))
        if found is None:
            raise ValueError(f"source() streamed a {typ} the first pass did not see ({key!r}): "
                             "each call must stream the same corpus in the same order")  # fmt: skip
        return found


def _chunk_graph(chunk: list[tuple[Paper, Extraction]], t: _Tables, results: bool = True) -> nx.MultiDiGraph:
    g = new_graph()
    add_papers(g, [p for p, _ in chunk])
    lookup: dict[tuple[str, str, str], tuple[str, str]] = {}
    for _, x in chunk:
        for e in x.entities:
            k = entity_key(e.name)
            lookup[(x.paper_id, e.type, k)] = t.entity(e.type, k)
    for label, key in dict.fromkeys(lookup.values()):
        name, aliases = t.entities[(label, key)]
        add_node(g, label, key, name=name, aliases=aliases)
    # without results, the paper -> entity edges alone (BUILDS_ON reads no more)
    xs = [x if results else Extraction(x.paper_id, x.entities, [r for r in x.relations if r.head is None])
          for _, x in chunk]  # fmt: skip
    add_extractions(g, xs, lookup)
    return g


# What one chunk's work sends back to the writer; these run where the mapper
# puts them (a Dask worker), so they read nothing but their arguments.
class _Named(tuple):
    """An entity as resolution reads it: type, name, aliases."""

    type = property(lambda self: self[0])
    name = property(lambda self: self[1])
    aliases = property(lambda self: self[2])


def _scan_rows(payload: Any, *, decode: Callable) -> list[tuple[Paper, list[_Named]]]:
    """Pass 1 of a chunk: each paper's identifiers, and its entities' names."""
    return [(Paper(id=p.id, title=p.title, doi=p.doi, arxiv_id=p.arxiv_id, s2_id=p.s2_id,
                   openalex_id=p.openalex_id, year=p.year, in_corpus=p.in_corpus),
             [_Named((e.type, e.name, tuple(e.aliases))) for e in x.entities]) for p, x in decode(payload)]  # fmt: skip


@dataclass
class _ChunkRows:
    """Pass 2 of a chunk: its rows, and what it adds to the corpus-wide tables."""

    papers: list[tuple[str, dict]]  # the chunk's Paper nodes
    entity_papers: list[tuple[str, str]]  # each paper's distinct entities
    groups: list[tuple[tuple[str, ...], str, dict]]  # result_groups
    proposed: list[tuple[str, int, _Proposal | str]]  # entity node, how many papers propose it, its proposal
    results: list[tuple[str, dict]]
    named: list[tuple[str, dict]]  # Author and Venue nodes
    entity_rels: list[list]
    rels: list[tuple[str, str, str, dict]]  # the papers' own relationships
    citing: list[Paper]  # papers with references or citing papers: CITES needs the corpus indexes


def _chunk_rows(payload: Any, t: _Tables, *, decode: Callable, verify: bool) -> _ChunkRows:
    chunk = decode(payload)
    papers = [p for p, _ in chunk]
    g = _chunk_graph(chunk, t)
    rows = _ChunkRows([], [], list(result_groups(g)), [], [], [], [], [],
                      [p for p in papers if p.references or p.cited_by])  # fmt: skip
    for _, x in chunk:  # paper_count: the distinct papers naming each entity
        rows.entity_papers.extend(dict.fromkeys(t.entity(e.type, entity_key(e.name)) for e in x.entities))
    own = {S.node_id(S.PAPER, p.id) for p in papers}
    for nid, d in g.nodes(data=True):
        label = d.get("label")
        if label == S.PAPER and nid in own:
            rows.papers.append((nid, _node_props(d)))
        elif label == S.RESULT:
            props = _node_props(d)
            props.pop("best", None)
            rows.results.append((nid, props))
        elif label in (S.AUTHOR, S.VENUE):
            rows.named.append((nid, _node_props(d)))
        elif label in S.ENTITY_LABELS and (by := proposers(g, nid)):  # entity nodes: at the end, from the tables
            n = len({u for u, _ in by})
            rows.proposed.append((nid, n, proposal(g, nid, *by[0], verify=verify) if n == 1 else _AMBIGUOUS))
    for u, v, rel, d in g.edges(keys=True, data=True):
        if rel in S.ENTITY_REL_TYPES:
            rows.entity_rels.append([rel, u, v, _edge_props(d)])
        else:
            rows.rels.append((rel, u, v, _edge_props(d)))
    return rows


def _builds_on_rows(payload: Any, t: _Tables, index, *, decode: Callable) -> tuple[list[tuple[str, list]], int, int]:
    """Pass 3 of a chunk: its BUILDS_ON candidates, each with and without the
    bonus for a citation (decided when CITES is merged); how many were left
    out for pointing at a newer paper; how many papers the chunk has."""
    chunk = decode(payload)
    g = _chunk_graph(chunk, t, results=False)
    found, too_early_n = [], 0
    for p, _ in chunk:
        a = S.node_id(S.PAPER, p.id)
        text, mentions = paper_mentions(g, a, index)
        if not mentions:
            continue
        year = g.nodes[a].get("year")
        plain, _ = pick_links(a, year, mentions, lambda b: False)
        cited, too_early = pick_links(a, year, mentions, lambda b: True)  # if a cites b: decided at the end
        too_early_n += len(too_early)

        def option(hit: tuple[float, _Proposal, str | int], text: str = text) -> list:
            conf, prop, evidence = hit
            return [prop.name, sentence_at(text, evidence) if isinstance(evidence, int) else evidence, conf]

        found.extend((_pair_key(a, b), [a, b, option(plain[b]), option(cited[b])]) for b in plain)
    return found, too_early_n, len(chunk)


class _Stream:
    def __init__(self, chunks: Callable[[], Iterable[Any]], decode: Callable, mapper: Mapper, files: _CsvFiles,
                 spill_dir: Path, buckets: int, verify: bool) -> None:  # fmt: skip
        self.chunks, self.decode, self.map, self.files, self.verify = chunks, decode, mapper, files, verify
        self.corpus = HashedPaperIndex()
        self.external = HashedPaperIndex(keep_fields=True)
        self.tables = _Tables({}, {})
        self.paper_counts: Counter = Counter()  # resolved (label, key) -> papers naming it
        self.named: dict[str, Any] = {}  # Author and Venue node id -> name (or all properties but the key)
        self.board = Leaderboard()
        self.proposed: dict[str, _Proposal | str] = {}  # entity node id -> proposal, or why not
        self.cstats = CitationStats()
        self.anachronistic = 0
        self.spills = {name: _Spill(spill_dir, name, n) for name, n in
                       (("entity_rels", buckets), ("cites", buckets), ("builds_on", buckets), ("results", 1))}  # fmt: skip

    # pass 1 ------------------------------------------------------------------
    def scan(self, progress: Callable[[int], None]) -> int:
        """Resolution and the corpus identifier index; the union-find and
        the surface forms are dropped once each key knows its entity."""
        uf = _UnionFind()
        variants: dict[tuple[str, str], tuple[str, str]] = {}
        forms: dict[tuple[str, str], dict[str, int]] = {}  # head -> surface -> times used as a name
        n = 0
        for rows in self.map(partial(_scan_rows, decode=self.decode), self.chunks()):
            for p, entities in rows:
                self.corpus.add(p)
                for e in entities:
                    head = link_entity(uf, variants, e)
                    f = forms.get(head)
                    if f is None:
                        f = forms[head] = {}
                    f[e.name] = f.get(e.name, 0) + 1
                    for alias in e.aliases:
                        f.setdefault(alias, 0)
            n += len(rows)
            progress(n)
        # the groups in the order kg.resolve.resolve meets them: by their first entity
        resolved: dict[tuple[str, str], ResolvedEntity] = {}
        roots: dict[tuple[str, str], tuple[str, str]] = {}
        for head, f in forms.items():
            root = roots[head] = uf.find(head)
            r = resolved.get(root)
            if r is None:
                r = resolved[root] = ResolvedEntity(root[0], root[1])
            for s, used in f.items():
                if used:
                    r.names[s] += used
                r.surfaces.add(s)
        del uf, variants, forms
        rekeyed, renamed = rekey_entities(resolved)
        self.tables = _Tables({head: renamed[root] for head, root in roots.items()},
                              {ent: (r.name, r.aliases) for ent, r in rekeyed.items()})  # fmt: skip
        return n

    # pass 2 ------------------------------------------------------------------
    def write(self, progress: Callable[[int], None]) -> int:
        n = 0
        for rows in self.map(partial(_chunk_rows, decode=self.decode, verify=self.verify), self.chunks(),
                             self.tables):  # fmt: skip
            self.take(rows)
            n += len(rows.papers)
            progress(n)
        return n

    def take(self, rows: _ChunkRows) -> None:
        self.paper_counts.update(rows.entity_papers)
        for group, nid, d in rows.groups:
            self.board.add(group, nid, d)
        if rows.citing:  # drawn here: the indexes of corpus and external papers grow chunk by chunk
            g = new_graph()
            g.add_nodes_from(nid for nid, _ in rows.papers)  # the chunk's papers first, as in its graph
            draw_citations(g, rows.citing, self.corpus, self.external, self.cstats,
                           lambda nid: self.corpus.has_corpus_paper(S.split_node_id(nid).key))  # fmt: skip
            for u, v, d in g.edges(data=True):
                self.spills["cites"].add(_pair_key(u, v), [u, v, _edge_props(d)])
        for nid, n, prop in rows.proposed:
            self.proposed[nid] = _AMBIGUOUS if nid in self.proposed or n > 1 else prop
        for nid, props in rows.papers:
            self.files.node(S.PAPER, nid, props)  # papers known only as references: from their index at the end
        for nid, props in rows.results:
            self.spills["results"].add(nid, [nid, props])
        for nid, props in rows.named:
            self._name(nid, props)
        for rel, u, v, props in rows.entity_rels:
            self.spills["entity_rels"].add(f"{rel}\x00{u}\x00{v}", [rel, u, v, props])
        for rel, u, v, props in rows.rels:
            self.files.rel(rel, u, v, props)

    def _name(self, nid: str, props: dict) -> None:
        """An Author's or Venue's properties, later papers' values winning
        (as add_node updates them): its name alone, as a string, if that is all."""
        props = {k: v for k, v in props.items() if k != S.KEY}
        old = self.named.get(nid)
        if old is not None and not (isinstance(old, str) and props.keys() == {"name"}):
            props = {**({"name": old} if isinstance(old, str) else old), **props}
        self.named[nid] = props["name"] if props.keys() == {"name"} else props

    # pass 3 ------------------------------------------------------------------
    def proposals(self):
        """The corpus-wide proposals, in entity node order (as add_builds_on reads them)."""
        found = []
        for label, key in self.tables.entities:
            prop = self.proposed.get(S.node_id(label, key))
            if isinstance(prop, _Proposal):
                found.append(prop)
        return index_proposals(found)

    def builds_on(self, index, progress: Callable[[int], None]) -> int:
        n = 0
        for found, too_early, papers in self.map(partial(_builds_on_rows, decode=self.decode), self.chunks(),
                                                 self.tables, index):  # fmt: skip
            self.anachronistic += too_early
            for key, record in found:
                self.spills["builds_on"].add(key, record)
            n += papers
            progress(n)
        return n

    # the end -------------------------------------------------------------------
    def finish(self) -> dict[str, int]:
        files = self.files
        stats = {"cites_repeated": 0, "mutual": 0}
        for rels in self.spills["entity_rels"].buckets():
            merged: dict[tuple[str, str, str], dict] = {}
            for rel, u, v, props in rels:  # add_edge: later papers' values win
                merged.setdefault((rel, u, v), {}).update(props)
            for (rel, u, v), props in merged.items():
                files.rel(rel, u, v, props)
        for cites_bucket, builds_bucket in zip(self.spills["cites"].buckets(), self.spills["builds_on"].buckets(),
                                               strict=True):  # fmt: skip
            cites: dict[tuple[str, str], dict] = {}
            for u, v, props in cites_bucket:
                held = cites.get((u, v))
                if held is None:
                    cites[(u, v)] = props
                    continue
                stats["cites_repeated"] += 1  # the same citation read in two chunks: sources merged
                for part in (props.get("source") or "").split(","):
                    if part:
                        held["source"] = _merge_source(held.get("source"), part)
            stats["mutual"] += sum(1 for u, v in cites if u < v and (v, u) in cites)
            for (u, v), props in cites.items():
                files.rel(S.CITES, u, v, props)
            for a, b, plain, cited in builds_bucket:
                via, evidence, conf = cited if (a, b) in cites else plain
                files.rel(S.BUILDS_ON, a, b, {"via": via, "evidence": evidence, "extractor": BUILDS_ON_EXTRACTOR,
                                              "confidence": conf})  # fmt: skip
        winners = self.board.winners()
        for records in self.spills["results"].buckets():
            for nid, props in records:
                props["best"] = nid in winners
                files.node(S.RESULT, nid, props)
        for (label, key), (name, aliases) in self.tables.entities.items():
            files.node(label, S.node_id(label, key), {S.KEY: key, "name": name, "aliases": aliases,
                                                      "paper_count": self.paper_counts[(label, key)]})  # fmt: skip
        for nid, props in self.named.items():
            ref = S.split_node_id(nid)
            files.node(ref.label, nid, {S.KEY: ref.key, **({"name": props} if isinstance(props, str) else props)})
        for i in range(len(self.external)):
            p = self.external.record(i)
            if self.corpus.has_corpus_paper(p.id):
                continue  # a reference keyed as a corpus paper is: that paper's node
            props = {S.KEY: p.id, "title": p.title or None, "doi": p.doi, "arxiv_id": p.arxiv_id, "s2_id": p.s2_id,
                     "openalex_id": p.openalex_id, "year": p.year, "in_corpus": False}  # fmt: skip
            files.node(S.PAPER, S.node_id(S.PAPER, p.id), {k: v for k, v in props.items() if v is not None})
        for spill in self.spills.values():
            spill.remove()
        return stats


def write_admin_csv(
    source: Source, out_dir: Path, *, chunk_size: int = CHUNK_SIZE, buckets: int = BUCKETS, verify: bool = True,
    progress: Callable[[str, int], None] | None = None, decode: Callable[[Any], list] | None = None,
    mapper: Mapper = local_map,
) -> dict[str, dict[str, int]]:
    """Write the neo4j-admin CSV files of the graph ``build_graph`` would make
    of the corpus ``source()`` streams (pairs of a Paper and its Extraction,
    one per paper id, the same order on every call; it is called three times)
    into ``out_dir``, replacing an earlier export's files at the end.
    Memory grows with the distinct entities, authors, venues and paper
    identifiers, not with papers or relationships; ``chunk_size`` papers are
    built as a graph at a time, and shared relationships are merged
    ``1/buckets`` of them at a time. ``verify`` is add_builds_on's.
    ``progress(pass, papers)`` is called after each chunk.

    With ``decode``, ``source()`` streams chunks in any form (the stored
    lines of a shard and its papers, say) and ``decode(chunk)`` makes the
    pairs of one. ``mapper`` runs each chunk's part of a pass (its graph, its
    rows; see ``Mapper``): on a Dask cluster, every pass but the writing of
    rows and the corpus-wide tables runs on the workers, the same code and
    the same files as here.

    Returns the nodes per label and relationships per type written, and under
    ``held`` the sizes of the tables kept (entries) and of the spills
    (records)."""
    out_dir = Path(out_dir)
    result: dict[str, dict[str, int]] = {}
    if decode is None:
        chunks, decode = (lambda: _chunks(source(), chunk_size)), checked_pairs
    else:
        chunks = source

    def write(tmp: Path) -> list[str]:
        spill_dir = tmp / ".spill"
        spill_dir.mkdir()
        files = _CsvFiles(tmp)
        try:
            s = _Stream(chunks, decode, mapper, files, spill_dir, buckets, verify)

            def step(name: str) -> Callable[[int], None]:
                return (lambda done: progress(name, done)) if progress else (lambda done: None)

            n = s.scan(step("resolving"))
            log.info("admin CSV: %d papers, %d entity keys resolved to %d entities", n, len(s.tables.final),
                     len(s.tables.entities))  # fmt: skip

            def same_corpus(done: int) -> None:
                if done != n:
                    raise ValueError(f"source() streamed {n} papers, then {done}: each call must stream the "
                                     "same corpus (a function that returns a new iterator each time)")  # fmt: skip

            same_corpus(s.write(step("chunks")))
            index = s.proposals()
            if index.by_entity:
                same_corpus(s.builds_on(index, step("builds_on")))
            held = {
                "entity_keys": len(s.tables.final), "entities": len(s.tables.entities),
                "authors_venues": len(s.named), "corpus_papers": len(s.corpus),
                "corpus_identifiers": s.corpus.identifiers, "external_papers": len(s.external),
                "external_identifiers": s.external.identifiers, "leaderboard_groups": len(s.board.top),
                "proposals": len(index.by_entity), "proposed_entities": len(s.proposed),
                **{f"spilled_{name}": spill.records for name, spill in s.spills.items()},
            }  # fmt: skip
            merged = s.finish()
            c = s.cstats
            log.info("admin CSV: CITES %d edges, %d papers known only as references, %d self-citations and %d "
                     "references without identifiers dropped, %d repeated, %d mutual pairs; BUILDS_ON %d links "
                     "(%d left out: the cited paper is newer)",
                     files.counts["edges"][S.CITES], c.external, c.self_citations, c.unresolvable,
                     c.duplicates + merged["cites_repeated"], merged["mutual"],
                     files.counts["edges"][S.BUILDS_ON], s.anachronistic)  # fmt: skip
        finally:
            files.close()
        result.update(nodes=dict(sorted(files.counts["nodes"].items())),
                      edges=dict(sorted(files.counts["edges"].items())), held=held)  # fmt: skip
        return files.names

    replace_csv_files(out_dir, write)
    return result
