"""The embedded store's query engine: a LadybugDB database beside graph.json.gz.

graph.json.gz stays the embedded store's record (NetworkX is the graph Python
users get); ``graph.lbdb`` mirrors it so that ``kg query`` runs full Cypher
without loading the graph: opening the database takes a fraction of a second
where reading graph.json.gz takes many. The NetworkX store keeps the mirror in
step on every write, MERGEing only the nodes and relationships the write
changed; a mirror that does not match graph.json.gz (none yet, a crash between
the two writes, a graph file written by an older kg) is rebuilt whole from
graph.json.gz on the next query.

``graph.lbdb.state`` names the graph file (size, mtime) the database
mirrors; it is removed before the database changes and written after, so a
database whose state file matches the graph file is that graph.

LadybugDB wants its tables declared: node tables per label and relationship
tables per type come from kg.schema, with the property types below.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import schema as S
from . import QueryResult
from .locks import directory_lock

if TYPE_CHECKING:
    import networkx as nx

log = logging.getLogger(__name__)

DB_FILE = "graph.lbdb"
STATE_FILE = "graph.lbdb.state"
MIRROR_FORMAT = 1
_BATCH = 20_000
# LadybugDB's page cache while writing: its default (most of the machine's memory) sits on top of the
# NetworkX graph a build holds; 512 MiB copies the 50k-paper graph as fast
WRITE_BUFFER_POOL = 512 * 1024 * 1024

# Property types; every other property is text. Lists of text are STRING[].
PROPERTY_TYPES: dict[str, str] = {
    "year": "INT64", "paper_count": "INT64", "position": "INT64",
    "in_corpus": "BOOLEAN", "relative": "BOOLEAN", "best": "BOOLEAN",
    "value": "DOUBLE", "high": "DOUBLE", "plus_minus": "DOUBLE", "confidence": "DOUBLE",
    "aliases": "STRING[]", "authors": "STRING[]", "sources": "STRING[]",
}  # fmt: skip
# Attributes that are structure in NetworkX, not properties (as in the Neo4j store).
_NODE_STRUCTURAL = frozenset({"label", "key", "__labels__"})
_EDGE_STRUCTURAL = frozenset({"type", "__labels__"})


def _type_of(prop: str, sample: Any = None) -> str:
    if prop in PROPERTY_TYPES:
        return PROPERTY_TYPES[prop]
    if isinstance(sample, bool):
        return "BOOLEAN"
    if isinstance(sample, int):
        return "INT64"
    if isinstance(sample, float):
        return "DOUBLE"
    if isinstance(sample, list | tuple | set):
        return "STRING[]"
    return "STRING"


def _coerce(v: Any, typ: str) -> Any:
    """A NetworkX value in the column's type, as the Neo4j store would store it
    (NaN and infinities are not stored, sets are sorted lists)."""
    if v is None:
        return None
    if typ == "STRING[]":
        if isinstance(v, str):
            return [v]
        items = sorted(v, key=str) if isinstance(v, set | frozenset) else list(v)
        return [x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in items if x is not None]
    if typ == "DOUBLE":
        f = float(v)
        return f if math.isfinite(f) else None
    if typ == "INT64":
        return int(v)
    if typ == "BOOLEAN":
        return bool(v)
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


# -- schema --------------------------------------------------------------------
def _columns(g: nx.MultiDiGraph | None) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Declared properties per label and type, plus any the graph holds beyond them."""
    nodes = {lb: {p: _type_of(p) for p in S.NODE_PROPERTIES.get(lb, ()) if p != S.KEY} for lb in S.NODE_LABELS}
    rels = {t: {p: _type_of(p) for p in S.REL_PROPERTIES.get(t, ())} for t in S.REL_TYPES}
    if g is not None:
        for _, d in g.nodes(data=True):
            cols = nodes.get(d.get("label"))
            if cols is None:
                continue
            for k, v in d.items():
                if k not in cols and k not in _NODE_STRUCTURAL and v is not None:
                    cols[k] = _type_of(k, v)
        for *_, t, d in g.edges(keys=True, data=True):
            cols = rels.get(t)
            if cols is None:
                continue
            for k, v in d.items():
                if k not in cols and k not in _EDGE_STRUCTURAL and v is not None:
                    cols[k] = _type_of(k, v)
    return nodes, rels


def _pairs(g: nx.MultiDiGraph | None) -> dict[str, set[tuple[str, str]]]:
    pairs = {t: {(a, b) for a in ends[0] for b in ends[1]} for t, ends in S.REL_ENDPOINTS.items()}
    if g is not None:
        for u, v, t in g.edges(keys=True):
            if t in pairs:
                pairs[t].add((g.nodes[u]["label"], g.nodes[v]["label"]))
    return pairs


def _ddl(nodes: dict[str, dict[str, str]], rels: dict[str, dict[str, str]],
         pairs: dict[str, set[tuple[str, str]]]) -> Iterator[str]:  # fmt: skip
    for label, cols in nodes.items():
        body = ", ".join([f"{S.KEY} STRING PRIMARY KEY", *(f"`{p}` {t}" for p, t in cols.items())])
        yield f"CREATE NODE TABLE `{label}`({body})"
    for rel, cols in rels.items():
        ends = ", ".join(f"FROM `{a}` TO `{b}`" for a, b in sorted(pairs[rel]))
        props = "".join(f", `{p}` {t}" for p, t in cols.items())
        yield f"CREATE REL TABLE `{rel}`({ends}{props})"


# -- files and locks ------------------------------------------------------------
def graph_file_state(path: Path) -> list[int] | None:
    """Size and modification time: every save writes a new file, and a copy
    made with its times (``cp -a``, ``rsync -t``) keeps its database."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _remove_db(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal"), path.with_name(path.name + ".shadow")):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


# -- writing ---------------------------------------------------------------------
def _node_rows(g: nx.MultiDiGraph, nids: Iterable[str], cols: dict[str, dict[str, str]]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = defaultdict(list)
    for nid in nids:
        d = g.nodes[nid]
        label = d.get("label")
        if label not in cols:
            continue
        row = {"key": str(d.get(S.KEY, S.split_node_id(nid).key))}
        for p, t in cols[label].items():
            row[p] = _coerce(d.get(p), t)
        rows[label].append(row)
    return rows


def _edge_rows(g: nx.MultiDiGraph, edges: Iterable[tuple[str, str, str]],
               cols: dict[str, dict[str, str]]) -> dict[tuple[str, str, str], list[dict]]:  # fmt: skip
    rows: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for u, v, t in edges:
        if t not in cols:
            continue
        du, dv = g.nodes[u], g.nodes[v]
        d = g.edges[u, v, t]
        row = {"u": str(du[S.KEY]), "v": str(dv[S.KEY])}
        for p, typ in cols[t].items():
            row[p] = _coerce(d.get(p), typ)
        rows[(t, du["label"], dv["label"])].append(row)
    return rows


def _chunks(rows: list[dict], size: int = _BATCH) -> Iterator[list[dict]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _typed(p: str, cols: dict[str, str]) -> str:
    """A row field in its column's type: parameters are typed from their
    values, and a field that is null in every row would arrive as text."""
    t = cols.get(p, "STRING")
    return f"r.`{p}`" if t == "STRING" else f"CAST(r.`{p}` AS {t})"


def _write_nodes(conn: Any, rows: dict[str, list[dict]], cols: dict[str, dict[str, str]]) -> None:
    """MERGE by key, then every property set: the row is the node's whole state."""
    for label, items in rows.items():
        props = [p for p in items[0] if p != "key"]
        sets = ", ".join(f"n.`{p}` = {_typed(p, cols[label])}" for p in props)
        q = f"UNWIND $rows AS r MERGE (n:`{label}` {{key: r.key}})" + (f" SET {sets}" if sets else "")
        for chunk in _chunks(items):
            conn.execute(q, {"rows": chunk})


def _write_edges(conn: Any, rows: dict[tuple[str, str, str], list[dict]], cols: dict[str, dict[str, str]]) -> None:
    # two MATCH clauses, not one with a comma: LadybugDB plans the comma as a
    # cross product and takes seconds per thousand rows
    for (t, a, b), items in rows.items():
        props = [p for p in items[0] if p not in ("u", "v")]
        sets = ", ".join(f"e.`{p}` = {_typed(p, cols[t])}" for p in props)
        q = (f"UNWIND $rows AS r MATCH (a:`{a}` {{key: r.u}}) MATCH (b:`{b}` {{key: r.v}}) "
             f"MERGE (a)-[e:`{t}`]->(b)" + (f" SET {sets}" if sets else ""))  # fmt: skip
        for chunk in _chunks(items):
            conn.execute(q, {"rows": chunk})


def _delete_nodes(conn: Any, nodes: Iterable[tuple[str, str]]) -> None:
    by_label: dict[str, list[str]] = defaultdict(list)
    for label, key in nodes:
        by_label[label].append(key)
    for label, keys in by_label.items():
        for chunk in _chunks(keys):
            conn.execute(f"UNWIND $keys AS k MATCH (n:`{label}` {{key: k}}) DETACH DELETE n", {"keys": chunk})


def _delete_edges(conn: Any, g: nx.MultiDiGraph, edges: Iterable[tuple[str, str, str]]) -> None:
    rows: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for u, v, t in edges:
        if u in g and v in g:
            rows[(t, g.nodes[u]["label"], g.nodes[v]["label"])].append({"u": g.nodes[u][S.KEY], "v": g.nodes[v][S.KEY]})
    for (t, a, b), items in rows.items():
        q = (f"UNWIND $rows AS r MATCH (a:`{a}` {{key: r.u}}) MATCH (b:`{b}` {{key: r.v}}) "
             f"MATCH (a)-[e:`{t}`]->(b) DELETE e")  # fmt: skip
        for chunk in _chunks(items):
            conn.execute(q, {"rows": chunk})


# Lists go through COPY as text joined by U+001F (an empty list is U+001E):
# LadybugDB's CSV lists cannot hold a comma inside an item.
_LIST_SEP, _EMPTY_LIST = "\x1f", "\x1e"


def _csv_value(v: Any, typ: str) -> Any:
    if v is None:
        return None  # written unquoted and empty: null (a quoted "" is the empty string)
    if typ == "STRING[]":
        return _LIST_SEP.join(v) if v else _EMPTY_LIST
    return v


def _csv_safe(row: list[Any], lists: list[str], d: dict[str, Any]) -> bool:
    """Whether COPY reads the row back as it is: no NUL anywhere, and no list
    item holding the separators."""
    if any(isinstance(x, str) and "\x00" in x for x in row):
        return False
    return not any(isinstance(x, str) and (_LIST_SEP in x or _EMPTY_LIST in x or "\x00" in x)
                   for p in lists for x in (d.get(p) or ()))  # fmt: skip


def _csv_field(v: Any) -> str:
    if v is None:
        return ""  # unquoted and empty: null (a quoted "" is the empty string)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return '"' + str(v).replace('"', '""') + '"'


def _copy(conn: Any, table: str, path: Path, rows: Iterable[list[Any]], options: str = "") -> None:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        for row in rows:
            f.write(",".join(map(_csv_field, row)) + "\n")
            n += 1
    if n:
        # the dialect spelled out: LadybugDB otherwise sniffs it from the first rows, and a text with
        # "\\eg, ``a''" in it made it read '' as an escaped quote (one ' lost, silently)
        conn.execute(f"COPY `{table}` FROM '{path}' (HEADER=false, PARALLEL=false, AUTO_DETECT=false, "
                     f"DELIM=',', QUOTE='\"', ESCAPE='\"'{options})")


def load_into(conn: Any, g: nx.MultiDiGraph) -> dict[str, Any]:
    """Declare the tables and copy the whole graph in (through CSV files and
    COPY, the fast path: row by row takes minutes at 50k papers); returns the
    layout (columns and endpoint pairs) a later update must fit."""
    nodes, rels = _columns(g)
    pairs = _pairs(g)
    for stmt in _ddl(nodes, rels, pairs):
        conn.execute(stmt)
    by_label: dict[str, list[str]] = defaultdict(list)
    for nid, d in g.nodes(data=True):
        if d.get("label") in nodes:
            by_label[d["label"]].append(nid)
    by_rel: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    for u, v, t in g.edges(keys=True):
        if t in rels:
            by_rel[(t, g.nodes[u]["label"], g.nodes[v]["label"])].append((u, v))
    with tempfile.TemporaryDirectory(prefix="kg-lbdb-") as tmp:
        for label, nids in by_label.items():
            cols = nodes[label]
            lists = [p for p, t in cols.items() if t == "STRING[]"]
            for p in lists:
                conn.execute(f"ALTER TABLE `{label}` ADD `_kg_raw_{p}` STRING")

            aside: list[str] = []  # nodes whose text CSV cannot carry, written with parameters below

            def node_rows(nids: list[str] = nids, cols: dict[str, str] = cols, lists: list[str] = lists,
                          aside: list[str] = aside):  # fmt: skip
                for nid in nids:
                    d = g.nodes[nid]
                    row = [str(d[S.KEY])]
                    row += [None if t == "STRING[]" else _csv_value(_coerce(d.get(p), t), t) for p, t in cols.items()]
                    row += [_csv_value(_coerce(d.get(p), "STRING[]"), "STRING[]") for p in lists]
                    if not _csv_safe(row, lists, d):
                        aside.append(nid)
                        continue
                    yield row

            _copy(conn, label, Path(tmp) / f"{label}.csv", node_rows())
            _write_nodes(conn, _node_rows(g, aside, nodes), nodes)
            for p in lists:
                conn.execute(f"MATCH (n:`{label}`) WHERE n.`_kg_raw_{p}` IS NOT NULL SET n.`{p}` = CASE "
                             f"WHEN n.`_kg_raw_{p}` = '{_EMPTY_LIST}' THEN CAST([] AS STRING[]) "
                             f"ELSE string_split(n.`_kg_raw_{p}`, '{_LIST_SEP}') END")  # fmt: skip
                conn.execute(f"ALTER TABLE `{label}` DROP `_kg_raw_{p}`")
        for (t, a, b), ends in by_rel.items():
            cols = rels[t]

            aside_edges: list[tuple[str, str, str]] = []

            def edge_rows(ends: list[tuple[str, str]] = ends, cols: dict[str, str] = cols, t: str = t,
                          aside: list[tuple[str, str, str]] = aside_edges):  # fmt: skip
                for u, v in ends:
                    d = g.edges[u, v, t]
                    row = [str(g.nodes[u][S.KEY]), str(g.nodes[v][S.KEY])] + [
                        _csv_value(_coerce(d.get(p), typ), typ) for p, typ in cols.items()
                    ]
                    if not _csv_safe(row, [], d):
                        aside.append((u, v, t))
                        continue
                    yield row

            _copy(conn, t, Path(tmp) / f"{t}-{a}-{b}.csv", edge_rows(), f", from='{a}', to='{b}'")
            _write_edges(conn, _edge_rows(g, aside_edges, rels), rels)
    return {"nodes": nodes, "rels": rels, "pairs": {t: sorted(map(list, p)) for t, p in pairs.items()}}


def memory_database(g: nx.MultiDiGraph) -> Any:
    """An in-memory database of ``g``, for ``kg.query`` on a graph object."""
    import ladybug

    db = ladybug.Database(":memory:")
    load_into(ladybug.Connection(db), g)
    return db


class LadybugMirror:
    """The database file in a graph directory and the state that says which graph file it mirrors."""

    def __init__(self, directory: str | os.PathLike, graph_file: str = "graph.json.gz") -> None:
        self.dir = Path(directory)
        self.db_path = self.dir / DB_FILE
        self.state_path = self.dir / STATE_FILE
        self.graph_file = self.dir / graph_file

    # state
    def _state(self) -> dict[str, Any] | None:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if state.get("format") != MIRROR_FORMAT or not self.db_path.exists():
            return None
        return state

    def mirrors(self, file_state: list[int] | None) -> bool:
        state = self._state()
        return state is not None and file_state is not None and state.get("graph_file") == file_state

    def _write_state(self, layout: dict[str, Any], file_state: list[int] | None) -> None:
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_text(json.dumps({"format": MIRROR_FORMAT, "graph_file": file_state, **layout}), encoding="utf-8")
        os.replace(tmp, self.state_path)

    def begin_write(self, before: list[int] | None) -> dict[str, Any] | None:
        """Before the graph file changes: the layout of a database that mirrors
        it as it is (None if none does), and no state file until the database
        has caught up."""
        state = self._state()
        self.state_path.unlink(missing_ok=True)
        if state is None or before is None or state.get("graph_file") != before:
            return None
        return state

    def remove(self) -> None:
        self.state_path.unlink(missing_ok=True)
        _remove_db(self.db_path)

    # writes: callers hold the directory lock
    def rebuild(self, g: nx.MultiDiGraph, file_state: list[int] | None) -> None:
        """The whole graph into a new database file, renamed over the old one."""
        import ladybug

        t0 = time.perf_counter()
        self.state_path.unlink(missing_ok=True)
        tmp_dir = Path(tempfile.mkdtemp(dir=self.dir, prefix=".lbdb-"))
        try:
            tmp = tmp_dir / DB_FILE
            db = ladybug.Database(tmp, buffer_pool_size=WRITE_BUFFER_POOL)
            conn = ladybug.Connection(db)
            layout = load_into(conn, g)
            conn.close()
            db.close()
            _remove_db(self.db_path)
            os.replace(tmp, self.db_path)
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)
        self._write_state(layout, file_state)
        log.info("%s: query database built from %d nodes, %d relationships in %.1f s", self.dir,
                 g.number_of_nodes(), g.number_of_edges(), time.perf_counter() - t0)  # fmt: skip

    def update(self, g: nx.MultiDiGraph, nodes: Iterable[str], edges: Iterable[tuple[str, str, str]],
               removed: Iterable[tuple[str, str, str]], mirrored: dict[str, Any],
               after: list[int] | None, removed_nodes: Iterable[tuple[str, str]] = ()) -> None:  # fmt: skip
        """MERGE the changed nodes and relationships into the database, delete
        the ``removed_nodes`` (label, key) with their relationships and the
        ``removed`` relationships (``(u, v, type)`` of nodes still in ``g``), which
        mirrored the graph file before this write (``mirrored``, from
        ``begin_write``); rebuild it when the change needs a table layout the
        database lacks."""
        import ladybug

        nodes, edges = list(nodes), list(edges)
        layout = {"nodes": mirrored["nodes"], "rels": mirrored["rels"], "pairs": mirrored["pairs"]}
        new_nodes, new_rels = _columns(g.subgraph(nodes))
        pairs = {t: {tuple(p) for p in ps} for t, ps in layout["pairs"].items()}
        # new node properties and endpoint pairs are added to the tables in place; a relationship
        # property the tables lack (none the schema declares) needs a rebuild
        add_columns = [(lb, p, t) for lb, cols in new_nodes.items() for p, t in cols.items()
                       if p not in layout["nodes"].get(lb, {})]  # fmt: skip
        add_pairs = sorted({(t, g.nodes[u]["label"], g.nodes[v]["label"]) for u, v, t in edges
                            if t in layout["rels"] and (g.nodes[u]["label"], g.nodes[v]["label"]) not in pairs.get(t, set())})  # fmt: skip
        missing = [f"{t}.{p}" for t, cols in new_rels.items() for p in cols if p not in layout["rels"].get(t, {})]
        if missing:
            log.info("%s: the new papers bring relationship properties the query database has no column for "
                     "(%s); rebuilding it", self.dir, ", ".join(missing[:5]))  # fmt: skip
            return self.rebuild(g, after)
        t0 = time.perf_counter()
        db = ladybug.Database(self.db_path, buffer_pool_size=WRITE_BUFFER_POOL)
        conn = ladybug.Connection(db)
        try:
            for lb, p, t in add_columns:
                conn.execute(f"ALTER TABLE `{lb}` ADD `{p}` {t}")
                layout["nodes"][lb][p] = t
            for t, a, b in add_pairs:
                conn.execute(f"ALTER TABLE `{t}` ADD FROM `{a}` TO `{b}`")
                layout["pairs"][t].append([a, b])
            conn.execute("BEGIN TRANSACTION")
            _delete_nodes(conn, removed_nodes)
            _delete_edges(conn, g, removed)
            _write_nodes(conn, _node_rows(g, nodes, layout["nodes"]), layout["nodes"])
            _write_edges(conn, _edge_rows(g, edges, layout["rels"]), layout["rels"])
            conn.execute("COMMIT")
        finally:
            conn.close()
            db.close()
        self._write_state(layout, after)
        log.info("%s: query database updated with %d nodes, %d relationships in %.1f s", self.dir,
                 len(nodes), len(edges), time.perf_counter() - t0)  # fmt: skip

    # reads
    def query(self, cypher: str, params: dict[str, Any] | None = None, timeout_s: float | None = None) -> QueryResult:
        """Full Cypher (Neo4j's dialect, see kg.cypher) on the database, rebuilt
        first when it does not mirror the graph file."""
        import ladybug

        from ..cypher import translate

        text, used = translate(cypher, params)
        with directory_lock(self.dir, shared=True):
            fresh = self.mirrors(graph_file_state(self.graph_file))
        if not fresh:
            self._refresh()
        with directory_lock(self.dir, shared=True):
            if not self.mirrors(graph_file_state(self.graph_file)):  # rewritten meanwhile, or not writable
                return run_on(memory_database(_load_graph(self.graph_file)), text, used, cypher, timeout_s)
            db = ladybug.Database(self.db_path, read_only=True)
            try:
                return run_on(db, text, used, cypher, timeout_s)
            finally:
                db.close()

    def _refresh(self) -> None:

        if not os.access(self.dir, os.W_OK):
            return
        with directory_lock(self.dir):
            state = graph_file_state(self.graph_file)
            if state is None or self.mirrors(state):
                return
            log.info("%s: building the query database from %s (once; later writes keep it in step)", self.dir,
                     self.graph_file.name)  # fmt: skip
            self.rebuild(_load_graph(self.graph_file), state)


def _load_graph(path: Path) -> nx.MultiDiGraph:
    from .networkx_store import load_graph

    return load_graph(path)


def run_on(db: Any, text: str, params: dict[str, Any], original: str, timeout_s: float | None = None) -> QueryResult:
    """Run translated Cypher and return Neo4j-shaped values."""
    import ladybug

    from ..cypher import explain_error

    conn = ladybug.Connection(db)
    try:
        if timeout_s:
            conn.set_query_timeout(int(timeout_s * 1000))
        if "_kg_one" in text:  # an ordering that collect() must see in order (kg.cypher._with_order)
            conn.set_max_threads_for_exec(1)
        try:
            res = conn.execute(text, params)
            if isinstance(res, list):
                res = res[-1]
            columns = res.get_column_names()
            rows = [[plain(v) for v in row] for row in res.get_all()]
        except RuntimeError as e:
            raise explain_error(e, original) from None
    finally:
        conn.close()
    return QueryResult(columns, rows)


def plain(v: Any) -> Any:
    """LadybugDB values as the Neo4j store returns them: nodes are property
    dicts with their ``label``, relationships with their ``type``, paths
    alternating lists, unset properties absent, integer sums integers."""
    if isinstance(v, dict):
        if "_NODES" in v and "_RELS" in v:
            nodes, rels = v["_NODES"], v["_RELS"]
            out: list[Any] = [plain(nodes[0])] if nodes else []
            for r, n in zip(rels, nodes[1:], strict=False):
                out += [plain(r), plain(n)]
            return out
        if "_LABEL" in v and "_ID" in v:
            kind = "type" if "_SRC" in v else "label"
            props = {k: plain(x) for k, x in v.items() if not k.startswith("_") and x is not None}
            return {kind: v["_LABEL"], **props}
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [plain(x) for x in v]
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return str(v)
