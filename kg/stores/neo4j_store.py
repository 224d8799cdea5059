"""The Neo4j store: the graph records over Bolt, with the official driver.

Why it is shaped this way:

- Writes are ``UNWIND $rows AS row MERGE ...`` batches, one query text per
  label and per (relationship type, start label, end label), so the server
  plans each shape once and every MERGE finds its endpoints through the
  ``key`` constraint (or index). Each batch is its own managed transaction
  (``execute_write``, retried on transient errors): what committed stays if
  the server goes away, and a rerun MERGEs over it without duplicates.
- Labels and relationship types are formatted into query text, which Cypher
  cannot parameterise; they come only from :mod:`kg.schema` and are checked
  against it first. Everything read from papers travels as parameters.
- Merge semantics follow the embedded store (``networkx_store.merge_into``):
  list properties (aliases, sources, authors) are unioned, ``in_corpus`` is
  or-ed, other properties overwritten where the new value is known, and
  ``paper_count`` recomputed from the stored graph for every entity the write
  touched.
- The same code runs against FalkorDB, which speaks Bolt and is what the tests
  use (no Docker engine on CI). Its differences are feature-detected when the
  store connects, never assumed from the URI; see docs/neo4j.md.
- Every statement has a client-side deadline (``timeout``): the driver has no
  socket read timeout, and a server that never answers (FalkorDB with a value
  over 64 KiB to send) would otherwise hang the caller for ever.
- A write ends by checking that the server holds what it was sent (every node
  key, and at least as many relationships per type): a server that restarts
  from an older snapshot within the driver's retry window takes the retried
  batches and would otherwise let a load report success with papers missing.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import networkx as nx

from .. import schema as S
from ..graph import new_graph
from . import QueryResult, StoreUnavailable, register_store

log = logging.getLogger(__name__)

DEFAULT_URI = "bolt://localhost:7687"
# The Bolt preamble and one proposed version (5.4): any Bolt server answers it with four bytes.
BOLT_HANDSHAKE = bytes.fromhex("6060B017") + bytes.fromhex("00000405") + bytes(12)
DEFAULT_BATCH_SIZE = 1000
# Seconds one statement (with the driver's retries) may take before the store
# gives up on the server: long enough for a 1,000-row MERGE or reading a
# label's nodes on a busy server, short enough that a reply that never comes
# is reported rather than waited for.
DEFAULT_TIMEOUT = 120.0

# Properties merged as sets (old values first, new ones appended), as the
# embedded store's merge_into does.
LIST_PROPS: tuple[str, ...] = ("aliases", "sources", "authors")
# Properties or-ed on merge: a paper once in the corpus stays in it.
OR_PROPS: tuple[str, ...] = ("in_corpus",)
# Node attributes that are structure in NetworkX, not properties.
_STRUCTURAL = frozenset({"label", "key", "__labels__"})
_EDGE_STRUCTURAL = frozenset({"type", "__labels__"})
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# FalkorDB's Bolt layer (4.16) splices Bolt parameters into the query text
# through a 4 KiB stack buffer and aborts beyond it, which would hold a
# statement to about 40 rows. A query sent without Bolt parameters is taken
# whole, so on such a server the store writes FalkorDB's own parameter header
# (``CYPHER rows=[...] UNWIND $rows ...``, the form its native protocol and
# clients use) and sends no Bolt parameters; a statement is kept under this
# many bytes.
SPLICED_TEXT_LIMIT = 256 * 1024
# The longest query text a batch goes with (the Paper merge is about 600 bytes).
_QUERY_ALLOWANCE = 1024
# Control characters (C0, DEL, C1): never in a key kg makes, and NUL cannot be
# sent to FalkorDB at all (its query text is a C string).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_T = TypeVar("_T")


class StoreTimeout(StoreUnavailable):
    """The server did not answer a statement within the store's ``timeout``."""


class LostWrites(StoreUnavailable):
    """The server holds less than a write sent it (it lost committed batches)."""


# The name a statement's thread is given when the store gives up on it. The
# driver logs an error when that thread's connection is shut under it: the
# expected end of an abandoned call, already reported as one StoreTimeout, so
# it is not logged. (A name, not a thread id: ids are reused.)
_ABANDONED = "kg-neo4j (abandoned)"


def _not_abandoned(record: logging.LogRecord) -> bool:
    return record.threadName != _ABANDONED


# (Logger filters are not inherited: each logger the driver writes to gets it.)
for _name in ("neo4j", "neo4j.io", "neo4j.pool", "neo4j.session"):
    logging.getLogger(_name).addFilter(_not_abandoned)


def _label(label: str) -> str:
    """A node label for query text: only the schema's labels pass."""
    if label not in S.NODE_LABELS:
        raise ValueError(f"not a kg node label: {label!r}")
    return f"`{label}`"


def _rel_type(rel: str) -> str:
    """A relationship type for query text: only the schema's types pass."""
    if rel not in S.REL_TYPES:
        raise ValueError(f"not a kg relationship type: {rel!r}")
    return f"`{rel}`"


def _prop_name(name: str) -> str:
    """A property name for query text: only names the schema documents pass."""
    if name != S.KEY and name not in LIST_PROPS and name not in OR_PROPS:
        raise ValueError(f"not a property kg formats into queries: {name!r}")
    return name


@functools.cache
def _is_identifier(name: object) -> bool:
    """Cached: the same few dozen property names are asked about for every row."""
    return isinstance(name, str) and _IDENT.match(name) is not None


def _checked_prop(name: str) -> str:
    if not _is_identifier(name):
        raise ValueError(f"not a property name: {name!r}")
    return name


def _spliced_size(v: Any) -> int:
    """The bytes a value takes in FalkorDB's parameter header."""
    return len(_literal(v).encode("utf-8"))


def _split_text(text: str, room: int) -> list[str]:
    parts, cur, used = [], [], 2
    for ch in text:
        cost = _spliced_size(ch) - 2
        if cur and used + cost > room:
            parts.append("".join(cur))
            cur, used = [], 2
        cur.append(ch)
        used += cost
    if cur or not parts:
        parts.append("".join(cur))
    return parts


def _split_list(items: list[Any], room: int) -> list[list[Any]]:
    parts: list[list[Any]] = []
    cur: list[Any] = []
    used = 2
    for x in items:
        cost = _spliced_size(x) + 1
        if cost + 2 > room:
            raise ValueError(f"a list item is too large for Bolt parameters that are spliced: {str(x)[:80]}")
        if cur and used + cost > room:
            parts.append(cur)
            cur, used = [], 2
        cur.append(x)
        used += cost
    if cur or not parts:
        parts.append(cur)
    return parts


def _chunks(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _value(v: Any) -> Any:
    """A property value Bolt can store: scalars and homogeneous lists of
    them. Sets become sorted lists, maps and mixed lists JSON text; None
    (inside lists too) is dropped because Neo4j cannot store it."""
    if v is None or isinstance(v, str | bool | int):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, set | frozenset):
        v = sorted(v, key=str)
    if isinstance(v, list | tuple):
        items = [_value(x) for x in v if x is not None]
        if all(isinstance(x, str) for x in items) or all(type(x) is type(items[0]) for x in items):
            return items
        return [str(x) for x in items]
    import json

    return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


def _props(d: dict[str, Any], skip: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if k in skip:
            continue
        if not _is_identifier(k):
            log.warning("property %r is not an identifier; not stored", k)
            continue
        if type(v) is not str:  # most values are text, stored as they are
            v = _value(v)
            if v is None:
                continue
        out[k] = v
    return out


class _Rendered(list):
    """A list whose items are already spelled as literals (a batch measured
    while it was cut, so it is rendered once)."""


def _literal(v: Any) -> str:
    """A parameter value as FalkorDB's parameter header spells it
    (``CYPHER name=value ... query``, the form its own protocol takes
    parameters in). Strings are single-quoted with ``\\`` and ``'``
    escaped, so text from papers arrives intact and cannot end the string;
    map keys must be identifiers (they are kg's property names)."""
    t = type(v)
    if t is str:
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if t is dict:
        return "{" + ", ".join([f"{_checked_prop(k)}: {_literal(x)}" for k, x in v.items()]) + "}"
    if t is _Rendered:
        return "[" + ", ".join(v) + "]"
    if t is list or t is tuple:
        return "[" + ", ".join([_literal(x) for x in v]) + "]"
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        if not math.isfinite(v):
            raise ValueError(f"not a storable number: {v!r}")
        return repr(v)
    if v is None:
        return "NULL"
    for base in (str, int, float, list, tuple, dict):  # subclasses, by their base's spelling
        if isinstance(v, base):
            return _literal(base(v))
    raise ValueError(f"not a Cypher parameter value: {t.__name__}")


def _with_header(cypher: str, params: dict[str, Any]) -> str:
    """The query text FalkorDB runs for ``cypher`` with ``params``: its
    parameter header, then the query."""
    if not params:
        return cypher
    return "CYPHER " + " ".join(f"{_checked_prop(k)}={_literal(v)}" for k, v in params.items()) + " " + cypher


def _scheme_host_port(uri: str) -> tuple[str, str, int]:
    parts = urlsplit(uri)
    if parts.scheme not in ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"):
        raise StoreUnavailable(f"not a Bolt URI: {uri!r} (expected e.g. bolt://localhost:7687)")
    try:
        port = parts.port or 7687
    except ValueError:
        raise StoreUnavailable(f"not a Bolt URI: {uri!r} (bad port)") from None
    return parts.scheme, parts.hostname or "localhost", port


def _bolt_preflight(scheme: str, host: str, port: int, timeout: float, attempts: int = 3) -> None:
    """Reach the server before the driver does, for two reasons: a refused
    connection becomes one clear line at once instead of the driver's
    retries, and FalkorDB (4.16) leaves the first connection after a client's
    GOODBYE unanswered until a new connection comes in, which a bare
    handshake here absorbs. Plain-text Bolt gets a version handshake; TLS
    schemes only a TCP connect."""
    last: OSError | None = None
    for _ in range(attempts):
        try:
            with socket.create_connection((host, port), timeout=timeout) as s:
                if "+" in scheme:
                    return
                s.sendall(BOLT_HANDSHAKE)
                if len(s.recv(4)) == 4:
                    return
        except ConnectionRefusedError as e:
            raise StoreUnavailable(f"cannot reach a Bolt server at {host}:{port}: connection refused") from e
        except socket.gaierror as e:
            raise StoreUnavailable(f"cannot reach a Bolt server at {host}:{port}: unknown host") from e
        except OSError as e:  # timeouts and resets: try again, then let the driver report
            last = e
    log.debug("Bolt preflight to %s:%d got no handshake answer (%s)", host, port, last)


def _poke(host: str, port: int) -> None:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        pass


@register_store("neo4j")
class Neo4jStore:
    """A :class:`kg.stores.GraphStore` on a Neo4j (or other Bolt) server.

    ``batch_size`` rows go in one transaction; ``retry_seconds`` bounds the
    driver's retries of a transaction on transient errors and lost
    connections; ``timeout`` bounds the seconds one statement, retries
    included, may wait for the server (``None`` or 0: no bound), after which
    the store gives up, closes its connections and raises
    :class:`StoreTimeout`. The password is never logged or put in a message.
    """

    name = "neo4j"

    def __init__(
        self,
        uri: str | None = None,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        retry_seconds: float = 30.0,
        connect_timeout: float = 15.0,
        timeout: float | None = DEFAULT_TIMEOUT,
        **_: Any,
    ) -> None:
        import neo4j
        from neo4j import exceptions as nx4j

        self.uri = uri or DEFAULT_URI
        self.user = user if user is not None else "neo4j"
        self.database = database or None
        self.batch_size = max(1, int(batch_size))
        if timeout is not None and not timeout >= 0:  # negative or NaN
            raise ValueError(f"the Neo4j timeout must be a number of seconds >= 0, got {timeout!r}")
        self.timeout: float | None = float(timeout) if timeout else None
        self.flavour = "neo4j"  # or "falkordb"; set by _detect
        self.server_version = ""
        self.splices_params = False
        self.param_limit: int | None = None  # bytes of spliced text, where the server splices
        self.key_index = "none"  # "constraint", "index" or "none"; set by _ensure_keys
        self._keys_checked = False
        self.last_write: dict[str, float] = {}
        self._driver: Any = None
        scheme, self._host, self._port = _scheme_host_port(self.uri)
        _bolt_preflight(scheme, self._host, self._port, timeout=min(connect_timeout, 5.0))
        try:
            self._driver = neo4j.GraphDatabase.driver(
                self.uri, auth=(self.user, password or ""), user_agent="kg",
                max_transaction_retry_time=retry_seconds,
                connection_timeout=connect_timeout, connection_acquisition_timeout=connect_timeout,
            )  # fmt: skip
            self._probe(nx4j)
            self._detect()
        except StoreUnavailable:
            self.close()
            raise
        except (nx4j.ConfigurationError, ValueError) as e:
            self.close()
            raise StoreUnavailable(f"cannot use Bolt URI {self.uri!r}: {e}") from None

    # -- connection ------------------------------------------------------
    def _where(self) -> str:
        return f"{self.uri} as {self.user!r}"

    def _probe(self, nx4j: Any) -> None:
        """One trivial query, so that an unreachable server or a refused login
        fails here with one line, not in the middle of a load."""

        def ping() -> None:
            with self._session() as s:
                s.run("RETURN 1 AS ok").consume()

        try:
            self._bounded(ping, "connecting")
        except nx4j.AuthError:
            raise StoreUnavailable(
                f"authentication failed at {self._where()} (check NEO4J_USER / NEO4J_PASSWORD)"
            ) from None
        except (nx4j.ServiceUnavailable, nx4j.SessionExpired, OSError) as e:
            raise StoreUnavailable(f"cannot reach a Bolt server at {self.uri}: {_first_line(e)}") from None
        except nx4j.Neo4jError as e:
            # FalkorDB with requirepass accepts any login and fails the first
            # query instead; Neo4j reports a wrong database here.
            raise StoreUnavailable(
                f"the server at {self._where()} refused a trivial query (wrong user, password or database?): "
                f"{_neo4j_message(e)}"
            ) from None

    def _session(self) -> Any:
        if self._driver is None:
            raise StoreUnavailable(f"the connection to {self.uri} is closed")
        return self._driver.session(database=self.database)

    def _bounded(self, call: Callable[[], _T], doing: str) -> _T:
        """``call()`` (one statement, with the driver's retries), given up on
        after ``timeout`` seconds. The driver has no socket read timeout and a
        transaction timeout is the server's to enforce, so a server that never
        replies (FalkorDB with a value over 64 KiB to send) would block the
        caller for ever: the call runs in a daemon thread, and when it is late
        the store shuts its connections (which wakes that thread), closes the
        driver and raises :class:`StoreTimeout`."""
        if self.timeout is None:
            return call()
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = call()
            except BaseException as e:  # handed to the caller's thread
                box["error"] = e

        worker = threading.Thread(target=run, name="kg-neo4j", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            worker.name = _ABANDONED
            self._abandon()
            hint = ("FalkorDB cannot return a value over 64 KiB over Bolt: read long values in slices with "
                    "substring()" if self.flavour == "falkordb" else "the server may be stuck or overloaded")  # fmt: skip
            raise StoreTimeout(
                f"no answer from Neo4j at {self.uri} within {self.timeout:g} s while {doing} ({hint}; "
                "a slow statement needs a longer --timeout or KG_NEO4J_TIMEOUT)"
            )
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _abandon(self) -> None:
        """Give up on the server after a timeout: shut every socket of the
        driver's pool, so the thread blocked reading one wakes (closing a
        socket does not wake a reader on Linux; shutting it does), then
        close the driver. The pool is reached through driver internals, each
        step guarded, so another driver version at worst leaves the thread
        blocked (it is a daemon: it never holds the process)."""
        driver, self._driver = self._driver, None
        if driver is None:
            return
        try:
            pool = getattr(driver, "_pool", None)
            for conns in list(getattr(pool, "connections", {}).values()):
                for conn in list(conns):
                    raw = getattr(getattr(conn, "socket", None), "_socket", None)
                    if isinstance(raw, socket.socket):
                        try:
                            raw.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
        except Exception as e:  # driver internals changed: the daemon thread stays blocked
            log.debug("could not shut the driver's sockets: %r", e)
        try:
            driver.close()
        except Exception as e:
            log.debug("closing the driver after a timeout: %r", e)
        if self.flavour == "falkordb":
            _poke(self._host, self._port)  # see _bolt_preflight

    def _detect(self) -> None:
        """Tell Neo4j from FalkorDB by what they do, not by what they announce
        (FalkorDB's Bolt layer says it is Neo4j 5.13)."""
        from neo4j.exceptions import Neo4jError

        probe = "kg\\'probe"

        def ask() -> Any:
            with self._session() as s:
                try:
                    rec = s.run("CALL dbms.components() YIELD name, versions, edition "
                                "RETURN name, versions, edition").single()  # fmt: skip
                    if rec:
                        self.server_version = f"{rec['name']} {'/'.join(rec['versions'])} {rec['edition']}"
                except Neo4jError:
                    self.flavour = "falkordb"
                try:
                    return s.run("RETURN $probe AS probe", probe=probe).single()["probe"]
                except Neo4jError:
                    return None

        self.splices_params = self._bounded(ask, "connecting") != probe
        if self.splices_params:
            self.param_limit = SPLICED_TEXT_LIMIT
            if self.flavour == "neo4j":
                self.flavour = "falkordb"
        log.info("connected to %s (%s%s)", self.uri, self.flavour,
                 f", {self.server_version}" if self.server_version else "")  # fmt: skip

    @property
    def _row_budget(self) -> int:
        return (self.param_limit or 1 << 62) - _QUERY_ALLOWANCE

    def _statement(self, cypher: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """What goes over the wire: the query and its parameters as Bolt
        values, or, on a server that splices parameters into the query text
        through a 4 KiB buffer (FalkorDB), the query behind a parameter
        header of our own and no Bolt parameters (see SPLICED_TEXT_LIMIT)."""
        if not self.splices_params:
            return cypher, params
        text = _with_header(cypher, params)
        if self.param_limit is not None and len(text.encode("utf-8")) > self.param_limit:
            raise ValueError(f"a statement of {len(text.encode('utf-8'))} bytes is over {self.flavour}'s "
                             f"{self.param_limit}")  # fmt: skip
        return text, {}

    def _write(self, cypher: str, params: dict[str, Any]) -> Any:
        """One managed write transaction, retried by the driver on transient
        errors; returns the summary counters."""
        cypher, params = self._statement(cypher, params)

        def work(tx: Any) -> Any:
            return tx.run(cypher, params).consume().counters

        def call() -> Any:
            with self._session() as s:
                return s.execute_write(work)

        return self._bounded(call, "writing")

    def _read(self, cypher: str, params: dict[str, Any] | None = None) -> list[Any]:
        cypher, params = self._statement(cypher, params or {})

        def work(tx: Any) -> list[Any]:
            return list(tx.run(cypher, params))

        def call() -> list[Any]:
            with self._session() as s:
                return s.execute_read(work)

        return self._bounded(call, "reading")

    def _unavailable(self, e: Exception, doing: str) -> StoreUnavailable:
        return StoreUnavailable(f"lost the Bolt server at {self.uri} while {doing}: {_first_line(e)}")

    # -- schema ----------------------------------------------------------
    def _ensure_keys(self) -> None:
        """A uniqueness constraint on each label's key (Neo4j 4.4/5 syntax,
        then the 4.x one), else a plain index (FalkorDB), else nothing but a
        warning: MERGE still works, only slower."""
        if self._keys_checked:
            return
        from neo4j.exceptions import Neo4jError

        existing: set[str] = set()
        if self.flavour == "falkordb":
            try:
                existing = {r["label"] for r in self._read("CALL db.indexes() YIELD label, properties "
                                                           "RETURN label, properties") if S.KEY in r["properties"]}  # fmt: skip
            except Neo4jError:
                pass
        attempts: list[tuple[str, Callable[[str], str]]] = [
            ("constraint", lambda L: f"CREATE CONSTRAINT kg_{L}_key IF NOT EXISTS FOR (n:{_label(L)}) REQUIRE n.{S.KEY} IS UNIQUE"),
            ("constraint", lambda L: f"CREATE CONSTRAINT kg_{L}_key IF NOT EXISTS ON (n:{_label(L)}) ASSERT n.{S.KEY} IS UNIQUE"),
            ("index", lambda L: f"CREATE INDEX FOR (n:{_label(L)}) ON (n.{S.KEY})"),
        ]  # fmt: skip
        if self.flavour == "falkordb":
            attempts = attempts[2:]
        for kind, make in attempts:
            try:
                for label in S.NODE_LABELS:
                    if label not in existing:
                        self._write(make(label), {})
                self.key_index = kind
                break
            except Neo4jError as e:
                log.debug("%s on key not available: %s", kind, _neo4j_message(e))
        else:
            log.warning("no constraint or index on :Label(key) could be made; loads will be slow")
        self._keys_checked = True

    # -- GraphStore ------------------------------------------------------
    def write(self, graph: nx.MultiDiGraph) -> None:
        """Merge ``graph`` in, then check that the server holds it (see
        :meth:`_check_written`). Keys and values the server cannot take are
        refused before anything is written."""
        from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

        clock = time.perf_counter
        t0 = clock()
        self._refuse_unwritable(graph)
        try:
            self._ensure_keys()
            nodes, edges = _rows(self._rebase(graph))
            t1 = clock()
            n_nodes = self._write_nodes(nodes)
            t2 = clock()
            n_edges = self._write_edges(edges)
            t3 = clock()
            self._refresh_counts({label: [r["key"] for r in rows] for label, rows in nodes.items()
                                  if label in S.ENTITY_LABELS})  # fmt: skip
            t4 = clock()
            self._check_written(nodes, edges)
        except (ServiceUnavailable, SessionExpired, ConnectionError) as e:
            raise self._unavailable(e, "loading (batches committed so far stay; load again to finish)") from None
        except Neo4jError as e:
            raise StoreUnavailable(f"the server at {self.uri} refused a write: {_neo4j_message(e)} "
                                   "(batches committed so far stay)") from None  # fmt: skip
        # Seconds per phase of the last write, for benchmarks/bench_neo4j.py and the log.
        self.last_write = {"prepare": t1 - t0, "nodes": t2 - t1, "relationships": t3 - t2, "counts": t4 - t3,
                           "check": clock() - t4}  # fmt: skip
        log.info("wrote %d nodes and %d relationships in %.1f s", n_nodes, n_edges, clock() - t0)

    def _refuse_unwritable(self, graph: nx.MultiDiGraph) -> None:
        """Refuse, before anything is written, what would fail half way
        through a load: a key holding a control character (NUL above all;
        kg's own keys never hold one, so it came from an input's id), and on
        a server that splices parameters into query text (FalkorDB) any NUL
        in a value, which its C-string query text cannot carry (the batch
        holding it failed after earlier ones had committed)."""
        bad_keys: list[str] = []
        bad_values: list[str] = []
        for nid, d in graph.nodes(data=True):
            label, key = _node_label(nid, d)
            if _CONTROL.search(key):
                bad_keys.append(f"{label} {key!r}")
            elif self.splices_params and any(_has_nul(v) for k, v in d.items() if k not in _STRUCTURAL):
                bad_values.append(f"{label} {key!r}")
        if self.splices_params and not bad_values:
            for u, v, k, d in graph.edges(keys=True, data=True):
                if any(_has_nul(x) for x in d.values()):
                    bad_values.append(f"{d.get('type') or k} {u!r}->{v!r}")
                    break
        if bad_keys:
            raise ValueError(f"{len(bad_keys):,} node key(s) hold control characters (NUL, line breaks, ...), "
                             f"e.g. {bad_keys[0]}; nothing was written: fix or drop those ids in the input")  # fmt: skip
        if bad_values:
            raise ValueError(f"{len(bad_values):,} record(s) hold a NUL character, which {self.flavour} cannot "
                             f"store, e.g. {bad_values[0]}; nothing was written: clean the input")  # fmt: skip

    def _check_written(
        self, nodes: dict[str, list[dict[str, Any]]], edges: dict[tuple[str, str, str], list[dict[str, Any]]]
    ) -> None:
        """The server holds what this write sent it: every node key (exact, in
        batches), and per relationship type at least as many relationships
        as were written (other loads may have added more). Each batch
        committed, but a server that restarts from an older snapshot within
        the driver's retry window (FalkorDB with RDB snapshots, a Neo4j
        restored from a backup) takes the retried batches and has lost the
        ones before: without this a load would end with success and fewer
        papers on the server. A shortfall raises :class:`LostWrites`; a rerun
        MERGEs the missing records in."""
        short: list[str] = []
        for label, rows in sorted(nodes.items(), key=lambda kv: kv[0] != S.PAPER):  # papers first
            keys = [r["key"] for r in rows]
            cypher = f"UNWIND $rows AS k MATCH (n:{_label(label)} {{{S.KEY}: k}}) RETURN count(DISTINCT k) AS c"
            held = sum(self._read(cypher, {"rows": batch})[0]["c"] for batch, _ in self._batches(cypher, keys, None))
            if held < len(keys):
                short.append(f"{held:,} of {len(keys):,} {label} nodes")
        sent: Counter[str] = Counter()
        for (rel, _, _), rows in edges.items():
            sent[rel] += len(rows)
        for rel, n in sorted(sent.items()):
            held = self._read(f"MATCH ()-[r:{_rel_type(rel)}]->() RETURN count(r) AS c")[0]["c"]
            if held < n:
                short.append(f"{held:,} of {n:,} {rel} relationships")
        if short:
            more = f" (and {len(short) - 3} more labels or types short)" if len(short) > 3 else ""
            raise LostWrites(f"Neo4j at {self.uri} holds {', '.join(short[:3])} written{more}: the server lost "
                             "writes (restart?); run kg load again")  # fmt: skip

    def _rebase(self, graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
        """New entities that name a stored one join it, and new papers that
        share a DOI, arXiv, Semantic Scholar or OpenAlex id with a stored one
        move onto its key, as in the embedded store (kg.resolve's
        rebase_entities and rebase_papers); only the labels this graph has
        are read back, and only papers that carry such an id."""
        from ..resolve import PAPER_IDENTIFIERS, rebase_entities, rebase_papers, stored_entity_index, stored_paper_index

        labels = {d.get("label") for _, d in graph.nodes(data=True)}
        stored = (
            (label, r["key"], [r["name"] or "", *(r["aliases"] or [])])
            for label in sorted(labels & set(S.ENTITY_LABELS))
            for r in self._read(f"MATCH (e:{_label(label)}) RETURN e.{S.KEY} AS key, e.name AS name, e.aliases AS aliases")
        )
        graph = rebase_entities(graph, stored_entity_index(stored))
        if S.PAPER not in labels:
            return graph
        ids = [_checked_prop(p) for p in PAPER_IDENTIFIERS]
        papers = self._read(
            f"MATCH (p:{_label(S.PAPER)}) WHERE " + " OR ".join(f"p.{p} IS NOT NULL" for p in ids)
            + f" RETURN p.{S.KEY} AS key, " + ", ".join(f"p.{p} AS {p}" for p in ids)
        )  # fmt: skip
        return rebase_papers(graph, stored_paper_index(dict(r.items()) for r in papers))

    def _run_batches(self, jobs: Iterable[tuple[str, list[Any], list[tuple[str, dict]], str]]) -> int:
        """Each job is a batch and the follow-up updates of its rows, written
        one at a time. (Two writers at once were faster on FalkorDB 4.16, but
        with statements of 1,000 rows a write waiting for another's commit
        aborts the server: an assertion in pthread_mutex_lock under
        QueryCtx_LockForCommit, seen in a test run. On Neo4j concurrent MERGEs
        on shared endpoints would only wait on each other's locks.)"""
        n = 0
        for cypher, batch, tails, target in jobs:
            self._write(cypher, {"rows": batch})
            for tail_cypher, params in tails:
                self._write(target + tail_cypher, params)
            n += len(batch)
        return n

    def _write_nodes(self, nodes: dict[str, list[dict[str, Any]]]) -> int:
        def jobs() -> Iterator[tuple[str, list[Any], list[tuple[str, dict]], str]]:
            for label, rows in nodes.items():
                cypher = _node_merge(label, {p for r in rows for p in r if p in LIST_PROPS or p in OR_PROPS})
                target = f"MATCH (n:{_label(label)} {{{S.KEY}: $key}})"
                for batch, tails in self._batches(cypher, rows, lambda row, L=label: self._node_tails(L, row)):
                    yield cypher, batch, tails, target

        return self._run_batches(jobs())

    def _write_edges(self, edges: dict[tuple[str, str, str], list[dict[str, Any]]]) -> int:
        def jobs() -> Iterator[tuple[str, list[Any], list[tuple[str, dict]], str]]:
            for (rel, src, dst), rows in edges.items():
                cypher = (
                    f"UNWIND $rows AS row "
                    f"MATCH (a:{_label(src)} {{{S.KEY}: row.s}}) MATCH (b:{_label(dst)} {{{S.KEY}: row.t}}) "
                    f"MERGE (a)-[r:{_rel_type(rel)}]->(b) SET r += row.props"
                )
                target = (f"MATCH (a:{_label(src)} {{{S.KEY}: $s}})-[n:{_rel_type(rel)}]->"
                          f"(b:{_label(dst)} {{{S.KEY}: $t}})")  # fmt: skip
                for batch, tails in self._batches(cypher, rows, lambda row, R=rel: self._edge_tails(R, row)):
                    yield cypher, batch, tails, target

        return self._run_batches(jobs())

    def _refresh_counts(self, keys: dict[str, list[str]]) -> None:
        """paper_count = distinct papers linked to the entity, and the name
        never among its aliases; for the entities this write touched (no other
        entity's papers changed)."""
        for label, ks in keys.items():
            cypher = (
                f"UNWIND $rows AS k MATCH (e:{_label(label)} {{{S.KEY}: k}}) "
                f"OPTIONAL MATCH (p:{_label(S.PAPER)})-->(e) "
                f"WITH e, count(DISTINCT p) AS c "
                f"SET e.paper_count = c, e.aliases = CASE WHEN e.aliases IS NULL THEN NULL "
                f"ELSE [a IN e.aliases WHERE e.name IS NULL OR a <> e.name] END"
            )
            for batch, _ in self._batches(cypher, ks, None):
                self._write(cypher, {"rows": batch})
        self._mark_best()

    def _mark_best(self) -> None:
        """Result.best as kg.relations.mark_best sets it: the best absolute
        value per (dataset, metric), 89% and 0.89 on one scale, lower first
        where the result says lower is better."""
        self._write(f"MATCH (r:{_label(S.RESULT)}) SET r.best = false", {})
        self._write(
            f"MATCH (r:{_label(S.RESULT)})-[:{_rel_type(S.ON_DATASET)}]->(d:{_label(S.DATASET)}) "
            f"MATCH (r)-[:{_rel_type(S.OF_METRIC)}]->(m:{_label(S.METRIC)}) WHERE r.relative = false "
            "WITH d, m, r, CASE WHEN r.unit = '%' THEN r.value / 100.0 ELSE r.value END AS s "
            "WITH d, m, r, CASE WHEN r.better = 'lower' THEN -s ELSE s END AS score ORDER BY score DESC "
            "WITH d, m, collect(r) AS rs WITH rs[0] AS top SET top.best = true",
            {},
        )

    # -- batching --------------------------------------------------------
    def _batches(
        self, cypher: str, rows: list[Any], split: Callable[[Any], tuple[Any, list[tuple[str, dict]]]] | None
    ) -> Iterator[tuple[list[Any], list[tuple[str, dict]]]]:
        """Rows in batches of ``batch_size``. On a server that splices
        parameters into query text (FalkorDB), a batch is also kept under
        that text's size limit, and a row too big on its own is cut down by
        ``split`` into a smaller row plus follow-up updates (the tails) that
        write its long values piece by piece."""
        if self.param_limit is None:
            for chunk in _chunks(rows, self.batch_size):
                yield chunk, []
            return
        budget = self.param_limit - len(cypher.encode("utf-8")) - 32
        batch = _Rendered()
        tails: list[tuple[str, dict]] = []
        used = 0
        for row in rows:
            more: list[tuple[str, dict]] = []
            text = _literal(row)
            size = len(text.encode("utf-8")) + 2  # and ", "
            if size > budget and split is not None:
                row, more = split(row)
                text = _literal(row)
                size = len(text.encode("utf-8")) + 2
            if size > budget:
                raise ValueError(f"a row is too large for {self.flavour}'s Bolt parameters: {str(row)[:120]}")
            if batch and (len(batch) >= self.batch_size or used + size > budget):
                yield batch, tails
                batch, tails, used = _Rendered(), [], 0
            batch.append(text)
            tails += more
            used += size
        if batch:
            yield batch, tails

    def _node_tails(self, label: str, row: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
        """A node row without its longest values, and the updates that write
        them in pieces after the row is merged (FalkorDB only)."""
        allowed = set(S.NODE_PROPERTIES.get(label, ()))
        row = {**row, "props": dict(row["props"])}
        tails: list[tuple[str, dict]] = []
        base = {"key": row["key"]}
        while _spliced_size(row) > self._row_budget:
            top = [(p, row[p]) for p in (*LIST_PROPS, *OR_PROPS) if p in row]
            inner = list(row["props"].items())
            name, value = max(top + inner, key=lambda kv: _spliced_size(kv[1]))
            if name not in allowed or not isinstance(value, str | list) or not _spliced_size(value) > 64:
                raise ValueError(f"{label} {row['key']!r}: too large for {self.flavour}'s Bolt parameters")
            if name in row:
                del row[name]
            else:
                del row["props"][name]
            tails += self._pieces(name, value, base, union=name in LIST_PROPS)
        return row, tails

    def _edge_tails(self, rel: str, row: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
        allowed = set(S.REL_PROPERTIES.get(rel, ()))
        row = {**row, "props": dict(row["props"])}
        tails: list[tuple[str, dict]] = []
        base = {"s": row["s"], "t": row["t"]}
        while _spliced_size(row) > self._row_budget:
            name, value = max(row["props"].items(), key=lambda kv: _spliced_size(kv[1]), default=(None, None))
            if name not in allowed or not isinstance(value, str | list) or not _spliced_size(value) > 64:
                raise ValueError(f"{rel} {row['s']!r}->{row['t']!r}: too large for {self.flavour}'s Bolt parameters")
            del row["props"][name]
            tails += self._pieces(name, value, base, union=False)
        return row, tails

    def _pieces(self, name: str, value: str | list, base: dict[str, Any], union: bool) -> list[tuple[str, dict]]:
        """SET clauses (after a MATCH binding ``n``) that rebuild ``value``
        from pieces small enough to splice: the first piece replaces (or, for
        unioned lists, unions), the rest append, so a rerun starts over."""
        name = _checked_prop(name)
        room = self._row_budget - _spliced_size(base) - 64
        if isinstance(value, str):
            parts = _split_text(value, room)
        else:
            parts = _split_list(value, room)
        out = []
        for i, part in enumerate(parts):
            if union:
                clause = f" SET n.{name} = coalesce(n.{name}, []) + [x IN $v WHERE NOT x IN coalesce(n.{name}, [])]"
            elif i == 0:
                clause = f" SET n.{name} = $v"
            else:
                clause = f" SET n.{name} = n.{name} + $v"
            out.append((clause, {**base, "v": part}))
        return out

    def read(self) -> nx.MultiDiGraph:
        """The stored graph in kg.graph's shape: node ids ``Label:key``,
        ``label``/``key``/``__labels__`` attributes, one edge per
        (start, end, type) keyed by type. Nodes and relationships outside the
        schema are left out."""
        from neo4j.exceptions import ServiceUnavailable, SessionExpired

        g = new_graph()
        try:
            for label in S.NODE_LABELS:
                for r in self._read(f"MATCH (n:{_label(label)}) RETURN n.{S.KEY} AS key, properties(n) AS props"):
                    if r["key"] is None:
                        continue
                    key = str(r["key"])
                    props = {k: v for k, v in r["props"].items() if k not in _STRUCTURAL}
                    g.add_node(S.node_id(label, key), label=label, key=key, __labels__={label}, **props)
            for rel in S.REL_TYPES:
                for r in self._read(
                    f"MATCH (a)-[r:{_rel_type(rel)}]->(b) "
                    f"RETURN labels(a) AS la, a.{S.KEY} AS ka, labels(b) AS lb, b.{S.KEY} AS kb, properties(r) AS props"
                ):
                    u, v = _schema_id(r["la"], r["ka"]), _schema_id(r["lb"], r["kb"])
                    if u is None or v is None or u not in g or v not in g:
                        continue
                    props = {k: x for k, x in r["props"].items() if k not in _EDGE_STRUCTURAL}
                    g.add_edge(u, v, key=rel, type=rel, __labels__={rel}, **props)
        except (ServiceUnavailable, SessionExpired) as e:
            raise self._unavailable(e, "reading the graph") from None
        return g

    def query(self, cypher: str, params: dict[str, Any] | None = None) -> QueryResult:
        """Any Cypher the server runs; nodes come back as property dicts with
        their ``label``, relationships with their ``type``, as on the
        embedded store."""
        from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

        from ..query import QueryError

        try:
            cypher, params = self._statement(cypher, dict(params or {}))
        except ValueError as e:
            raise QueryError(f"cannot send these parameters to {self.flavour}: {e}") from None

        def call() -> QueryResult:
            with self._session() as s:
                res = s.run(cypher, params)
                columns = list(res.keys())
                return QueryResult(columns, [[_plain(v) for v in rec.values()] for rec in res])

        try:
            result = self._bounded(call, "running a query")
        except (ServiceUnavailable, SessionExpired) as e:
            raise self._unavailable(e, "running a query") from None
        except Neo4jError as e:
            raise QueryError(f"the server could not run this query: {_neo4j_message(e)}") from None
        return result

    def counts(self) -> dict[str, dict[str, int]]:
        """Nodes per schema label and relationships per schema type (zeros
        left out, as kg.graph.summary does)."""
        nodes: dict[str, int] = {}
        for label in S.NODE_LABELS:
            n = self._read(f"MATCH (n:{_label(label)}) RETURN count(n) AS c")[0]["c"]
            if n:
                nodes[label] = n
        edges: dict[str, int] = {}
        for rel in S.REL_TYPES:
            n = self._read(f"MATCH ()-[r:{_rel_type(rel)}]->() RETURN count(r) AS c")[0]["c"]
            if n:
                edges[rel] = n
        return {"nodes": dict(sorted(nodes.items())), "edges": dict(sorted(edges.items()))}

    def clear(self) -> None:
        """Delete kg's nodes (schema labels only: other data in the database
        stays), in batches so a big graph never needs one huge transaction."""
        for label in S.NODE_LABELS:
            cypher = f"MATCH (n:{_label(label)}) WITH n LIMIT $n DETACH DELETE n"
            while True:
                counters = self._write(cypher, {"n": max(self.batch_size, 1000)})
                if not counters.nodes_deleted:
                    break

    def close(self) -> None:
        if self._driver is not None:
            try:
                self._driver.close()
            finally:
                self._driver = None
                if self.flavour == "falkordb":
                    _poke(self._host, self._port)  # see _bolt_preflight

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- helpers ---------------------------------------------------------------
def _node_merge(label: str, special: set[str]) -> str:
    """MERGE on the key, plain properties with ``+=``, list properties unioned
    and flags or-ed; a property missing from a row leaves the stored value."""
    sets = []
    for p in sorted(special):
        p = _prop_name(p)
        if p in LIST_PROPS:
            sets.append(f"n.{p} = CASE WHEN row.{p} IS NULL THEN n.{p} ELSE "
                        f"coalesce(n.{p}, []) + [x IN row.{p} WHERE NOT x IN coalesce(n.{p}, [])] END")  # fmt: skip
        else:
            sets.append(f"n.{p} = CASE WHEN row.{p} IS NULL THEN n.{p} ELSE coalesce(n.{p}, false) OR row.{p} END")
    extra = (" SET " + ", ".join(sets)) if sets else ""
    return f"UNWIND $rows AS row MERGE (n:{_label(label)} {{{S.KEY}: row.key}}) SET n += row.props{extra}"


def _node_label(nid: str, d: dict[str, Any]) -> tuple[str, str]:
    label, key = d.get("label"), d.get("key")
    if label is None or key is None:
        ref = S.split_node_id(nid)
        label, key = label or ref.label, key if key is not None else ref.key
    if label not in S.NODE_LABELS:
        raise ValueError(f"node {nid!r} has label {label!r}, which is not in kg.schema")
    return label, str(key)


def _rows(
    graph: nx.MultiDiGraph,
) -> tuple[dict[str, list[dict[str, Any]]], dict[tuple[str, str, str], list[dict[str, Any]]]]:
    """Graph records as UNWIND rows: nodes per label; edges per (type, start
    label, end label), so each MERGE matches its endpoints on one label's key."""
    nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    where: dict[str, tuple[str, str]] = {}
    for nid, d in graph.nodes(data=True):
        label, key = _node_label(nid, d)
        where[nid] = (label, key)
        props = _props(d, _STRUCTURAL)
        row: dict[str, Any] = {"key": key}
        for p in (*LIST_PROPS, *OR_PROPS):
            if p in props:
                row[p] = props.pop(p)
        row["props"] = props
        nodes[label].append(row)
    edges: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for u, v, k, d in graph.edges(keys=True, data=True):
        rel = d.get("type") or k
        _rel_type(rel)
        (lu, ku), (lv, kv) = where[u], where[v]
        edges[(rel, lu, lv)].append({"s": ku, "t": kv, "props": _props(d, _EDGE_STRUCTURAL)})
    return dict(nodes), dict(edges)


def _has_nul(v: Any) -> bool:
    if isinstance(v, str):
        return "\x00" in v
    if isinstance(v, list | tuple | set | frozenset):
        return any(_has_nul(x) for x in v)
    if isinstance(v, dict):
        return any(_has_nul(x) for x in v.values())
    return False


def _schema_id(labels: Iterable[str], key: Any) -> str | None:
    if key is None:
        return None
    for label in labels:
        if label in S.NODE_LABELS:
            return S.node_id(label, str(key))
    return None


def _plain(v: Any) -> Any:
    """Driver values as plain Python: nodes and relationships become property
    dicts (with ``label`` / ``type``), paths lists of them."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(v, Node):
        label = next((lb for lb in S.NODE_LABELS if lb in v.labels), next(iter(sorted(v.labels)), None))
        return {"label": label, **dict(v.items())}
    if isinstance(v, Relationship):
        return {"type": v.type, **dict(v.items())}
    if isinstance(v, Path):
        nodes, rels = list(v.nodes), list(v.relationships)
        out: list[Any] = [_plain(nodes[0])]
        for r, n in zip(rels, nodes[1:], strict=True):
            out += [_plain(r), _plain(n)]
        return out
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return str(v)  # temporal and spatial values


def _neo4j_message(e: Exception) -> str:
    msg = getattr(e, "message", None) or str(e)
    return _first_line(msg)


def _first_line(e: Any) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
