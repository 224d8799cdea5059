"""Entity resolution across papers: one node per real-world entity.

Within a type, surface forms with the same canonical key are one entity
("CIFAR100" = "CIFAR-100", "LLaMA 3.1 8B" = "Llama-3.1-8B"), and so are spelling
variants of multi-word names ("fully fine-tuning" = "full fine-tuning"). A
paper that pairs an acronym with a long form makes them one entity (the
extractor gives the long form the acronym as an alias). A bare acronym in a
paper that never spells it out stays its own entity: short acronyms ("GEM",
"DSI") are reused by unrelated papers, and a join decided corpus-wide could
not be made the same way when papers arrive build by build (a store cannot
take back a node it has written), so one build and several give one graph.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from extractors import Entity, canonical_key

_ACRONYM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-\.]{0,11}$")


def is_acronym(surface: str) -> bool:
    """A short single token with at least two capitals, e.g. GC, LNP, RSNNs."""
    s = surface.strip()
    return " " not in s and bool(_ACRONYM.match(s)) and sum(c.isupper() for c in s) >= 2 and len(s) <= 12


@lru_cache(maxsize=1 << 17)
def entity_key(surface: str) -> str:
    """Cached: a build asks for the same names' keys many times (resolution,
    then every relation and result that names an entity)."""
    key = canonical_key(surface)
    if key:
        return key
    # Names with no ASCII letters or digits (e.g. CJK) still need a stable key.
    return "u" + hashlib.sha1(surface.strip().lower().encode("utf-8")).hexdigest()[:12]


@dataclass
class ResolvedEntity:
    label: str
    key: str
    names: Counter = field(default_factory=Counter)  # surface name -> papers using it as the name
    surfaces: set[str] = field(default_factory=set)
    papers: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        # most used name; ties go to the longest, then alphabetical, for stability
        return max(self.names.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0] if self.names else self.key

    @property
    def aliases(self) -> list[str]:
        """Other forms of the name; one per canonical key, so case, hyphen and
        plural variants of the name ("Transformers", "TRansformer") are not
        listed as aliases of "Transformer"."""
        name = self.name
        seen = {entity_key(name)}
        out = []
        for s in sorted(self.surfaces, key=lambda s: (-self.names.get(s, 0), s)):
            if (k := entity_key(s)) not in seen:
                seen.add(k)
                out.append(s)
        return sorted(out)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(self, x: tuple[str, str]) -> tuple[str, str]:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


_WORDS = re.compile(r"[A-Za-z]+|\d+")


def variant_key(surface: str) -> str | None:
    """A looser key for spelling variants of multi-word names: adverb, verb
    and plural endings dropped word by word ("fully fine-tuning" = "full
    fine-tuning", "supervised fine-tuned" = "supervised fine-tuning"). None for names with digits or a single word, whose endings
    carry versions and sizes (GPT-4 / GPT-4o, CIFAR-10 / CIFAR-100)."""
    words = _WORDS.findall(surface.lower())
    if len(words) < 2 or any(w.isdigit() for w in words):
        return None
    out = []
    for w in words:
        if len(w) > 6 and w.endswith("ally"):  # "automatically" = "automatic"
            w = w[:-4]
        elif len(w) >= 5 and w.endswith("lly"):  # "fully" = "full"
            w = w[:-1]
        elif len(w) >= 5 and w.endswith("ly"):  # "jointly" = "joint"
            w = w[:-2]
        elif len(w) > 5 and w.endswith("ing"):  # "supervised fine-tuning" = "supervised fine-tuned"
            w = w[:-3]
        elif len(w) > 4 and w.endswith("ed"):
            w = w[:-2]
        elif len(w) > 4 and w.endswith("ies"):
            w = w[:-3] + "y"
        elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return " ".join(out)


def _variant_slot(surface: str) -> str:
    v = variant_key(surface)
    return "~" + v if v else ""


def resolve(extractions: Iterable[tuple[str, list[Entity]]]) -> tuple[dict[tuple[str, str], ResolvedEntity], dict]:
    """Group the entities of all papers.

    Returns the resolved entities by (label, key), and a lookup from
    (paper id, label, canonical key of the entity's name) to that (label, key),
    which the graph builder uses to draw the paper's edges.
    """
    extractions = list(extractions)
    uf = _UnionFind()
    variants: dict[tuple[str, str], tuple[str, str]] = {}
    for _, entities in extractions:
        for e in entities:
            link_entity(uf, variants, e)

    resolved: dict[tuple[str, str], ResolvedEntity] = {}
    lookup: dict[tuple[str, str, str], tuple[str, str]] = {}
    for pid, entities in extractions:
        for e in entities:
            root = uf.find((e.type, entity_key(e.name)))
            r = resolved.get(root)
            if r is None:
                r = resolved[root] = ResolvedEntity(root[0], root[1])
            r.names[e.name] += 1
            r.surfaces.add(e.name)
            r.surfaces.update(e.aliases)
            r.papers.add(pid)
            lookup[(pid, e.type, entity_key(e.name))] = root
    rekeyed, renamed = rekey_entities(resolved)
    return rekeyed, {k: renamed[v] for k, v in lookup.items()}


def link_entity(uf: _UnionFind, variants: dict[tuple[str, str], tuple[str, str]], e: Entity) -> tuple[str, str]:
    """Join an entity's (type, canonical key) with its spelling variant's and
    its long-form aliases' in ``uf``; returns that (type, key). ``variants``
    maps (type, variant key) to the first key seen with it."""
    head = (e.type, entity_key(e.name))
    uf.find(head)
    if (v := variant_key(e.name)) is not None:
        uf.union(head, variants.setdefault((head[0], v), head))
    for alias in e.aliases:
        if not (is_acronym(alias) and not is_acronym(e.name)):
            uf.union(head, (head[0], entity_key(alias)))
    return head


def rekey_entities(
    resolved: dict[tuple[str, str], ResolvedEntity],
) -> tuple[dict[tuple[str, str], ResolvedEntity], dict[tuple[str, str], tuple[str, str]]]:
    """Key each group (in ``resolved``'s order, which decides who gets a
    contested key) by its display name, so keys read well in Cypher. Returns
    the entities by their new (label, key) and the new (label, key) of each
    old one."""
    rekeyed: dict[tuple[str, str], ResolvedEntity] = {}
    renamed: dict[tuple[str, str], tuple[str, str]] = {}
    for root, r in resolved.items():
        new = (r.label, entity_key(r.name))
        while new in rekeyed:  # another group already owns that key
            new = (new[0], new[1] + "_")
        r.key = new[1]
        rekeyed[new] = r
        renamed[root] = new
    return rekeyed, renamed


# -- against a store ----------------------------------------------------------
StoredEntity = tuple[str, str, list[str]]  # (label, key, aliases)


def stored_entity_index(entities: Iterable[StoredEntity]) -> dict[tuple[str, str], str]:
    """(label, key of the name or of a long-form alias, or its spelling
    variant) -> stored entity key. Pass the stored name among the aliases so
    its variant is indexed too. Acronyms are left out: they are ambiguous
    across papers.

    One answer whatever order the store returns its rows in (a server's row
    order is not stable, and an index built first-come made a second load of
    the same graph move edges from one entity onto another): every stored
    entity's own (label, key) names that entity; an alias only fills a slot
    no entity owns; and where aliases of several entities share a slot, the
    smallest entity key takes it."""
    index: dict[tuple[str, str], str] = {}
    by_alias: dict[tuple[str, str], str] = {}
    for label, key, aliases in entities:
        index[(label, key)] = key
        for alias in aliases or ():
            if not is_acronym(alias):
                for slot in ((label, entity_key(alias)), (label, _variant_slot(alias))):
                    if slot[1] and (slot not in by_alias or key < by_alias[slot]):
                        by_alias[slot] = key
    for slot, key in by_alias.items():
        index.setdefault(slot, key)
    return index


def rebase_entities(graph, index: dict[tuple[str, str], str]):
    """``graph`` with each new entity whose name or long-form alias names a
    stored entity renamed onto that entity (its name kept as an alias), so a
    load of new papers joins what a single build of all papers would have
    joined. Returns a new graph; ``graph`` is left as it is."""
    import networkx as nx

    from . import schema as S

    rename: dict[str, str] = {}
    for nid, d in graph.nodes(data=True):
        label = d.get("label")
        if label not in S.ENTITY_LABELS or index.get((label, d.get("key"))) == d.get("key"):
            continue  # not an entity, or already stored under its own key
        forms = [d.get("name") or "", *(a for a in d.get("aliases") or [] if not is_acronym(a))]
        slots = [(label, entity_key(f)) for f in forms] + [(label, _variant_slot(f)) for f in forms]
        found = next((index[slot] for slot in slots if slot[1] and slot in index), None)
        if found is not None:
            rename[nid] = S.node_id(label, found)
    if not rename:
        return graph
    out = nx.MultiDiGraph(**graph.graph)
    for nid, d in graph.nodes(data=True):
        target = rename.get(nid)
        if target is None:
            out.add_node(nid, **d)
            continue
        aliases = [*(d.get("aliases") or []), d.get("name")]
        merged = {**d, "aliases": aliases, "name": None, "key": S.split_node_id(target).key}
        if target in out:  # two new entities joined the same stored one
            mine = out.nodes[target]
            mine["aliases"] = [*(mine.get("aliases") or []), *(a for a in aliases if a not in (mine.get("aliases") or []))]
        else:
            out.add_node(target, **merged)
    for u, v, k, d in graph.edges(keys=True, data=True):
        out.add_edge(rename.get(u, u), rename.get(v, v), key=k, **d)
    return out


# Paper identifiers a stored Paper node can be found by, strongest first.
PAPER_IDENTIFIERS = ("doi", "arxiv_id", "s2_id", "openalex_id")


def stored_paper_index(papers: Iterable[dict]) -> dict[tuple[str, str], str]:
    """(identifier kind, normalised value) -> stored paper key, for stored
    Paper property maps; the smallest key wins a tie, whatever the order."""
    from .dedup import identifiers
    from .records import Paper

    index: dict[tuple[str, str], str] = {}
    for d in sorted(papers, key=lambda d: str(d.get("key"))):
        ref = Paper(id="", title="", **{k: d.get(k) for k in PAPER_IDENTIFIERS})
        for ident in identifiers(ref):
            if ident[0] in PAPER_IDENTIFIERS:
                index.setdefault(ident, str(d["key"]))
    return index


def rebase_papers(graph, index: dict[tuple[str, str], str]):
    """``graph`` with each new Paper that shares a DOI, arXiv, Semantic Scholar
    or OpenAlex id with a stored paper under another key moved onto that key,
    so the same paper read in two builds (JSON Lines with its own id, then
    BibTeX by DOI) is one node. Returns a new graph, or ``graph`` itself when
    nothing moves."""
    import networkx as nx

    from . import schema as S
    from .dedup import identifiers
    from .records import Paper

    rename: dict[str, str] = {}
    for nid, d in graph.nodes(data=True):
        if d.get("label") != S.PAPER:
            continue
        ref = Paper(id="", title="", **{k: d.get(k) for k in PAPER_IDENTIFIERS})
        found = next((index[i] for i in identifiers(ref) if i in index), None)
        if found is not None and found != d.get("key"):
            rename[nid] = S.node_id(S.PAPER, found)
    if not rename:
        return graph
    out = nx.MultiDiGraph(**graph.graph)
    for nid, d in graph.nodes(data=True):
        target = rename.get(nid, nid)
        if target in out:  # two new records of one stored paper: fill, never overwrite
            mine = out.nodes[target]
            mine.update({k: v for k, v in d.items() if mine.get(k) is None})
        else:
            out.add_node(target, **(dict(d, key=S.split_node_id(target).key) if nid in rename else d))
    for u, v, k, d in graph.edges(keys=True, data=True):
        u, v = rename.get(u, u), rename.get(v, v)
        if u != v and not out.has_edge(u, v, k):
            out.add_edge(u, v, key=k, **d)
    return out
